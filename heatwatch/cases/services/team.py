"""Working a case: participation (information only, never a condition for a service),
closure and reopening, the care team and its lead, the stabilisation checklist, contacts with
the youth (including the aftercare check-in) and break-glass reads.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Organisation, User
from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.cases.models import (
    Alert,
    BreakGlass,
    CareTeamMember,
    Case,
    CaseStatus,
    ClosureReason,
    Contact,
    ContactKind,
    Participation,
    StabilisationItem,
    StabilisationKind,
    TeamRole,
)
from heatwatch.cases.permissions import may_represent
from heatwatch.cases.services._base import (
    CaseError,
    _bump,
    _check_length,
    _event,
    _locked,
    _not_future,
    _now,
    _require_open,
    _resolve_alert,
    break_glass_minutes,
)
from heatwatch.cases.services.alerts import _aftercare_key, aftercare_contact_allowed

# --- case edits -------------------------------------------------------------------------------


@transaction.atomic
def case_set_participation(
    *, case: Case, by: User, participation: str, version: int | None
) -> Case:
    """Record the youth's part in an investigation or prosecution (information only)."""
    if participation not in Participation.values:
        raise CaseError(_("Unknown participation."))
    case = _locked(case, version)
    if case.participation != participation:
        case.participation = participation
        _bump(case, ["participation"])
        audit_log(action=Action.UPDATE, actor=by, obj=case, fields=["participation"])
        _event(case, "participation", f"Participation: {Participation(participation).label}", by)
    return case


@transaction.atomic
def case_close(
    *,
    case: Case,
    by: User,
    reason: str,
    aftercare_check_in_on: date | None,
    version: int | None,
) -> Case:
    """Close the case with a reason and an optional aftercare check-in date (in the future).
    Open referrals stay as they are: the history is kept."""
    if reason not in ClosureReason.values:
        raise CaseError(_("Give a reason for closing the case."))
    case = _locked(case, version)
    _require_open(case)
    if aftercare_check_in_on is not None and aftercare_check_in_on < timezone.localdate():
        raise CaseError(_("The aftercare check-in must be today or later."))
    case.status = CaseStatus.CLOSED
    case.closed_at = _now()
    case.closure_reason = reason
    case.aftercare_check_in_on = aftercare_check_in_on
    fields = ["status", "closed_at", "closure_reason", "aftercare_check_in_on"]
    _bump(case, fields)
    audit_log(action=Action.UPDATE, actor=by, obj=case, fields=fields)
    _event(case, "closed", f"Case closed: {ClosureReason(reason).label}", by)
    Alert.objects.filter(case=case, resolved_at__isnull=True).update(resolved_at=case.closed_at)
    return case


@transaction.atomic
def case_reopen(*, case: Case, by: User, version: int | None) -> Case:
    """Reopen a closed case; the closure stays in the timeline."""
    case = _locked(case, version)
    if case.status == CaseStatus.OPEN:
        raise CaseError(_("This case is already open."))
    case.status = CaseStatus.OPEN
    case.closed_at = None
    case.closure_reason = ""
    fields = ["status", "closed_at", "closure_reason"]
    _bump(case, fields)
    audit_log(action=Action.UPDATE, actor=by, obj=case, fields=fields)
    _event(case, "reopened", "Case reopened", by)
    return case


# --- care team --------------------------------------------------------------------------------


@transaction.atomic
def care_team_add(
    *,
    case: Case,
    by: User,
    user: User,
    organisation: Organisation,
    team_role: str,
    is_lead: bool = False,
) -> CareTeamMember:
    """Add ``user`` to the care team for ``organisation`` (where they must hold a case role)."""
    case = _locked(case, None)
    _require_open(case)
    if team_role not in TeamRole.values:
        raise CaseError(_("Unknown team role."))
    if not may_represent(user, organisation.pk):
        raise CaseError(
            _("%(user)s has no case role at %(org)s.") % {"user": user, "org": organisation}
        )
    if case.team.filter(user=user, removed_at__isnull=True).exists():
        raise CaseError(_("%(user)s is already on the care team.") % {"user": user})
    if is_lead:
        case.team.filter(removed_at__isnull=True, is_lead=True).update(is_lead=False)
    member = CareTeamMember.objects.create(
        case=case,
        user=user,
        organisation=organisation,
        team_role=team_role,
        is_lead=is_lead,
        added_by=by,
        added_at=_now(),
    )
    audit_log(action=Action.CREATE, actor=by, obj=member)
    _event(case, "team_added", f"{user} ({organisation.name}) joined the care team", by)
    return member


