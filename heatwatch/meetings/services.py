"""Writes for MDT meetings: the meeting, its agenda, attendees and their confidentiality
acknowledgement, attendance, decisions turned into action items, and closing.

Every function is atomic and audits in the same transaction as its change. Who may call them
is decided in the views (meetings/permissions.py); these functions enforce the domain rules and
raise ``MeetingError`` with a message safe to show. Action items are written to the case
timeline through ``cases.services.case_event_record`` with code-written summaries only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heatwatch.accounts.models import Organisation, User
from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.cases.models import Case, CaseStatus
from heatwatch.cases.permissions import may_represent
from heatwatch.cases.services import case_event_record
from heatwatch.lib.versioning import StaleEdit, bump, locked
from heatwatch.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendee,
    Meeting,
    MeetingStatus,
)
from heatwatch.meetings.permissions import may_attend, may_own_action
from heatwatch.meetings.selectors import agenda_candidates, agenda_reasons

# The version of the confidentiality statement attendees acknowledge (docs/meetings.md). Bump
# it when the statement's text changes: the acknowledgement records the version accepted.
STATEMENT_VERSION = "2026-11"
STATEMENT = gettext_lazy(
    "What is said and shown at this meeting, and every briefing printed for it, is "
    "confidential. I will use it only to coordinate services for the youths reviewed, share "
    "it only with people in my organisation who need it for that purpose, keep printed "
    "briefings secure and destroy them after the meeting, and never use it for any other "
    "purpose."
)
TEXT_LIMITS = {"name": 200, "location": 200, "notes": 10_000, "description": 2_000}


def agenda_size() -> int:
    """How many cases "Propose the agenda" adds at most (``HEATWATCH_MEETINGS_AGENDA_SIZE``),
    read on each call so that a changed setting applies at once."""
    return int(settings.HEATWATCH_MEETINGS_AGENDA_SIZE)


class MeetingError(ValueError):
    """A request that breaks a meeting rule; the message is safe to show."""


class StaleMeeting(MeetingError, StaleEdit):
    """Someone else changed the meeting since this form was loaded (no lost update)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this meeting while you were working on it. Your change "
                "was not saved; look at the meeting again."
            )
        )


