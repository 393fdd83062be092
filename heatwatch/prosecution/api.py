"""The prosecution API, mounted at ``/api/prosecution`` by heatwatch/api/api.py; see docs/api.md.

Thin over the same selectors and services as the staff pages, so the same rules apply:
prosecutions for prosecutors (their office) and the assigned victim-witness advocate, 403 for
other roles, 404 (audited) outside one's scope; edits carry ``version`` and a stale one is 409;
an unknown statute code or stage dates out of order are 422 with the reason. The docket for
case staff (prosecutors: every hearing). The care team's calendar feed needs no session (a
calendar client has none): its private token is the key.

No ``from __future__ import annotations`` here: django-ninja reads the endpoints' annotations at
import time.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from heatwatch.accounts.models import Organisation, User
from heatwatch.api.auth import StaffSessionAuth
from heatwatch.api.errors import errors
from heatwatch.cases import selectors as case_selectors
from heatwatch.cases.models import HearingKind
from heatwatch.core.pagination import BoundedPageNumberPagination
from heatwatch.lib.versioning import StaleEdit
from heatwatch.prosecution import ical, permissions, selectors, services
from heatwatch.prosecution.models import (
    STAGE_ORDER,
    DefendantRole,
    Hearing,
    Outcome,
    Prosecution,
    Stage,
)

router = Router(tags=["prosecution"])
auth = StaffSessionAuth()


class ProsecutionListOut(Schema):
    """List fields only: no defendant field is read for a list."""

    id: int
    reference: str
    office: str
    defendant_role: DefendantRole
    stage: Stage
    outcome: str
    prosecutor: str | None
    advocate: str | None
    created_at: datetime

    # Rows of a list are models; a prosecution in full is a dict of plain values (``_full``).
    @staticmethod
    def resolve_office(obj: Any) -> str:
        return obj.office.name if isinstance(obj, Prosecution) else obj["office"]

    @staticmethod
    def resolve_prosecutor(obj: Any) -> str | None:
        if not isinstance(obj, Prosecution):
            return obj["prosecutor"]
        return obj.prosecutor.username if obj.prosecutor else None

    @staticmethod
    def resolve_advocate(obj: Any) -> str | None:
        if not isinstance(obj, Prosecution):
            return obj["advocate"]
        return obj.advocate.username if obj.advocate else None


class ChargeOut(Schema):
    statute: str
    description: str
    counts: int


class StageOut(Schema):
    stage: Stage
    on: date


class ProsecutionOut(ProsecutionListOut):
    """A prosecution in full, decrypted; every read is audited. ``youths`` lists only the case
    references the caller may also open."""

    defendant_name: str
    defendant_aliases: list[str]
    defendant_date_of_birth: date | None
    sentence: str
    version: int
    charges: list[ChargeOut]
    stages: list[StageOut]
    youths: list[str]


class DefendantIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    role: DefendantRole
    aliases: list[str] = Field(default_factory=list, max_length=20)
    date_of_birth: date | None = None


class ProsecutionIn(Schema):
    defendant: DefendantIn
    office_id: int | None = Field(None, description="Default: your prosecution office.")
    opened_on: date | None = None
    prosecutor: str | None = Field(None, max_length=150, description="A username.")
    advocate: str | None = Field(None, max_length=150, description="A username.")


class ProsecutionUpdateIn(Schema):
    defendant: DefendantIn
    prosecutor: str | None = Field(None, max_length=150)
    advocate: str | None = Field(None, max_length=150)
    outcome: Outcome = Outcome.PENDING
    sentence: str = Field("", max_length=2000)
    version: int = Field(..., description="The version you read: no lost update.")


class ChargeIn(Schema):
    statute: str = Field(..., min_length=1, max_length=40)
    counts: int = Field(1, ge=1, le=99)
    description: str = Field("", max_length=300)


class StageIn(Schema):
    stage: Stage
    on: date
    version: int


class HearingOut(Schema):
    id: int
    case_reference: str
    on: date
    at: time | None
    department: str
    purpose: str
    next_on: date | None
    version: int

    @staticmethod
    def resolve_case_reference(obj: Hearing) -> str:
        return obj.case.reference


class HearingIn(Schema):
    case_reference: str = Field(..., min_length=1, max_length=20)
    on: date
    at: time | None = None
    department: str = Field(..., min_length=1, max_length=100)
    purpose: HearingKind


class DocketFilter(Schema):
    start: date | None = Field(None, alias="from", description="Default: today.")
    end: date | None = Field(None, alias="to", description="Default: 90 days after the start.")


def _staff(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not permissions.can_use_prosecutions(user):
        raise PermissionDenied
    return user


def _prosecutor(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not permissions.is_prosecutor(user):
        raise PermissionDenied
    return user


def _username(name: str | None) -> User | None:
    if not name:
        return None
    user = User.objects.filter(username=name).first()
    if user is None:
        raise HttpError(422, "Unknown user.")
    return user


def _defendant(data: DefendantIn) -> services.DefendantInput:
    return services.DefendantInput(
        name=data.name, role=data.role, aliases=data.aliases, date_of_birth=data.date_of_birth
    )


def _full(user: Any, p: Prosecution) -> dict[str, Any]:
    dates = selectors.stage_dates(prosecution=p)
    return {
        "id": p.pk,
        "reference": p.reference,
        "office": p.office.name,
        "defendant_role": p.defendant_role,
        "stage": p.stage,
        "outcome": p.outcome,
        "prosecutor": p.prosecutor.username if p.prosecutor else None,
        "advocate": p.advocate.username if p.advocate else None,
        "created_at": p.created_at,
        "defendant_name": p.defendant_name,
        "defendant_aliases": [a.strip() for a in p.defendant_aliases.split(";") if a.strip()],
        "defendant_date_of_birth": p.defendant_date_of_birth,
        "sentence": p.sentence,
        "version": p.version,
        "charges": list(p.charges.all()),
        "stages": [{"stage": s, "on": dates[s]} for s in sorted(dates, key=STAGE_ORDER.index)],
        "youths": [
            link.case.reference for link in selectors.visible_youth_links(user=user, prosecution=p)
        ],
    }


def _editable(user: Any, pk: int) -> Prosecution:
    p = selectors.prosecution_get_for_user(user=user, pk=pk, audit=False)
    if not permissions.can_edit_prosecution(user, p):
        raise PermissionDenied
    return p


def _run(call: Any) -> Any:
    try:
        return call()
    except StaleEdit:
        raise  # 409, answered by the API's handler (api/api.py)
    except services.ProsecutionError as exc:
        raise HttpError(422, str(exc)) from None


@router.get(
    "",
    auth=auth,
    response={200: list[ProsecutionListOut], **errors(401, 403, 422)},
    summary="Prosecutions I may see (prosecutors: my office; advocates: assigned to me)",
    operation_id="prosecution_list",
)
@paginate(BoundedPageNumberPagination, page_size=50, max_page_size=200)
def prosecution_list(request: HttpRequest) -> QuerySet[Prosecution]:
    return selectors.prosecution_list(user=_staff(request))


@router.post(
    "",
    auth=auth,
    response={201: ProsecutionOut, **errors(400, 401, 403, 411, 422)},
    summary="Open a prosecution (prosecutors)",
    operation_id="prosecution_create",
)
def prosecution_create(request: HttpRequest, payload: ProsecutionIn) -> tuple[int, Any]:
    user = _prosecutor(request)
    offices = {o.pk: o for o in permissions.prosecution_offices(user)}
    office: Organisation | None = (
        offices.get(payload.office_id) if payload.office_id else next(iter(offices.values()))
    )
    if office is None:
        raise HttpError(422, "Not one of your offices.")
    p = _run(
        lambda: services.prosecution_create(
            by=user,
            office=office,
            defendant=_defendant(payload.defendant),
            opened_on=payload.opened_on,
            prosecutor=_username(payload.prosecutor),
            advocate=_username(payload.advocate),
        )
    )
    return 201, _full(user, selectors.prosecution_get_for_user(user=user, pk=p.pk))


@router.get(
    "/hearings",
    auth=auth,
    response={200: list[HearingOut], **errors(401, 403, 422)},
    summary="The youth-court docket I may see, by date",
    operation_id="prosecution_docket",
)
@paginate(BoundedPageNumberPagination, page_size=50, max_page_size=200)
def docket(request: HttpRequest, filters: Query[DocketFilter]) -> list[Hearing]:
    user = request.auth  # type: ignore[attr-defined]
    if not permissions.can_see_docket(user):
        raise PermissionDenied
    start = filters.start or timezone.localdate()
    end = filters.end or start + timedelta(days=90)
    if end < start or (end - start).days > 366:
        raise HttpError(422, "Give a range of at most a year, 'from' before 'to'.")
    return selectors.docket(user=user, start=start, end=end)


@router.post(
    "/hearings",
    auth=auth,
    response={201: HearingOut, **errors(400, 401, 403, 411, 422)},
    summary="Put a youth-court hearing on a case's docket (prosecutors, coordinators)",
    operation_id="prosecution_hearing_create",
)
def hearing_create(request: HttpRequest, payload: HearingIn) -> tuple[int, Hearing]:
    user = request.auth  # type: ignore[attr-defined]
    if not permissions.can_record_hearings(user):
        raise PermissionDenied
    case = case_selectors.case_by_reference(reference=payload.case_reference)
    if case is None or not case.is_open:
        raise HttpError(422, "No open case with this reference.")
    hearing = _run(
        lambda: services.hearing_record(
            case=case,
            by=user,
            on=payload.on,
            at=payload.at,
            department=payload.department,
            purpose=payload.purpose,
        )
    )
    return 201, hearing


@router.get(
    "/docket/feed/{token}.ics",
    auth=None,
    include_in_schema=False,
    url_name="prosecution_docket_feed",
)
def docket_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A care team's private calendar feed: the case's hearings (dates, departments,
    purposes; never the youth's name or an outcome). 404 for an unknown or revoked token."""
    feed = selectors.feed_for_token(token=token)
    if feed is None:
        raise Http404
    services.feed_fetched(feed)
    body = ical.docket_calendar(feed.case, selectors.case_hearings(case=feed.case))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="docket.ics"'
    return response


