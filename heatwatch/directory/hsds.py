"""Export to and import from Open Referral HSDS 3.0 JSON (a documented subset; docs/directory.md).

The file is one JSON object::

    {"hsds_version": "3.0", "organizations": [...], "services": [...]}

Each service carries its HSDS children inline (``phones``, ``schedules``, ``languages``,
``service_areas``, ``service_at_locations`` → ``location`` → ``addresses``, ``attributes``).
What HSDS has no field for (category and gender as taxonomy terms aside: capacity, waitlist,
public flag, staff-only contact) travels in an ``x_heatwatch`` object, which other HSDS tools
ignore. A bare list of services, or an HSDS API page (``{"contents": [...]}``) with nested
``organization`` objects, is read too.

Import goes record by record: each service is validated and saved in its own savepoint, so a bad
record is reported (by its position, id and name) and skipped, and the others are kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from heatwatch.accounts import services as account_services
from heatwatch.accounts.models import Organisation, OrganisationType, User
from heatwatch.directory import services
from heatwatch.directory.models import (
    LANGUAGE_NAMES,
    Category,
    Gender,
    Service,
)

HSDS_VERSION = "3.0"
CATEGORY_TAXONOMY = "heatwatch-category"
GENDER_TAXONOMY = "heatwatch-gender"
EXTENSION = "x_heatwatch"
ALL_WEEK = "MO,TU,WE,TH,FR,SA,SU"
# Namespace for identifiers of records that have no UUID of their own (organisations, phones…),
# so the same directory always exports the same ids.
NAMESPACE = uuid.UUID("6f1d3c52-1d5e-4b8e-9a55-3c0a3f0d2b71")


def _uid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def organisation_hsds_id(organisation: Organisation) -> str:
    return _uid("organization", organisation.slug)


# --- export --------------------------------------------------------------------------------------


def _service_record(service: Service, *, public_only: bool) -> dict[str, Any]:
    sid = str(service.hsds_id)
    record: dict[str, Any] = {
        "id": sid,
        "organization_id": organisation_hsds_id(service.organisation),
        "name": service.name,
        "description": service.description,
        "url": service.intake_url or None,
        "email": service.intake_email or None,
        "status": "active" if service.is_active else "inactive",
        "application_process": service.application_process,
        "eligibility_description": service.eligibility_description,
        "minimum_age": service.min_age,
        "maximum_age": service.max_age,
        "last_modified": service.updated_at.isoformat(),
        "phones": [],
        "schedules": [],
        "languages": [
            {
                "id": _uid("language", sid, lang.code),
                "service_id": sid,
                "name": str(LANGUAGE_NAMES.get(lang.code, lang.code)),
                "code": lang.code,
            }
            for lang in service.languages.all()
        ],
        "service_areas": [
            {"id": _uid("service_area", sid, area.name), "service_id": sid, "name": area.name}
            for area in service.areas.all()
        ],
        "service_at_locations": [],
        "attributes": [
            {
                "id": _uid("attribute", sid, taxonomy),
                "link_id": sid,
                "link_type": "service",
                "link_entity": "service",
                "taxonomy_term": {
                    "id": _uid("taxonomy_term", taxonomy, code),
                    "code": code,
                    "name": label,
                    "taxonomy": taxonomy,
                },
            }
            for taxonomy, code, label in (
                (CATEGORY_TAXONOMY, service.category, str(service.get_category_display())),
                (GENDER_TAXONOMY, service.gender, str(service.get_gender_display())),
            )
        ],
    }
    if service.intake_phone:
        record["phones"].append(
            {
                "id": _uid("phone", sid),
                "service_id": sid,
                "number": service.intake_phone,
                "type": "voice",
                "description": "Intake",
            }
        )
    if service.hours or service.open_24_7:
        schedule: dict[str, Any] = {
            "id": _uid("schedule", sid),
            "service_id": sid,
            "description": service.hours,
        }
        if service.open_24_7:
            schedule.update(freq="WEEKLY", byday=ALL_WEEK, opens_at="00:00", closes_at="23:59")
        record["schedules"].append(schedule)
    if service.has_address and not (public_only and service.address_confidential):
        location_id = _uid("location", sid)
        record["service_at_locations"].append(
            {
                "id": _uid("service_at_location", sid),
                "service_id": sid,
                "location_id": location_id,
                "location": {
                    "id": location_id,
                    "location_type": "physical",
                    "name": service.name,
                    "addresses": [
                        {
                            "id": _uid("address", sid),
                            "location_id": location_id,
                            "address_1": service.address_1,
                            "city": service.city,
                            "state_province": service.state_province,
                            "postal_code": service.postal_code,
                            "country": "US",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        )
    extension: dict[str, Any] = {
        "category": service.category,
        "gender": service.gender,
        "open_24_7": service.open_24_7,
        "is_public": service.is_public,
    }
    if not public_only:
        extension.update(
            address_confidential=service.address_confidential,
            referral_contact=service.referral_contact,
            staff_notes=service.staff_notes,
            capacity={name: getattr(service, name) for name in services.CAPACITY_FIELDS},
            capacity_updated_at=(
                service.capacity_updated_at.isoformat() if service.capacity_updated_at else None
            ),
        )
    record[EXTENSION] = extension
    return record


def export_hsds(*, public_only: bool = False) -> dict[str, Any]:
    """The whole directory as an HSDS document (``public_only``: what /directory/ shows)."""
    qs = Service.objects.select_related("organisation").prefetch_related("languages", "areas")
    if public_only:
        qs = qs.filter(is_public=True, is_active=True, organisation__is_active=True)
    service_list = list(qs.order_by("organisation__name", "name", "pk"))
    organisations = {s.organisation_id: s.organisation for s in service_list}
    return {
        "hsds_version": HSDS_VERSION,
        "generator": "heatwatch",
        "exported_at": timezone.now().isoformat(),
        "organizations": [
            {
                "id": organisation_hsds_id(org),
                "name": org.name,
                "description": "",
                EXTENSION: {"slug": org.slug, "type": org.type},
            }
            for org in sorted(organisations.values(), key=lambda o: o.name)
        ],
        "services": [_service_record(s, public_only=public_only) for s in service_list],
    }


# --- import --------------------------------------------------------------------------------------


class RecordError(ValueError):
    """One record cannot be imported; the message says why."""


class DocumentError(ValueError):
    """The file as a whole is not an HSDS document this importer reads; nothing was imported."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _text(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{key} must be text")
    return value.strip()


