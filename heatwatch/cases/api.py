"""The case API for staff: case list and a case in full (need to know, audited), my alerts, and
the receiving agency's referral inbox with its answers. Mounted at ``/api/cases`` by
heatwatch/api/api.py; see docs/api.md.

Endpoints are thin: the same selectors and services as the staff pages, so the same rules
apply (a case outside your care teams is 404 and the attempt is audited; a receiving agency sees
only the fields the sender shared; analysts, youth leads and administrators get 403).

No ``from __future__ import annotations`` here: django-ninja reads the endpoints' annotations at
import time, through ``paginate``.
"""

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from heatwatch.api.auth import StaffSessionAuth
from heatwatch.api.errors import errors
from heatwatch.cases import selectors, services
from heatwatch.cases.models import (
    Alert,
    Case,
    CaseStatus,
    ReferralStatus,
)
from heatwatch.cases.permissions import can_use_cases
from heatwatch.core.pagination import BoundedPageNumberPagination
from heatwatch.lib.versioning import StaleEdit

router = Router(tags=["cases"], auth=StaffSessionAuth())


class CaseListOut(Schema):
    """List fields only: no youth field is read for a list."""

    id: int
    reference: str
    status: CaseStatus
    intake_source: str
    opened_at: datetime
    closed_at: datetime | None
    open_alerts: int


class YouthOut(Schema):
    legal_name: str
    aliases: list[str]
    date_of_birth: date | None
    estimated_age: int | None
    gender: str
    languages: str
    city: str
    in_foster_care: bool
    on_probation: bool
    guardian_contact: str
    safety_notes: str

    @staticmethod
    def resolve_aliases(obj: Any) -> list[str]:
        return [a.strip() for a in obj.aliases.split(";") if a.strip()]


class MemberOut(Schema):
    username: str
    organisation: str
    team_role: str
    is_lead: bool
    added_at: datetime


class StabilisationOut(Schema):
    kind: str
    owner: str | None
    due_at: datetime
    done_at: datetime | None


class ReferralOut(Schema):
    id: int
    service: str
    organisation: str
    status: ReferralStatus
    shared_fields: list[str]
    sent_at: datetime
    status_changed_at: datetime


class ConsentOut(Schema):
    organisation: str
    scope: list[str]
    valid_from: date
    valid_until: date | None
    given_by: str
    revoked_at: datetime | None


class AlertOut(Schema):
    id: int
    case_reference: str
    kind: str
    message: str
    due_at: datetime | None
    raised_at: datetime

    @staticmethod
    def resolve_case_reference(obj: Alert) -> str:
        return obj.case.reference


class CaseDetailOut(CaseListOut):
    """A case in full, decrypted; every read is audited."""

    participation: str
    closure_reason: str
    aftercare_check_in_on: date | None
    tip_reference: str
    version: int
    youth: YouthOut
    team: list[MemberOut]
    stabilisation: list[StabilisationOut]
    referrals: list[ReferralOut]
    consents: list[ConsentOut]
    alerts: list[AlertOut]


class CaseFilter(Schema):
    status: Literal["open", "closed", "all"] = Field("open", description="Default: open.")
    mine: bool = Field(False, description="Only the cases on my care teams.")


class SharedFieldOut(Schema):
    label: str
    value: str


class InboxOut(Schema):
    id: int
    case_reference: str
    service: str
    status: ReferralStatus
    sent_at: datetime
    status_changed_at: datetime
    version: int


class InboxDetailOut(InboxOut):
    note: str
    shared: list[SharedFieldOut]


class AnswerIn(Schema):
    to: Literal["accepted", "declined", "first_contact", "completed", "dropped"]
    note: str = Field("", max_length=4000, description="Required when declining.")
    version: int = Field(..., description="The version you read: no lost update.")


def _case_staff(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not can_use_cases(user):
        raise PermissionDenied
    return user


def _inbox_row(referral: Any) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "case_reference": referral.case.reference,
        "service": referral.service.name,
        "status": referral.status,
        "sent_at": referral.sent_at,
        "status_changed_at": referral.status_changed_at,
        "version": referral.version,
    }


@router.get(
    "",
    response={200: list[CaseListOut], **errors(401, 403, 422)},
    summary="Cases I may open (staff)",
    operation_id="cases_list",
)
@paginate(BoundedPageNumberPagination, page_size=50, max_page_size=200)
def case_list(request: HttpRequest, filters: Query[CaseFilter]) -> QuerySet[Case]:
    """Coordinators see every case; others the cases of their care teams (and of an active
    break-glass grant). References, statuses and dates only: no youth field."""
    user = _case_staff(request)
    status = "" if filters.status == "all" else filters.status
    return selectors.case_list(user=user, status=status, mine=filters.mine)