@router.get(
    "/{int:prosecution_id}",
    auth=auth,
    response={200: ProsecutionOut, **errors(401, 403, 404)},
    summary="One prosecution in full (audited)",
    operation_id="prosecution_get",
)
def prosecution_get(request: HttpRequest, prosecution_id: int) -> dict[str, Any]:
    user = _staff(request)
    return _full(user, selectors.prosecution_get_for_user(user=user, pk=prosecution_id))


@router.put(
    "/{int:prosecution_id}",
    auth=auth,
    response={200: ProsecutionOut, **errors(400, 401, 403, 404, 409, 411, 422)},
    summary="Edit the defendant, assignment, outcome and sentence (versioned)",
    operation_id="prosecution_update",
)
def prosecution_update(
    request: HttpRequest, prosecution_id: int, payload: ProsecutionUpdateIn
) -> dict[str, Any]:
    """``version`` is the version you read; if someone changed the prosecution since, 409 and
    nothing is saved."""
    user = _staff(request)
    p = _editable(user, prosecution_id)
    _run(
        lambda: services.prosecution_update(
            prosecution=p,
            by=user,
            version=payload.version,
            defendant=_defendant(payload.defendant),
            prosecutor=_username(payload.prosecutor),
            advocate=_username(payload.advocate),
            outcome=payload.outcome,
            sentence=payload.sentence,
        )
    )
    return _full(user, selectors.prosecution_get_for_user(user=user, pk=p.pk, audit=False))


