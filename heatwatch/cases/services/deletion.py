"""Deleting case records entered in error (restricted).

Deleting needs the restricted permission ``cases.delete_case_records`` (granted by an
administrator to named people; no role has it) and a reason. The reason may say things about
the youth, so it is stored encrypted inside the DELETE audit entry (the audit log keeps plain
text otherwise); the case timeline says what kind of record went, not why. Alerts of a deleted
episode or plan are resolved by the next ``alerts_refresh`` (their condition no longer holds).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.db.models.deletion import ProtectedError
from django.utils.translation import gettext as _

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.cases.models import (
    Alert,
    CareTeamMember,
    Case,
    Consent,
    Contact,
    CourtMatter,
    Identification,
    MissingEpisode,
    Placement,
    PlanGoal,
    Referral,
    ReferralStatus,
    Screening,
    StabilisationItem,
)
from heatwatch.cases.selectors import DELETION_REASON_CONTEXT, DELETION_REASON_PREFIX
from heatwatch.cases.services._base import (
    CaseError,
    _event,
    _now,
    _resolve_alert,
)
from heatwatch.cases.services.intake import _youth_source_id
from heatwatch.identity.selectors import record_of_source
from heatwatch.identity.services import (
    identity_record_delete,
)
from heatwatch.lib import crypto

# DELETABLE is the whitelist: a model not in it cannot be deleted here. Each whitelisted model
# other than Case has a ``case`` attribute. Add a model with its label (and, if needed, a
# check in _DELETE_CHECKS that raises CaseError when that record must not be deleted).

DELETE_PERMISSION = "cases.delete_case_records"
MIN_DELETE_REASON = 10
MAX_DELETE_REASON = 1000

DELETABLE: dict[type[models.Model], str] = {
    Contact: "contact",
    Consent: "consent",
    Referral: "referral",
    StabilisationItem: "stabilisation item",
    CareTeamMember: "care-team membership",
    Case: "case",
    PlanGoal: "service-plan goal",  # takes its steps with it
    Identification: "exploitation status entry",
    Screening: "screening",
    Placement: "placement",
    MissingEpisode: "missing episode",
    CourtMatter: "court matter",
}


class DeletionRefused(CaseError):
    """The user may not delete, or the record may not be deleted."""


def _referral_deletable(referral: models.Model) -> None:
    if not isinstance(referral, Referral):
        return
    answered = referral.events.exclude(
        to_status__in=[ReferralStatus.SENT, ReferralStatus.WAITLISTED, ReferralStatus.REVOKED]
    )
    if answered.exists():
        raise DeletionRefused(
            _(
                "The agency has answered this referral, so it is part of their record too. "
                "Revoke it instead."
            )
        )


_DELETE_CHECKS: dict[type[models.Model], Callable[[models.Model], None]] = {
    Referral: _referral_deletable,
}


def can_delete_records(user: Any) -> bool:
    """Does ``user`` hold the restricted permission to delete case records?"""
    return bool(getattr(user, "is_active", False) and user.has_perm(DELETE_PERMISSION))


def _sealed_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_DELETE_REASON:
        raise CaseError(
            _("Say why this is deleted (at least %(n)d characters).") % {"n": MIN_DELETE_REASON}
        )
    if len(reason) > MAX_DELETE_REASON:
        raise CaseError(
            _("The reason is too long (at most %(n)d characters).") % {"n": MAX_DELETE_REASON}
        )
    sealed = DELETION_REASON_PREFIX + crypto.encrypt(reason, context=DELETION_REASON_CONTEXT)
    if len(sealed) > 2000:  # the audit log's limit; only very wide characters get here
        raise CaseError(_("The reason is too long."))
    return sealed


def _delete_case(case: Case, by: User, sealed: str) -> None:
    youth = case.youth
    reference = case.reference
    audit_log(action=Action.DELETE, actor=by, obj=case, reason=sealed)
    try:
        with transaction.atomic():
            case.delete()
    except ProtectedError as exc:
        raise DeletionRefused(
            _("Other records still refer to this case (%(what)s); remove them first.")
            % {
                "what": ", ".join(
                    sorted({str(o._meta.verbose_name) for o in exc.protected_objects})
                )
            }
        ) from None
    if youth.cases.exists():
        return
    record = (
        record_of_source(
            person_id=youth.person_id, source="cases", source_record_id=_youth_source_id(youth)
        )
        if youth.person_id is not None
        else None
    )
    audit_log(action=Action.DELETE, actor=by, obj=youth, reason=f"case {reference} deleted")
    youth.delete()
    if record is not None:
        identity_record_delete(record=record, by=by, reason=f"case {reference} deleted")


@transaction.atomic
def record_delete(*, obj: models.Model, by: User, reason: str) -> None:
    """Delete one whitelisted case record (or a whole case created in error, with its youth and
    the youth's identity register record). Needs the restricted permission and a reason of at
    least 10 characters; audited as DELETE with the reason encrypted; a sub-record's deletion
    is in the case's timeline."""
    label = DELETABLE.get(type(obj))
    if label is None:
        raise DeletionRefused(_("This kind of record cannot be deleted."))
    if not can_delete_records(by):
        raise DeletionRefused(_("Deleting case records needs a permission you do not have."))
    sealed = _sealed_reason(reason)
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    check = _DELETE_CHECKS.get(type(obj))
    if check is not None:
        check(obj)
    if isinstance(obj, Case):
        _delete_case(obj, by, sealed)
        return
    case: Case = obj.case  # type: ignore[attr-defined]
    audit_log(action=Action.DELETE, actor=by, obj=obj, reason=sealed)
    pk = obj.pk
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError:
        raise DeletionRefused(
            _("Other records still refer to this %(what)s; remove them first.") % {"what": label}
        ) from None
    if isinstance(obj, Referral):
        Alert.objects.filter(
            case=case, key__startswith=f"referral:{pk}:", resolved_at__isnull=True
        ).update(resolved_at=_now())
    if isinstance(obj, StabilisationItem):
        _resolve_alert(case, f"item:{pk}")
    _event(case, "deleted", f"Deleted a {label} (reason in the audit log)", by)
