"""Writes for the partner service directory: create, edit, capacity, (de)activate.

Every function validates (the same rules for the web forms and HSDS imports), writes in one
transaction and audits in it. Edits carry the ``version`` the editor loaded: a stale one raises
``StaleService`` and nothing is saved (no lost update). Permission checks happen in the callers
(views: directory/permissions.py; the import command is run by an operator).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, fields
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Organisation, User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.directory.models import Category, Gender, Service, ServiceArea, ServiceLanguage
from heatwatch.lib.versioning import StaleEdit, assign, bump, locked

LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MAX_LANGUAGES = 30
MAX_AREAS = 50
AREA_MAX_LENGTH = 100


class DirectoryError(ValueError):
    """A change that breaks a directory rule; the message is safe to show."""


class StaleService(DirectoryError, StaleEdit):
    """Someone else changed the service since this form was loaded (no lost update)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this service while you were editing it. Your changes "
                "were not saved; review the service and make them again."
            )
        )


@dataclass
class ServiceInput:
    """The details of a service that staff edit (everything but capacity and status)."""

    name: str
    category: str
    description: str = ""
    min_age: int | None = None
    max_age: int | None = None
    gender: str = Gender.ANY
    eligibility_description: str = ""
    languages: list[str] = field(default_factory=list)
    service_areas: list[str] = field(default_factory=list)
    hours: str = ""
    open_24_7: bool = False
    intake_phone: str = ""
    intake_email: str = ""
    intake_url: str = ""
    application_process: str = ""
    referral_contact: str = ""
    staff_notes: str = ""
    address_1: str = ""
    city: str = ""
    state_province: str = ""
    postal_code: str = ""
    address_confidential: bool = False
    is_public: bool = False


@dataclass
class CapacityInput:
    """How many places a service has and whether it takes referrals or keeps a waitlist."""

    capacity: int | None = None
    available_slots: int | None = None
    accepting_referrals: bool = True
    waitlist_open: bool = False
    waitlist_length: int | None = None
    typical_wait_days: int | None = None


# Model fields set from ServiceInput (the two lists live in child tables).
DETAIL_FIELDS = [
    f.name for f in fields(ServiceInput) if f.name not in ("languages", "service_areas")
]
CAPACITY_FIELDS = [f.name for f in fields(CapacityInput)]


def _clean_languages(codes: list[str]) -> list[str]:
    result: list[str] = []
    for raw in codes:
        code = str(raw).strip()
        if not LANGUAGE_CODE_RE.match(code):
            raise DirectoryError(_("“%(code)s” is not a language code.") % {"code": code[:20]})
        if code not in result:
            result.append(code)
    if len(result) > MAX_LANGUAGES:
        raise DirectoryError(_("Too many languages."))
    return result


def _clean_areas(names: list[str]) -> list[str]:
    result: list[str] = []
    seen: set[str] = set()
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > AREA_MAX_LENGTH:
            raise DirectoryError(
                _("An area name can have at most %(n)d characters.") % {"n": AREA_MAX_LENGTH}
            )
        if name.lower() not in seen:
            seen.add(name.lower())
            result.append(name)
    if len(result) > MAX_AREAS:
        raise DirectoryError(_("Too many service areas."))
    return result


def _validate(service: Service) -> None:
    """Run the model's own validation (lengths, e-mail, URL, choices, age and slot rules)."""
    try:
        service.full_clean(exclude=["organisation", "hsds_id"])
    except ValidationError as exc:
        messages: list[str] = []
        concrete = {f.name: f for f in Service._meta.concrete_fields}
        for name, errors in exc.message_dict.items():
            label = str(concrete[name].verbose_name) if name in concrete else ""
            for error in errors:
                messages.append(f"{label}: {error}" if label else str(error))
        raise DirectoryError(" ".join(messages)) from None


def _apply_details(service: Service, data: ServiceInput) -> list[str]:
    """Copy ``data`` onto ``service``; return the names of the fields that changed."""
    if data.category not in Category.values:
        raise DirectoryError(_("Unknown category."))
    if data.gender not in Gender.values:
        raise DirectoryError(_("Unknown gender eligibility."))
    values = {}
    for name in DETAIL_FIELDS:
        value = getattr(data, name)
        values[name] = value.strip() if isinstance(value, str) else value
    changed = assign(service, values)
    if not service.name:
        raise DirectoryError(_("A service needs a name."))
    return changed


def _apply_capacity(service: Service, data: CapacityInput) -> list[str]:
    values = {name: getattr(data, name) for name in CAPACITY_FIELDS}
    for value in values.values():
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise DirectoryError(_("Numbers of places cannot be negative."))
    return assign(service, values)