@router.post(
    "/{int:prosecution_id}/charges",
    auth=auth,
    response={201: ChargeOut, **errors(400, 401, 403, 404, 411, 422)},
    summary="Add a charge (the statute code must be on the configured list)",
    operation_id="prosecution_charge_add",
)
def charge_add(request: HttpRequest, prosecution_id: int, payload: ChargeIn) -> tuple[int, Any]:
    user = _staff(request)
    p = _editable(user, prosecution_id)
    charge = _run(
        lambda: services.charge_add(
            prosecution=p,
            by=user,
            statute=payload.statute,
            counts=payload.counts,
            description=payload.description,
        )
    )
    return 201, charge


@router.post(
    "/{int:prosecution_id}/stages",
    auth=auth,
    response={200: ProsecutionOut, **errors(400, 401, 403, 404, 409, 411, 422)},
    summary="Record the date a stage was reached (dates run in the order of the stages)",
    operation_id="prosecution_stage_record",
)
def stage_record(request: HttpRequest, prosecution_id: int, payload: StageIn) -> dict[str, Any]:
    user = _staff(request)
    p = _editable(user, prosecution_id)
    _run(
        lambda: services.stage_record(
            prosecution=p, by=user, stage=payload.stage, on=payload.on, version=payload.version
        )
    )
    return _full(user, selectors.prosecution_get_for_user(user=user, pk=p.pk, audit=False))
