"""The events API, mounted at ``/api/events`` by heatwatch/api/api.py; see docs/api.md.

Public: the list of public events (upcoming first, filters by kind and audience) and one
event, with their counts (places left, waitlist length) and never a registrant or the online
link. Staff: an event's registrations for those who run or present it (names and e-mails: the
read is audited), through the same selectors as the staff pages, so the same rules apply (404
for an event outside the user's, 403 for a role without events).

No ``from __future__ import annotations`` here: django-ninja reads the endpoints' annotations at
import time, through ``paginate``.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from heatwatch.api.auth import StaffSessionAuth
from heatwatch.api.errors import errors
from heatwatch.core.pagination import BoundedPageNumberPagination
from heatwatch.events import selectors
from heatwatch.events.models import Audience, Event, Kind, Language, Registration
from heatwatch.events.models import RegistrationStatus as Status
from heatwatch.events.permissions import events_worked_by, kinds_user_may_run

router = Router(tags=["events"])


class EventOut(Schema):
    """An event's public fields and counts (no online link: it goes to registrants only)."""

    id: int
    slug: str
    url: str
    kind: Kind
    title: str
    description: str
    audiences: list[Audience]
    language: Language
    presenters: str
    venue_address: str
    venue_room: str
    accessibility_notes: str
    city: str
    online: bool = Field(
        ..., description="Also (or only) online; the link is mailed to registrants."
    )
    starts_at: datetime
    ends_at: datetime
    capacity: int
    places_left: int
    waitlist: int
    cancelled: bool

    @staticmethod
    def resolve_url(obj: Event) -> str:
        return obj.get_absolute_url()

    @staticmethod
    def resolve_presenters(obj: Event) -> str:
        return obj.presenter_names

    @staticmethod
    def resolve_online(obj: Event) -> bool:
        return bool(obj.online_url)

    @staticmethod
    def resolve_places_left(obj: Event) -> int:
        return max(obj.capacity - obj.confirmed_count, 0)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_waitlist(obj: Event) -> int:
        return int(obj.waitlist_count)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_cancelled(obj: Event) -> bool:
        return obj.is_cancelled


class EventFilter(Schema):
    kind: Kind | None = None
    audience: Audience | None = None
    past: bool = Field(False, description="Past events (most recent first) instead of upcoming.")


class RegistrationOut(Schema):
    """A registration in full (decrypted); every list read is audited."""

    id: int
    name: str
    email: str
    organisation: str
    audience: Audience
    sector: str
    places: int
    status: Status
    walk_in: bool
    accessibility_needs: str
    hold_expires_at: datetime | None
    checked_in_at: datetime | None
    created_at: datetime


@router.get(
    "",
    response={200: list[EventOut], **errors(422)},
    summary="Public events",
    operation_id="events_list",
)
@paginate(BoundedPageNumberPagination, page_size=50, max_page_size=100)
def event_list(request: HttpRequest, filters: Query[EventFilter]) -> QuerySet[Event]:
    """Public events: upcoming ones soonest first, or with `past=true` the past ones, most
    recent first. Invite-only events are never listed."""
    queryset = selectors.public_events_queryset(
        kind=filters.kind or "", audience=filters.audience or "", past=filters.past
    )
    return queryset


@router.get(
    "/{slug}",
    response={200: EventOut, **errors(404)},
    summary="One public event",
    operation_id="events_get",
)
def event_get(request: HttpRequest, slug: str) -> Event:
    """A public event by its slug (an invite-only one by its private UUID); 404 otherwise."""
    return selectors.event_for_public(key=slug[:100])


@router.get(
    "/{int:event_id}/registrations",
    auth=StaffSessionAuth(),
    response={200: list[RegistrationOut], **errors(401, 403, 404, 422)},
    summary="An event's registrations (staff, audited)",
    operation_id="events_registrations",
)
@paginate(BoundedPageNumberPagination, page_size=100, max_page_size=500)
def event_registrations(request: HttpRequest, event_id: int) -> list[Registration]:
    """For coordinators, youth leads (youth events) and the event's presenters; 403 for a role
    that works no event, 404 for an event outside the caller's. The read is audited."""
    user: Any = request.auth  # type: ignore[attr-defined]
    if not (kinds_user_may_run(user) or events_worked_by(user).exists()):
        raise PermissionDenied
    event = selectors.event_get_for_staff(user=user, pk=event_id)
    return selectors.registrations_for_staff(user=user, event=event)