def _check_unique_name(service: Service) -> None:
    clash = Service.objects.filter(
        organisation_id=service.organisation_id, name__iexact=service.name
    ).exclude(pk=service.pk)
    if clash.exists():
        raise DirectoryError(_("This organisation already has a service with that name."))


def _set_lists(service: Service, data: ServiceInput, *, created: bool) -> list[str]:
    """Replace the service's languages and areas; return which of the two lists changed."""
    languages = _clean_languages(data.languages)
    areas = _clean_areas(data.service_areas)
    changed = []
    current_languages = [] if created else list(service.languages.values_list("code", flat=True))
    if current_languages != languages:
        service.languages.all().delete()
        ServiceLanguage.objects.bulk_create(
            [ServiceLanguage(service=service, code=code) for code in languages]
        )
        changed.append("languages")
    current_areas = [] if created else list(service.areas.values_list("name", flat=True))
    if current_areas != areas:
        service.areas.all().delete()
        ServiceArea.objects.bulk_create([ServiceArea(service=service, name=n) for n in areas])
        changed.append("service_areas")
    return changed


def _locked(service: Service, version: int | None) -> Service:
    return locked(Service, service.pk, version=version, stale=StaleService)


@transaction.atomic
def service_create(
    *,
    organisation: Organisation,
    by: User | None,
    data: ServiceInput,
    capacity: CapacityInput | None = None,
    hsds_id: uuid.UUID | None = None,
) -> Service:
    """Add a service offered by ``organisation`` (audited)."""
    if not organisation.is_active:
        raise DirectoryError(_("This organisation is no longer active."))
    service = Service(organisation=organisation)
    if hsds_id is not None:
        if Service.objects.filter(hsds_id=hsds_id).exists():
            raise DirectoryError(_("A service with this identifier already exists."))
        service.hsds_id = hsds_id
    _apply_details(service, data)
    if capacity is not None:
        _apply_capacity(service, capacity)
        service.capacity_updated_at = timezone.now()
    _validate(service)
    # Checked before saving: the list helpers also validate, so nothing is half-saved.
    _clean_languages(data.languages)
    _clean_areas(data.service_areas)
    _check_unique_name(service)
    service.save()
    _set_lists(service, data, created=True)
    audit_log(
        action=Action.CREATE,
        actor=by,
        obj=service,
        fields=["name", "category", "organisation"],
    )
    return service


@transaction.atomic
def service_update(
    *, service: Service, by: User | None, data: ServiceInput, version: int | None
) -> Service:
    """Change a service's details (not its capacity). ``version`` is the one the editor loaded;
    ``None`` skips the check (imports)."""
    service = _locked(service, version)
    changed = _apply_details(service, data)
    _validate(service)
    _check_unique_name(service)
    _clean_languages(data.languages)
    _clean_areas(data.service_areas)
    list_changes = _set_lists(service, data, created=False)
    if changed or list_changes:
        bump(service, changed)
        audit_log(action=Action.UPDATE, actor=by, obj=service, fields=changed + list_changes)
    return service


@transaction.atomic
def service_set_capacity(
    *, service: Service, by: User | None, data: CapacityInput, version: int | None
) -> Service:
    """Record how many places are open, whether referrals are taken and the waitlist.

    The time of the update is kept (``capacity_updated_at``) even when nothing changed: "still
    full" is news to the people referring.
    """
    service = _locked(service, version)
    changed = _apply_capacity(service, data)
    _validate(service)
    service.capacity_updated_at = timezone.now()
    bump(service, [*changed, "capacity_updated_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=service, fields=changed or ["capacity_checked"])
    return service


@transaction.atomic
def service_set_active(
    *, service: Service, by: User | None, active: bool, version: int | None = None
) -> Service:
    """Deactivate a service that is no longer offered (never deleted: referrals point to it),
    or bring it back."""
    service = _locked(service, version)
    if service.is_active == active:
        return service
    service.is_active = active
    bump(service, ["is_active"])
    audit_log(action=Action.UPDATE, actor=by, obj=service, fields=["is_active"])
    return service


def service_deactivate(*, service: Service, by: User | None, version: int | None = None) -> Service:
    """Shorthand for ``service_set_active(active=False)``."""
    return service_set_active(service=service, by=by, active=False, version=version)


def service_input_from(service: Service) -> ServiceInput:
    """The current details of ``service`` as an input (to pre-fill forms and for exports)."""
    values: dict[str, Any] = {name: getattr(service, name) for name in DETAIL_FIELDS}
    return ServiceInput(
        **values,
        languages=[lang.code for lang in service.languages.all()],
        service_areas=[area.name for area in service.areas.all()],
    )


def capacity_input_from(service: Service) -> CapacityInput:
    """The current capacity of ``service`` as an input."""
    return CapacityInput(**{name: getattr(service, name) for name in CAPACITY_FIELDS})
