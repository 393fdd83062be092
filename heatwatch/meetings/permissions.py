"""Who may see and do what in MDT meetings (docs/meetings.md "Who sees what").

- Meeting pages are for case staff (coordinator, advocate, officer, prosecutor). Analysts,
  youth leads, administrators and accounts without a role get 403 on every page: they never
  see agenda content.
- Coordinators run meetings: they see every meeting, its agenda and briefings, and make every
  change.
- An invited attendee sees the meeting; the agenda and the briefings only once they have
  acknowledged the confidentiality statement (the MDT's information-sharing agreement), while
  the meeting is not closed and unless they were recorded as absent. Anyone else gets 404, as
  if the meeting did not exist (audited).
- An action item is marked done by its owner or a coordinator.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from heatwatch.accounts.permissions import has_role
from heatwatch.cases.permissions import CASE_ROLES, is_coordinator
from heatwatch.meetings.models import ActionItem, Attendee, Meeting, MeetingStatus

MEETING_ROLES = CASE_ROLES


def can_use_meetings(user: Any) -> bool:
    """May ``user`` open meeting pages at all?"""
    return has_role(user, *MEETING_ROLES)


def can_run_meetings(user: Any) -> bool:
    return is_coordinator(user)


def may_attend(user: Any) -> bool:
    """May ``user`` be invited (an active account with a case role)?"""
    return bool(user.is_active) and has_role(user, *MEETING_ROLES)


def meetings_visible_to(user: Any) -> QuerySet[Meeting]:
    """All meetings for coordinators; the meetings a case-staff member is invited to."""
    if not can_use_meetings(user):
        return Meeting.objects.none()
    if can_run_meetings(user):
        return Meeting.objects.all()
    # A subquery, not a join: a join would also narrow the list page's attendee counts.
    invited = Attendee.objects.filter(user=user).values("meeting_id")
    return Meeting.objects.filter(pk__in=invited)


def attendee_of(user: Any, meeting: Meeting) -> Attendee | None:
    return meeting.attendees.filter(user=user).first() if user.is_authenticated else None


def may_see_agenda(user: Any, meeting: Meeting, attendee: Attendee | None = None) -> bool:
    """Agenda content and briefings: coordinators; an attendee who acknowledged the
    confidentiality statement, while the meeting is open and unless recorded absent."""
    if can_run_meetings(user):
        return True
    if not can_use_meetings(user) or meeting.status == MeetingStatus.CLOSED:
        return False
    attendee = attendee or attendee_of(user, meeting)
    return attendee is not None and attendee.has_acknowledged and attendee.attended is not False


def may_own_action(user: Any, *, case: Any, meeting: Meeting) -> bool:
    """An action item's owner: an active account with a case role who is on the case's care
    team, a coordinator, or invited to this meeting (the partner who took the task)."""
    if not may_attend(user):
        return False
    if is_coordinator(user):
        return True
    if case.team.filter(user=user, removed_at__isnull=True).exists():
        return True
    return meeting.attendees.filter(user=user).exists()


def may_finish_action(user: Any, item: ActionItem) -> bool:
    return item.owner_id == user.pk or can_run_meetings(user)