def _int(record: Mapping[str, Any], key: str) -> int | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RecordError(f"{key} must be a whole number of 0 or more")
    return value


def _bool(record: Mapping[str, Any], key: str, default: bool) -> bool:
    value = record.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise RecordError(f"{key} must be true or false")
    return value


def _list(record: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = record.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise RecordError(f"{key} must be a list of objects")
    return value


def _taxonomy(record: Mapping[str, Any], taxonomy: str) -> str:
    for attribute in _list(record, "attributes"):
        term = attribute.get("taxonomy_term")
        if isinstance(term, Mapping) and term.get("taxonomy") == taxonomy:
            return str(term.get("code") or "")
    return ""


def _parse_service(
    record: Mapping[str, Any],
) -> tuple[uuid.UUID | None, services.ServiceInput, services.CapacityInput | None, bool]:
    """(id, details, capacity or None, active) of one HSDS service record."""
    ext = record.get(EXTENSION) or {}
    if not isinstance(ext, Mapping):
        raise RecordError(f"{EXTENSION} must be an object")
    hsds_id: uuid.UUID | None = None
    if record.get("id"):
        try:
            hsds_id = uuid.UUID(str(record["id"]))
        except ValueError:
            raise RecordError("id must be a UUID") from None
    category = str(ext.get("category") or _taxonomy(record, CATEGORY_TAXONOMY) or Category.OTHER)
    if category not in Category.values:
        raise RecordError(f"unknown category {category!r}")
    gender = str(ext.get("gender") or _taxonomy(record, GENDER_TAXONOMY) or Gender.ANY)
    if gender not in Gender.values:
        raise RecordError(f"unknown gender eligibility {gender!r}")
    status = _text(record, "status") or "active"
    if status not in ("active", "inactive", "defunct", "temporarily closed"):
        raise RecordError(f"unknown status {status!r}")

    phones = [_text(p, "number") for p in _list(record, "phones")]
    schedules = _list(record, "schedules")
    hours = "; ".join(filter(None, (_text(s, "description") for s in schedules)))
    open_24_7 = _bool(ext, "open_24_7", False) or any(
        s.get("byday") == ALL_WEEK
        and s.get("opens_at") == "00:00"
        and s.get("closes_at") == "23:59"
        for s in schedules
    )
    address: Mapping[str, Any] = {}
    for sal in _list(record, "service_at_locations"):
        location = sal.get("location")
        if isinstance(location, Mapping):
            addresses = _list(location, "addresses")
            if addresses:
                address = addresses[0]
                break
    data = services.ServiceInput(
        name=_text(record, "name"),
        category=category,
        description=_text(record, "description"),
        min_age=_int(record, "minimum_age"),
        max_age=_int(record, "maximum_age"),
        gender=gender,
        eligibility_description=_text(record, "eligibility_description"),
        languages=[_text(lang, "code") for lang in _list(record, "languages")],
        service_areas=[_text(area, "name") for area in _list(record, "service_areas")],
        hours=hours,
        open_24_7=open_24_7,
        intake_phone=next((p for p in phones if p), ""),
        intake_email=_text(record, "email"),
        intake_url=_text(record, "url"),
        application_process=_text(record, "application_process"),
        referral_contact=_text(ext, "referral_contact"),
        staff_notes=_text(ext, "staff_notes"),
        address_1=_text(address, "address_1"),
        city=_text(address, "city"),
        state_province=_text(address, "state_province"),
        postal_code=_text(address, "postal_code"),
        address_confidential=_bool(ext, "address_confidential", False),
        is_public=_bool(ext, "is_public", False),
    )
    if not data.name:
        raise RecordError("name is missing")
    capacity: services.CapacityInput | None = None
    raw_capacity = ext.get("capacity")
    if raw_capacity is not None:
        if not isinstance(raw_capacity, Mapping):
            raise RecordError("x_heatwatch.capacity must be an object")
        capacity = services.CapacityInput(
            capacity=_int(raw_capacity, "capacity"),
            available_slots=_int(raw_capacity, "available_slots"),
            accepting_referrals=_bool(raw_capacity, "accepting_referrals", True),
            waitlist_open=_bool(raw_capacity, "waitlist_open", False),
            waitlist_length=_int(raw_capacity, "waitlist_length"),
            typical_wait_days=_int(raw_capacity, "typical_wait_days"),
        )
    return hsds_id, data, capacity, status == "active"


class _Organisations:
    """Finds the local organisation of an HSDS organization: the map, then the name, then the
    slug; creates it only when asked to."""

    def __init__(
        self,
        *,
        document_orgs: list[Mapping[str, Any]],
        organisation_map: Mapping[str, str],
        create: bool,
        by: User | None,
    ) -> None:
        self.by_id = {str(o.get("id")): o for o in document_orgs if o.get("id")}
        self.map = dict(organisation_map)
        self.create = create
        self.by = by

    def resolve(self, record: Mapping[str, Any]) -> Organisation:
        nested = record.get("organization")
        org: Mapping[str, Any] = nested if isinstance(nested, Mapping) else {}
        org_id = str(record.get("organization_id") or org.get("id") or "")
        if not org and org_id:
            org = self.by_id.get(org_id, {})
        name = str(org.get("name") or "").strip()
        ext = org.get(EXTENSION) if isinstance(org.get(EXTENSION), Mapping) else {}
        assert isinstance(ext, Mapping)  # noqa: S101 - narrowed above
        target = self.map.get(org_id) or self.map.get(name)
        if target:
            found = Organisation.objects.filter(slug=target).first() or (
                Organisation.objects.filter(name__iexact=target).first()
            )
            if found is None:
                raise RecordError(f"the organisation map points to unknown organisation {target!r}")
            return found
        if not name and not org_id:
            raise RecordError("organization_id is missing")
        found = None
        if name:
            found = Organisation.objects.filter(name__iexact=name).first()
        if found is None and ext.get("slug"):
            found = Organisation.objects.filter(slug=str(ext["slug"])).first()
        if found is not None:
            return found
        if not self.create or not name:
            raise RecordError(
                f"organisation {name or org_id!r} is not known here: create it, map it with "
                "--organisation-map or pass --create-organisations"
            )
        org_type = str(ext.get("type") or "")
        if org_type not in OrganisationType.values:
            org_type = OrganisationType.SERVICE_PROVIDER
        try:
            return account_services.organisation_create(name=name, type=org_type, by=self.by)
        except ValueError as exc:
            raise RecordError(str(exc)) from None


def _label(index: int, record: Any) -> str:
    if isinstance(record, Mapping):
        return f"services[{index}] (id {record.get('id') or '?'}, name {record.get('name')!r})"
    return f"services[{index}]"


def import_hsds(
    *,
    document: Any,
    organisation_map: Mapping[str, str] | None = None,
    create_organisations: bool = False,
    by: User | None = None,
) -> ImportResult:
    """Create or update (by HSDS id) the services of ``document``; report the bad ones.

    Each record is all or nothing (its own savepoint); one bad record never stops the others.
    Raises ``DocumentError`` when the file as a whole has the wrong shape.
    """
    result = ImportResult()
    if isinstance(document, list):
        records: Any = document
        document_orgs: Any = []
    elif isinstance(document, Mapping):
        records = document.get("services", document.get("contents"))
        document_orgs = document.get("organizations") or []
    else:
        raise DocumentError('the file must hold a JSON object with a "services" list')
    if not isinstance(records, list):
        raise DocumentError('the file has no "services" list')
    if not isinstance(document_orgs, list):
        raise DocumentError('"organizations" must be a list')
    organisations = _Organisations(
        document_orgs=[o for o in document_orgs if isinstance(o, Mapping)],
        organisation_map=organisation_map or {},
        create=create_organisations,
        by=by,
    )
    for index, record in enumerate(records):
        try:
            if not isinstance(record, Mapping):
                raise RecordError("a service must be a JSON object")
            with transaction.atomic():
                created = _import_one(record, organisations=organisations, by=by)
        except (RecordError, services.DirectoryError) as exc:
            result.errors.append(f"{_label(index, record)}: {exc}")
            continue
        if created:
            result.created += 1
        else:
            result.updated += 1
    return result


def _import_one(
    record: Mapping[str, Any], *, organisations: _Organisations, by: User | None
) -> bool:
    hsds_id, data, capacity, active = _parse_service(record)
    organisation = organisations.resolve(record)
    existing = Service.objects.filter(hsds_id=hsds_id).first() if hsds_id else None
    if existing is None:
        service = services.service_create(
            organisation=organisation, by=by, data=data, capacity=capacity, hsds_id=hsds_id
        )
        created = True
    else:
        if existing.organisation_id != organisation.pk:
            raise RecordError("this id belongs to a service of another organisation")
        service = services.service_update(service=existing, by=by, data=data, version=None)
        if capacity is not None:
            service = services.service_set_capacity(
                service=service, by=by, data=capacity, version=None
            )
        created = False
    if service.is_active != active:
        services.service_set_active(service=service, by=by, active=active)
    return created