@transaction.atomic
def care_team_remove(*, member: CareTeamMember, by: User) -> CareTeamMember:
    """Take a member off the team (the row stays, with the date: history is kept)."""
    member = CareTeamMember.objects.select_for_update().get(pk=member.pk)
    if member.removed_at is not None:
        raise CaseError(_("Already removed from the care team."))
    member.removed_at = _now()
    member.removed_by = by
    member.is_lead = False
    member.save(update_fields=["removed_at", "removed_by", "is_lead"])
    audit_log(action=Action.UPDATE, actor=by, obj=member, fields=["removed_at", "is_lead"])
    _event(member.case, "team_removed", f"{member.user} left the care team", by)
    return member


@transaction.atomic
def care_team_set_lead(*, member: CareTeamMember, by: User) -> CareTeamMember:
    """Make ``member`` the team's one lead."""
    case = _locked(member.case, None)
    member = CareTeamMember.objects.select_for_update().get(pk=member.pk)
    if member.removed_at is not None:
        raise CaseError(_("That person is no longer on the care team."))
    case.team.filter(removed_at__isnull=True, is_lead=True).exclude(pk=member.pk).update(
        is_lead=False
    )
    if not member.is_lead:
        member.is_lead = True
        member.save(update_fields=["is_lead"])
        audit_log(action=Action.UPDATE, actor=by, obj=member, fields=["is_lead"])
        _event(case, "team_lead", f"{member.user} is now the lead", by)
    return member


# --- stabilisation ----------------------------------------------------------------------------


@transaction.atomic
def stabilisation_item_done(
    *, item: StabilisationItem, by: User, done_at: datetime | None = None
) -> StabilisationItem:
    """Tick a checklist item (``done_at`` may be earlier, never in the future or before the
    case opened)."""
    item = StabilisationItem.objects.select_for_update().select_related("case").get(pk=item.pk)
    if item.done_at is not None:
        raise CaseError(_("This item is already done."))
    done_at = done_at or _now()
    _not_future(done_at, _("The time it was done"))
    if done_at < item.case.opened_at - timedelta(days=1):
        raise CaseError(_("The time it was done is before the case was opened."))
    item.done_at = done_at
    item.done_by = by
    item.save(update_fields=["done_at", "done_by"])
    audit_log(action=Action.UPDATE, actor=by, obj=item, fields=["done_at"])
    _event(item.case, "stabilisation", f"Done: {StabilisationKind(item.kind).label}", by)
    _resolve_alert(item.case, f"item:{item.pk}")
    return item


