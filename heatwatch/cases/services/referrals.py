"""Consent to share and closed-loop referrals to directory services: sent (or waitlisted)
→ accepted / declined → first contact → completed (or dropped, revoked, reopened). Only what
consent covers is shared with the receiving agency.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Organisation, User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.cases.models import (
    Case,
    Consent,
    ConsentGiver,
    Referral,
    ReferralEvent,
    ReferralStatus,
    SharedField,
)
from heatwatch.cases.selectors import consented_fields
from heatwatch.cases.services._base import (
    CaseError,
    StaleRecord,
    WaitlistOffered,
    _check_length,
    _event,
    _locked,
    _not_future,
    _now,
    _require_open,
    _resolve_alert,
)
from heatwatch.directory.models import Service
from heatwatch.directory.selectors import service_availability
from heatwatch.lib.versioning import bump, locked

# --- consent ----------------------------------------------------------------------------------


def _clean_scope(scope: Iterable[str]) -> list[str]:
    values = sorted(set(scope))
    unknown = set(values) - set(SharedField.values)
    if unknown:
        raise CaseError(_("Unknown information to share."))
    return values


@transaction.atomic
def consent_grant(
    *,
    case: Case,
    by: User,
    organisation: Organisation,
    scope: Iterable[str],
    valid_from: date,
    valid_until: date | None,
    given_by: str,
) -> Consent:
    """Record consent to share ``scope`` with ``organisation`` from ``valid_from``."""
    _require_open(case)
    values = _clean_scope(scope)
    if not values:
        raise CaseError(_("Choose what may be shared."))
    if given_by not in ConsentGiver.values:
        raise CaseError(_("Say who gave consent."))
    _not_future(valid_from, _("The date consent was given"))
    if valid_until is not None and valid_until < valid_from:
        raise CaseError(_("Consent cannot end before it starts."))
    consent = Consent.objects.create(
        case=case,
        organisation=organisation,
        scope=values,
        valid_from=valid_from,
        valid_until=valid_until,
        given_by=given_by,
        recorded_by=by,
    )
    audit_log(action=Action.CREATE, actor=by, obj=consent, fields=values)
    _event(case, "consent", f"Consent to share with {organisation.name}", by)
    return consent


@transaction.atomic
def consent_revoke(*, consent: Consent, by: User) -> Consent:
    """Withdraw a consent from now on (referrals already sent keep what they received)."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is not None:
        raise CaseError(_("This consent was already withdrawn."))
    consent.revoked_at = _now()
    consent.revoked_by = by
    consent.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(action=Action.UPDATE, actor=by, obj=consent, fields=["revoked_at"])
    _event(consent.case, "consent_revoked", "Consent withdrawn", by)
    return consent


# --- referrals --------------------------------------------------------------------------------

# Who moves a referral where: the receiving agency answers and reports progress; the sender's
# side (the care team) revokes or reopens.
AGENCY_TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.SENT, ReferralStatus.WAITLISTED}),
    ReferralStatus.DECLINED: frozenset(
        {ReferralStatus.SENT, ReferralStatus.WAITLISTED, ReferralStatus.ACCEPTED}
    ),
    ReferralStatus.FIRST_CONTACT: frozenset({ReferralStatus.ACCEPTED}),
    ReferralStatus.COMPLETED: frozenset({ReferralStatus.FIRST_CONTACT}),
    ReferralStatus.DROPPED: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.FIRST_CONTACT}),
}
OPEN_REFERRAL_STATUSES = frozenset(
    {
        ReferralStatus.SENT,
        ReferralStatus.WAITLISTED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.FIRST_CONTACT,
    }
)
CLOSED_REFERRAL_STATUSES = frozenset(
    {
        ReferralStatus.DECLINED,
        ReferralStatus.COMPLETED,
        ReferralStatus.DROPPED,
        ReferralStatus.REVOKED,
    }
)