class StaleActionItem(MeetingError, StaleEdit):
    """Someone else changed the action item since this page was loaded."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _("Someone else changed this action item; nothing was saved. Look at it again.")
        )


class NotYourAcknowledgement(MeetingError):
    """Only the attendee themselves can acknowledge the confidentiality statement."""


# --- helpers ----------------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def _check_length(name: str, value: str) -> None:
    if len(value) > TEXT_LIMITS[name]:
        raise MeetingError(_("%(field)s is too long.") % {"field": name.capitalize()})


def _locked(meeting: Meeting, version: int | None) -> Meeting:
    return locked(Meeting, meeting.pk, version=version, stale=StaleMeeting)


def _bump(meeting: Meeting, fields: Sequence[str] = ()) -> None:
    bump(meeting, fields)


def _require_not_closed(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CLOSED:
        raise MeetingError(_("This meeting is closed."))


def _require_held(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.HELD:
        raise MeetingError(_("Start the meeting first: decisions are recorded while it is held."))


def _day(value: date) -> str:
    return value.isoformat()


# --- the meeting ------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, by: User, name: str, location: str, scheduled_start: datetime) -> Meeting:
    """Schedule a meeting (not more than a day in the past: a meeting is recorded as it
    happens, not reconstructed later)."""
    name, location = name.strip(), location.strip()
    if not name:
        raise MeetingError(_("Give the meeting a name."))
    _check_length("name", name)
    _check_length("location", location)
    if timezone.is_naive(scheduled_start):
        raise MeetingError(_("Give the start with a time zone."))
    if scheduled_start < _now() - timedelta(days=1):
        raise MeetingError(_("The start cannot be in the past."))
    meeting = Meeting.objects.create(
        name=name, location=location, scheduled_start=scheduled_start, created_by=by
    )
    audit_log(action=Action.CREATE, actor=by, obj=meeting)
    return meeting


@transaction.atomic
def meeting_mark_held(*, meeting: Meeting, by: User, version: int | None) -> Meeting:
    """The meeting is taking place: attendance and decisions can be recorded."""
    meeting = _locked(meeting, version)
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError(_("Only a planned meeting can start."))
    meeting.status = MeetingStatus.HELD
    meeting.held_at = _now()
    _bump(meeting, ["status", "held_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=meeting, fields=["status", "held_at"])
    return meeting


@transaction.atomic
def meeting_close(*, meeting: Meeting, by: User, version: int | None) -> Meeting:
    """Close a held meeting once every attendee's attendance is recorded. Each case on the
    agenda gets a timeline entry saying it was reviewed; open action items stay open (they are
    worked from the owners' inboxes)."""
    meeting = _locked(meeting, version)
    if meeting.status != MeetingStatus.HELD:
        raise MeetingError(_("Only a meeting that was held can be closed."))
    if meeting.attendees.filter(attended__isnull=True).exists():
        raise MeetingError(_("Record the attendance of every invited person first."))
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = _now()
    _bump(meeting, ["status", "closed_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=meeting, fields=["status", "closed_at"])
    summary = f"Reviewed at the MDT meeting of {_day(timezone.localdate(meeting.scheduled_start))}"
    for item in meeting.agenda.select_related("case"):
        case_event_record(case=item.case, kind="mdt_reviewed", summary=summary, actor=by)
    return meeting


# --- the agenda -------------------------------------------------------------------------------


def _next_position(meeting: Meeting) -> int:
    return (meeting.agenda.aggregate(m=Max("position"))["m"] or 0) + 1


@transaction.atomic
def agenda_add(*, meeting: Meeting, by: User, case: Case, version: int | None) -> AgendaItem:
    """Put an open case on the agenda (at the end), with the code-written reason."""
    meeting = _locked(meeting, version)
    _require_not_closed(meeting)
    if not Case.objects.filter(pk=case.pk, status=CaseStatus.OPEN).exists():
        raise MeetingError(_("Only open cases can be reviewed."))
    if meeting.agenda.filter(case=case).exists():
        raise MeetingError(_("%(ref)s is already on the agenda.") % {"ref": case.reference})
    reason = agenda_reasons(cases=[case], before=meeting.scheduled_start)[case.pk]
    item = AgendaItem.objects.create(
        meeting=meeting,
        case=case,
        position=_next_position(meeting),
        reason=f"Added by hand. {reason}"[:300],
        added_by=by,
        added_at=_now(),
    )
    _bump(meeting)
    audit_log(action=Action.CREATE, actor=by, obj=item, reason=f"case {case.reference}")
    return item


@transaction.atomic
def agenda_propose(
    *, meeting: Meeting, by: User, version: int | None, limit: int | None = None
) -> list[AgendaItem]:
    """Add the cases most in need of review: open cases with open alerts first (most, then
    oldest alerts first), then the others by last review (never reviewed first). Cases
    already on the agenda are skipped."""
    meeting = _locked(meeting, version)
    _require_not_closed(meeting)
    candidates = agenda_candidates(meeting=meeting, limit=limit or agenda_size())
    position = _next_position(meeting)
    now = _now()
    items = []
    for offset, (case, reason) in enumerate(candidates):
        items.append(
            AgendaItem.objects.create(
                meeting=meeting,
                case=case,
                position=position + offset,
                reason=reason[:300],
                added_by=by,
                added_at=now,
            )
        )
        audit_log(action=Action.CREATE, actor=by, obj=items[-1], reason=f"case {case.reference}")
    if items:
        _bump(meeting)
    return items


@transaction.atomic
def agenda_remove(*, item: AgendaItem, by: User, version: int | None) -> None:
    """Take a case off the agenda (not once decisions were recorded for it)."""
    meeting = _locked(item.meeting, version)
    _require_not_closed(meeting)
    found = AgendaItem.objects.select_related("case").filter(pk=item.pk).first()
    if found is None:
        raise MeetingError(_("This case is no longer on the agenda."))
    item = found
    if ActionItem.objects.filter(meeting=meeting, case=item.case).exists():
        raise MeetingError(_("Decisions were recorded for this case; it stays on the agenda."))
    audit_log(action=Action.DELETE, actor=by, obj=item, reason=f"case {item.case.reference}")
    item.delete()
    _renumber(meeting, [i.pk for i in meeting.agenda.all()])
    _bump(meeting)


def _renumber(meeting: Meeting, item_ids: list[int]) -> None:
    items = {i.pk: i for i in meeting.agenda.all()}
    for position, pk in enumerate(item_ids, start=1):
        item = items[pk]
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


@transaction.atomic
def agenda_reorder(
    *, meeting: Meeting, by: User, item_ids: Sequence[int], version: int | None
) -> None:
    """Set the order of the agenda: ``item_ids`` lists every item of the meeting once."""
    meeting = _locked(meeting, version)
    _require_not_closed(meeting)
    current = set(meeting.agenda.values_list("pk", flat=True))
    if len(item_ids) != len(current) or set(item_ids) != current:
        raise MeetingError(_("The new order must list every agenda item once."))
    _renumber(meeting, list(item_ids))
    _bump(meeting)
    audit_log(action=Action.UPDATE, actor=by, obj=meeting, fields=["agenda.position"])


@transaction.atomic
def agenda_move(*, item: AgendaItem, by: User, up: bool, version: int | None) -> None:
    """Move one item up or down by one place."""
    ids = list(item.meeting.agenda.values_list("pk", flat=True))
    index = ids.index(item.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ids):
        raise MeetingError(_("This item cannot move further."))
    ids[index], ids[other] = ids[other], ids[index]
    agenda_reorder(meeting=item.meeting, by=by, item_ids=ids, version=version)


@transaction.atomic
def agenda_notes_save(*, item: AgendaItem, by: User, notes: str, version: int | None) -> AgendaItem:
    """Record the discussion of one case (encrypted)."""
    meeting = _locked(item.meeting, version)
    _require_not_closed(meeting)
    _check_length("notes", notes)
    item = AgendaItem.objects.select_related("case").get(pk=item.pk)
    item.discussion_notes = notes.strip()
    item.save(update_fields=["discussion_notes"])
    _bump(meeting)
    audit_log(
        action=Action.UPDATE,
        actor=by,
        obj=item,
        fields=["discussion_notes"],
        reason=f"case {item.case.reference}",
    )
    return item


# --- attendees --------------------------------------------------------------------------------


@transaction.atomic
def attendee_invite(
    *, meeting: Meeting, by: User, user: User, organisation: Organisation
) -> Attendee:
    """Invite a partner who holds a case role in the organisation they represent."""
    meeting = _locked(meeting, None)
    _require_not_closed(meeting)
    if not may_attend(user) or not may_represent(user, organisation.pk):
        raise MeetingError(
            _("%(user)s has no case role at %(org)s.") % {"user": user, "org": organisation}
        )
    if meeting.attendees.filter(user=user).exists():
        raise MeetingError(_("%(user)s is already invited.") % {"user": user})
    attendee = Attendee.objects.create(
        meeting=meeting, user=user, organisation=organisation, invited_by=by, invited_at=_now()
    )
    audit_log(action=Action.CREATE, actor=by, obj=attendee, organisation=organisation)
    return attendee


@transaction.atomic
def attendance_record(*, attendee: Attendee, by: User, attended: bool) -> Attendee:
    """Record whether an invited person attended (while the meeting is held)."""
    attendee = Attendee.objects.select_for_update().select_related("meeting").get(pk=attendee.pk)
    _require_held(attendee.meeting)
    attendee.attended = attended
    attendee.attendance_recorded_at = _now()
    attendee.save(update_fields=["attended", "attendance_recorded_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=attendee, fields=["attended"])
    return attendee


def confidentiality_acknowledge(*, attendee: Attendee, by: User) -> Attendee:
    """The attendee accepts the confidentiality statement (the MDT's information-sharing
    agreement). Only they can do it, and only before the meeting is closed. An attempt for
    someone else is refused and audited (outside the refused transaction, so it stays)."""
    if attendee.user_id != by.pk:
        audit_log(
            action=Action.ACCESS_DENIED,
            actor=by,
            obj=attendee,
            outcome=Outcome.DENIED,
            reason="acknowledgement for someone else",
        )
        raise NotYourAcknowledgement(_("Only the attendee can acknowledge for themselves."))
    return _acknowledge(attendee=attendee, by=by)


@transaction.atomic
def _acknowledge(*, attendee: Attendee, by: User) -> Attendee:
    attendee = Attendee.objects.select_for_update().select_related("meeting").get(pk=attendee.pk)
    _require_not_closed(attendee.meeting)
    if attendee.acknowledged_at is not None and attendee.statement_version == STATEMENT_VERSION:
        return attendee
    attendee.acknowledged_at = _now()
    attendee.statement_version = STATEMENT_VERSION
    attendee.save(update_fields=["acknowledged_at", "statement_version"])
    audit_log(
        action=Action.UPDATE,
        actor=by,
        obj=attendee,
        fields=["acknowledged_at", "statement_version"],
        reason=f"confidentiality statement {STATEMENT_VERSION}",
    )
    return attendee


# --- decisions --------------------------------------------------------------------------------


@transaction.atomic
def action_item_create(
    *,
    meeting: Meeting,
    case: Case,
    by: User,
    description: str,
    owner: User,
    due_on: date,
) -> ActionItem:
    """Turn a decision about a case on the agenda into an action item: one owner (who holds a
    case role and is on the care team, a coordinator or at this meeting), a due date today or
    later. Written to the case timeline and the owner's inbox."""
    meeting = _locked(meeting, None)
    _require_held(meeting)
    description = description.strip()
    if not description:
        raise MeetingError(_("Describe what was decided."))
    _check_length("description", description)
    if not meeting.agenda.filter(case=case).exists():
        raise MeetingError(_("Only cases on the agenda get action items."))
    if due_on < timezone.localdate():
        raise MeetingError(_("The due date cannot be in the past."))
    if not may_own_action(owner, case=case, meeting=meeting):
        raise MeetingError(
            _(
                "%(user)s cannot own this action: give it to someone with a case role who is on "
                "the care team, a coordinator, or at this meeting."
            )
            % {"user": owner}
        )
    item = ActionItem.objects.create(
        meeting=meeting,
        case=case,
        description=description,
        owner=owner,
        due_on=due_on,
        created_by=by,
    )
    audit_log(action=Action.CREATE, actor=by, obj=item, reason=f"case {case.reference}")
    case_event_record(
        case=case,
        kind="mdt_action",
        summary=f"MDT action item for {owner}, due {_day(due_on)}",
        actor=by,
    )
    return item


def _locked_item(item: ActionItem, version: int | None) -> ActionItem:
    current = locked(ActionItem, item.pk, version=version, stale=StaleActionItem, related=["case"])
    if current.status != ActionStatus.OPEN:
        raise MeetingError(_("This action item is no longer open."))
    return current


def _finish(item: ActionItem, by: User, status: str) -> None:
    item.status = status
    item.done_at = _now()
    item.done_by = by
    fields = ["status", "done_at", "done_by"]
    bump(item, fields)
    audit_log(action=Action.UPDATE, actor=by, obj=item, fields=fields)


@transaction.atomic
def action_item_done(*, item: ActionItem, by: User, version: int | None) -> ActionItem:
    """Mark an open action item done (its owner or a coordinator)."""
    item = _locked_item(item, version)
    _finish(item, by, ActionStatus.DONE)
    case_event_record(
        case=item.case,
        kind="mdt_action_done",
        summary=f"MDT action item done (due {_day(item.due_on)})",
        actor=by,
    )
    return item


@transaction.atomic
def action_item_cancel(*, item: ActionItem, by: User, version: int | None) -> ActionItem:
    """Cancel an open action item (a coordinator, e.g. when a later meeting changes course)."""
    item = _locked_item(item, version)
    _finish(item, by, ActionStatus.CANCELLED)
    case_event_record(
        case=item.case,
        kind="mdt_action_cancelled",
        summary=f"MDT action item cancelled (was due {_day(item.due_on)})",
        actor=by,
    )
    return item
