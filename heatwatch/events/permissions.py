"""Who may do what with events.

Coordinators run every event: create and edit them, see their registrations, check people in,
answer training requests and read the reports. A youth lead runs youth events only (their
club's, once the community app names clubs: today every youth event). A presenter (any staff
user linked to an event as its presenter) sees that event's registrations, checks people in,
adds walk-ins and enters attendance. Analysts read the reports and nothing else. The public
needs no account: it sees the public events (an invite-only event only through its private
link) and registers. Registrants' names and e-mails are shown only on staff pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import has_role
from heatwatch.events.models import Event, Kind

EVENT_STAFF = (Role.COORDINATOR,)
REPORT_READERS = (Role.COORDINATOR, Role.ANALYST)


def can_run_events(user: Any) -> bool:
    """Every event, training requests included (coordinators)."""
    return has_role(user, *EVENT_STAFF)


def can_create_events(user: Any) -> bool:
    return has_role(user, Role.COORDINATOR, Role.YOUTH_LEAD)


def kinds_user_may_run(user: Any) -> list[str]:
    """The kinds of event ``user`` may create and edit."""
    if can_run_events(user):
        return list(Kind.values)
    if has_role(user, Role.YOUTH_LEAD):
        return [Kind.YOUTH]
    return []


def can_read_reports(user: Any) -> bool:
    return has_role(user, *REPORT_READERS)


def events_run_by(user: Any) -> QuerySet[Event]:
    """The events ``user`` may edit (every event for a coordinator, youth events for a youth
    lead, none otherwise)."""
    kinds = kinds_user_may_run(user)
    if len(kinds) == len(Kind.values):
        return Event.objects.all()
    if kinds:
        return Event.objects.filter(kind__in=kinds)
    return Event.objects.none()


def events_worked_by(user: Any) -> QuerySet[Event]:
    """The events whose registrations ``user`` may see and check in: those they run and
    those they present."""
    if can_run_events(user):
        return Event.objects.all()
    if user is None or not user.is_authenticated:
        return Event.objects.none()
    kinds = kinds_user_may_run(user)
    presented = Event.presenters.through.objects.filter(user_id=user.pk).values("event_id")
    return Event.objects.filter(Q(kind__in=kinds) | Q(pk__in=presented))