@transaction.atomic
def referral_send(
    *,
    case: Case,
    by: User,
    service: Service,
    shared_fields: Iterable[str] = (),
    note: str = "",
    join_waitlist: bool = False,
) -> Referral:
    """Refer the youth to a directory service, sharing only what consent covers.

    A service that cannot take a referral now is refused, unless it keeps a waitlist and the
    sender chose to join it (``WaitlistOffered`` says so): the referral is then "waitlisted".
    """
    case = _locked(case, None)
    _require_open(case)
    _check_length("note", note)
    fields = _clean_scope(shared_fields)
    availability = service_availability(service=service)
    if availability.can_refer_now:
        status = ReferralStatus.SENT
    elif availability.waitlist_offered:
        if not join_waitlist:
            raise WaitlistOffered(
                _("%(service)s is full but keeps a waitlist. Join the waitlist?")
                % {"service": service.name}
            )
        status = ReferralStatus.WAITLISTED
    else:
        raise CaseError(
            _("%(service)s cannot take referrals now (%(status)s).")
            % {"service": service.name, "status": availability.status.label}
        )
    outside = set(fields) - consented_fields(case=case, organisation_id=service.organisation_id)
    if outside:
        labels = ", ".join(str(SharedField(f).label) for f in sorted(outside))
        raise CaseError(
            _("No consent to share this with %(org)s: %(fields)s.")
            % {"org": service.organisation.name, "fields": labels}
        )
    if Referral.objects.filter(
        case=case, service=service, status__in=list(OPEN_REFERRAL_STATUSES)
    ).exists():
        raise CaseError(_("There is already an open referral to this service."))
    now = _now()
    referral = Referral.objects.create(
        case=case,
        service=service,
        sender=by,
        status=status,
        shared_fields=fields,
        note=note.strip(),
        sent_at=now,
        status_changed_at=now,
    )
    ReferralEvent.objects.create(referral=referral, to_status=status, by=by, at=now)
    audit_log(action=Action.CREATE, actor=by, obj=referral, fields=fields)
    _event(case, "referral", f"Referral to {service.name}: {ReferralStatus(status).label}", by)
    return referral


def _transition(
    referral: Referral,
    *,
    to: str,
    allowed_from: frozenset[str],
    by: User,
    note: str = "",
    version: int | None = None,
) -> Referral:
    referral = locked(
        Referral,
        referral.pk,
        version=version,
        stale=StaleRecord,
        message=_("Someone else updated this referral; review it again."),
        related=["case", "service"],
    )
    if referral.status not in allowed_from:
        raise CaseError(
            _("A referral that is “%(status)s” cannot become “%(to)s”.")
            % {
                "status": ReferralStatus(referral.status).label,
                "to": ReferralStatus(to).label,
            }
        )
    _check_length("note", note)
    now = _now()
    ReferralEvent.objects.create(
        referral=referral, from_status=referral.status, to_status=to, by=by, at=now, note=note
    )
    referral.status = to
    referral.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if to == ReferralStatus.DECLINED:
        referral.decline_reason = note.strip()
        fields.append("decline_reason")
    bump(referral, fields)
    audit_log(action=Action.UPDATE, actor=by, obj=referral, fields=["status"])
    _event(
        referral.case,
        "referral",
        f"Referral to {referral.service.name}: {ReferralStatus(to).label}",
        by,
    )
    _resolve_alert(referral.case, f"referral:{referral.pk}:unanswered", at=now)
    return referral


@transaction.atomic
def referral_answer(
    *, referral: Referral, by: User, to: str, note: str = "", version: int | None = None
) -> Referral:
    """The receiving agency accepts, declines (with a reason), records first contact,
    completes or drops a referral."""
    if to not in AGENCY_TRANSITIONS:
        raise CaseError(_("Unknown referral step."))
    if to == ReferralStatus.DECLINED and not note.strip():
        raise CaseError(_("Give the reason for declining."))
    return _transition(
        referral, to=to, allowed_from=AGENCY_TRANSITIONS[to], by=by, note=note, version=version
    )


@transaction.atomic
def referral_revoke(*, referral: Referral, by: User, note: str = "") -> Referral:
    """The care team withdraws an open referral."""
    return _transition(
        referral,
        to=ReferralStatus.REVOKED,
        allowed_from=OPEN_REFERRAL_STATUSES,
        by=by,
        note=note,
    )


@transaction.atomic
def referral_reopen(*, referral: Referral, by: User, note: str) -> Referral:
    """The care team sends a closed referral again (a note says why); it starts as "sent"."""
    if not note.strip():
        raise CaseError(_("Say why the referral is reopened."))
    _require_open(referral.case)
    if Referral.objects.filter(
        case=referral.case, service=referral.service, status__in=list(OPEN_REFERRAL_STATUSES)
    ).exists():
        raise CaseError(_("There is already an open referral to this service."))
    referral = _transition(
        referral,
        to=ReferralStatus.SENT,
        allowed_from=CLOSED_REFERRAL_STATUSES,
        by=by,
        note=note,
    )
    referral.sent_at = referral.status_changed_at
    referral.save(update_fields=["sent_at"])
    _resolve_alert(referral.case, f"referral:{referral.pk}:declined")
    return referral