@transaction.atomic
def stabilisation_item_assign(
    *, item: StabilisationItem, by: User, owner_id: int
) -> StabilisationItem:
    """Give a checklist item to an active member of the care team (open items of open cases)."""
    item = StabilisationItem.objects.select_for_update().select_related("case").get(pk=item.pk)
    _require_open(item.case)
    if item.done_at is not None:
        raise CaseError(_("This item is already done."))
    member = (
        CareTeamMember.objects.filter(
            case=item.case, user_id=owner_id, removed_at__isnull=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    if member is None:
        raise CaseError(_("Give the item to someone on the care team."))
    if item.owner_id == member.user_id:
        return item
    item.owner = member.user
    item.save(update_fields=["owner"])
    audit_log(action=Action.UPDATE, actor=by, obj=item, fields=["owner"])
    _event(
        item.case,
        "stabilisation",
        f"{StabilisationKind(item.kind).label}: now owned by {member.user.username}",
        by,
    )
    return item


# --- contacts ---------------------------------------------------------------------------------


@transaction.atomic
def contact_add(*, case: Case, by: User, kind: str, at: datetime, note: str = "") -> Contact:
    """Log a contact with the youth (not in the future, not before the case opened). A closed
    case takes contacts from its aftercare check-in date on: the aftercare check-in."""
    aftercare = aftercare_contact_allowed(case)
    if not aftercare:
        _require_open(case)
    elif timezone.localdate(at) < case.aftercare_check_in_on:  # type: ignore[operator]
        raise CaseError(_("An aftercare contact is on or after the check-in date."))
    if kind not in ContactKind.values:
        raise CaseError(_("Unknown kind of contact."))
    _check_length("note", note)
    _not_future(at, _("The contact time"))
    if at < case.opened_at - timedelta(days=1):
        raise CaseError(_("The contact time is before the case was opened."))
    contact = Contact.objects.create(case=case, kind=kind, by=by, at=at, note=note.strip())
    audit_log(action=Action.CREATE, actor=by, obj=contact)
    label = ContactKind(kind).label
    _event(
        case, "contact", f"Aftercare contact ({label})" if aftercare else f"Contact ({label})", by
    )
    _resolve_alert(case, "no_contact")
    if (
        case.aftercare_check_in_on is not None
        and timezone.localdate(at) >= case.aftercare_check_in_on
    ):
        _resolve_alert(case, _aftercare_key(case.aftercare_check_in_on))
    return contact


# --- break-glass ------------------------------------------------------------------------------

MIN_BREAK_GLASS_REASON = 20


@transaction.atomic
def break_glass(*, case: Case, by: User, reason: str) -> BreakGlass:
    """Grant ``by`` a time-limited read of a case outside their care teams (audited as
    BREAK_GLASS; the reason is kept encrypted for the coordinators' review)."""
    reason = reason.strip()
    if len(reason) < MIN_BREAK_GLASS_REASON:
        raise CaseError(
            _("Explain why you need this case now (at least %(n)d characters).")
            % {"n": MIN_BREAK_GLASS_REASON}
        )
    _check_length("reason", reason)
    now = _now()
    grant = BreakGlass.objects.create(
        case=case,
        user=by,
        reason=reason,
        created_at=now,
        expires_at=now + timedelta(minutes=break_glass_minutes()),
    )
    # The free-text reason may name people: the audit entry points to the grant instead.
    audit_log(action=Action.BREAK_GLASS, actor=by, obj=case, reason=f"break-glass {grant.pk}")
    _event(case, "break_glass", f"Break-glass read by {by}", by)
    _notify_break_glass_on_commit(grant.pk)
    return grant


def _notify_break_glass_on_commit(grant_id: int) -> None:
    # The coordinators are told at once, not only on the dashboard (issue 19).
    from heatwatch.cases.tasks import notify_break_glass

    transaction.on_commit(lambda: notify_break_glass.enqueue(grant_id=grant_id))


class UnknownCaseReference(CaseError):
    """No case has the reference given for a break-glass read."""


def break_glass_by_reference(*, reference: str, by: User, reason: str) -> BreakGlass:
    """A break-glass read of the case with ``reference``. An unknown reference is refused and
    audited as a failed break-glass attempt (in its own transaction, so the entry stays)."""
    case = Case.objects.filter(reference=reference.strip().upper()).first()
    if case is None:
        with transaction.atomic():
            audit_log(
                action=Action.BREAK_GLASS,
                actor=by,
                object_type="cases.case",
                outcome=Outcome.FAILURE,
                reason="unknown reference",
            )
        raise UnknownCaseReference(_("No case with that reference."))
    return break_glass(case=case, by=by, reason=reason)


@transaction.atomic
def break_glass_review(*, grant: BreakGlass, by: User) -> BreakGlass:
    """A coordinator marks a break-glass read as reviewed."""
    grant = BreakGlass.objects.select_for_update().get(pk=grant.pk)
    if grant.reviewed_at is None:
        grant.reviewed_at = _now()
        grant.reviewed_by = by
        grant.save(update_fields=["reviewed_at", "reviewed_by"])
        audit_log(action=Action.UPDATE, actor=by, obj=grant, fields=["reviewed_at"])
    return grant


def break_glass_notify(*, grant_id: int) -> int:
    """Tell every coordinator (each in their language) of a break-glass read: reference, who,
    until when and where to review it; never the reason. How many e-mails were sent."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from heatwatch.accounts.mail import send_to_users
    from heatwatch.accounts.models import Role
    from heatwatch.accounts.selectors import users_with_role
    from heatwatch.lib.links import absolute_url

    grant = BreakGlass.objects.filter(pk=grant_id).select_related("case", "user").first()
    if grant is None:
        return 0
    return send_to_users(
        users=users_with_role(role=Role.COORDINATOR).exclude(pk=grant.user_id),
        subject=gettext_lazy("[{program}] Break-glass read of case {reference}"),
        body=gettext_lazy(
            "{user} opened case {reference} with break-glass access (outside the care team), "
            "readable until {until}.\n\nReview the reason on the case dashboard:\n{url}\n"
        ),
        context={
            "reference": grant.case.reference,
            "user": grant.user.get_username(),
            "until": timezone.localtime(grant.expires_at).strftime("%Y-%m-%d %H:%M"),
            "url": absolute_url(reverse("cases:dashboard")),
        },
    )