@router.get(
    "/alerts",
    response={200: list[AlertOut], **errors(401, 403, 422)},
    summary="Open alerts of my cases (all cases for coordinators)",
    operation_id="cases_alerts",
)
@paginate(BoundedPageNumberPagination, page_size=50, max_page_size=200)
def alert_list(request: HttpRequest) -> QuerySet[Alert]:
    return selectors.alerts_for(user=_case_staff(request))


@router.get(
    "/referrals",
    response={200: list[InboxOut], **errors(401, 403, 422)},
    summary="Referrals to my agency's services (open ones, oldest first)",
    operation_id="cases_referral_inbox",
)
@paginate(BoundedPageNumberPagination, page_size=50, max_page_size=200)
def referral_inbox(request: HttpRequest) -> list[dict[str, Any]]:
    referrals = selectors.referral_inbox(user=_case_staff(request))
    return [_inbox_row(r) for r in referrals]


@router.get(
    "/referrals/{int:referral_id}",
    response={200: InboxDetailOut, **errors(401, 403, 404)},
    summary="One referral to my agency, with the fields the sender shared (audited)",
    operation_id="cases_referral_get",
)
def referral_get(request: HttpRequest, referral_id: int) -> dict[str, Any]:
    referral = selectors.referral_get_for_agency(user=_case_staff(request), pk=referral_id)
    return {
        **_inbox_row(referral),
        "note": referral.note,
        "shared": [
            {"label": label, "value": value}
            for label, value in selectors.shared_view(referral=referral)
        ],
    }


@router.post(
    "/referrals/{int:referral_id}/answer",
    response={200: InboxOut, **errors(400, 401, 403, 404, 409, 411, 422)},
    summary="Accept, decline, record first contact, complete or drop a referral",
    operation_id="cases_referral_answer",
)
def referral_answer(request: HttpRequest, referral_id: int, payload: AnswerIn) -> dict[str, Any]:
    """The receiving agency answers. Declining needs a reason in ``note``. ``version`` is the
    version you read; if someone changed the referral since, 409 and nothing is saved."""
    user = _case_staff(request)
    referral = selectors.referral_get_for_agency(user=user, pk=referral_id, audit=False)
    try:
        referral = services.referral_answer(
            referral=referral, by=user, to=payload.to, note=payload.note, version=payload.version
        )
    except StaleEdit:
        raise  # 409, answered by the API's handler (api/api.py)
    except services.CaseError as exc:
        raise HttpError(422, str(exc)) from None
    return _inbox_row(referral)


@router.get(
    "/{reference}",
    response={200: CaseDetailOut, **errors(401, 403, 404)},
    summary="One case in full (care team and coordinators; audited)",
    operation_id="cases_get",
)
def case_get(request: HttpRequest, reference: str) -> dict[str, Any]:
    """The case with the youth's details, team, checklist, referrals, consents and open
    alerts. 404 for a case outside the caller's care teams, whether or not it exists (the
    attempt is audited)."""
    user = _case_staff(request)
    found = selectors.case_by_reference(reference=reference)
    # An unknown reference and a case the caller may not see answer alike (and are audited).
    case = selectors.case_get_for_user(user=user, pk=found.pk if found else 0)
    open_alerts = list(case.alerts.filter(resolved_at__isnull=True).select_related("case"))
    return {
        "id": case.pk,
        "reference": case.reference,
        "status": case.status,
        "intake_source": case.intake_source,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "open_alerts": len(open_alerts),
        "participation": case.participation,
        "closure_reason": case.closure_reason,
        "aftercare_check_in_on": case.aftercare_check_in_on,
        "tip_reference": case.tip_reference,
        "version": case.version,
        "youth": case.youth,
        "team": [
            {
                "username": m.user.username,
                "organisation": m.organisation.name,
                "team_role": m.team_role,
                "is_lead": m.is_lead,
                "added_at": m.added_at,
            }
            for m in selectors.case_team(case=case)
            if m.removed_at is None
        ],
        "stabilisation": [
            {
                "kind": i.kind,
                "owner": i.owner.username if i.owner else None,
                "due_at": i.due_at,
                "done_at": i.done_at,
            }
            for i in selectors.case_stabilisation(case=case)
        ],
        "referrals": [
            {
                "id": r.pk,
                "service": r.service.name,
                "organisation": r.service.organisation.name,
                "status": r.status,
                "shared_fields": r.shared_fields,
                "sent_at": r.sent_at,
                "status_changed_at": r.status_changed_at,
            }
            for r in selectors.case_referrals(case=case)
        ],
        "consents": [
            {
                "organisation": c.organisation.name,
                "scope": c.scope,
                "valid_from": c.valid_from,
                "valid_until": c.valid_until,
                "given_by": c.given_by,
                "revoked_at": c.revoked_at,
            }
            for c in selectors.case_consents(case=case)
        ],
        "alerts": open_alerts,
    }
