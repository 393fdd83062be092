"""Who may do what with events.

Coordinators run events: create and edit them, see their registrations, check people in and
read the people-trained counts. The public needs no account: it sees the public events (an
invite-only event only through its private link) and registers. Registrants' names and
e-mails are shown only on staff pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import has_role
from heatwatch.events.models import Event

EVENT_STAFF = (Role.COORDINATOR,)


def can_run_events(user: Any) -> bool:
    return has_role(user, *EVENT_STAFF)


def events_run_by(user: Any) -> QuerySet[Event]:
    """The events ``user`` may manage (every event for a coordinator, none otherwise)."""
    if can_run_events(user):
        return Event.objects.all()
    return Event.objects.none()
