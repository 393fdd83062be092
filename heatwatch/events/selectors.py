"""Reads of the events app: public lists and calendars, staff lists, people trained.

Public reads never touch a registrant's personal data: they see counts only. Staff reads of
the registrations of an event are audited (one entry per page shown).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.events import permissions
from heatwatch.events.models import (
    Audience,
    Event,
    EventSeries,
    Kind,
    Registration,
    RequestStatus,
    TrainingRequest,
)
from heatwatch.events.models import RegistrationStatus as Status
from heatwatch.events.permissions import (
    can_read_reports,
    can_run_events,
    events_run_by,
    events_worked_by,
)

PAST_SHOWN = 50
UPCOMING_SHOWN = 50
FEED_PAST_DAYS = 180


def _with_counts(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """``confirmed_count``: the places given (confirmed and held, walk-ins apart, as
    services.confirmed_places counts them); ``waitlist_count``: people waiting."""
    taken = Q(registrations__status__in=[Status.CONFIRMED, Status.OFFERED]) & Q(
        registrations__walk_in=False
    )
    return queryset.annotate(
        confirmed_count=Coalesce(Sum("registrations__places", filter=taken), 0),
        waitlist_count=Count("registrations", filter=Q(registrations__status=Status.WAITLISTED)),
    )


@dataclass
class PublicEvents:
    upcoming: list[Event]
    past: list[Event]
    past_page: Page[Event] | None = None
    upcoming_page: Page[Event] | None = None


def public_events_queryset(
    *, kind: str = "", audience: str = "", past: bool = False, now: datetime | None = None
) -> QuerySet[Event]:
    """Public events with their counts: upcoming ones soonest first, or the past ones most
    recent first (the API pages through it)."""
    now = now or timezone.now()
    queryset = _with_counts(Event.objects.filter(is_public=True))
    if kind in Kind.values:
        queryset = queryset.filter(kind=kind)
    if audience in Audience.values:
        queryset = _for_audience(queryset, audience)
    if past:
        return queryset.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    return queryset.filter(ends_at__gte=now).order_by("starts_at", "pk")


def public_events(
    *,
    kind: str = "",
    audience: str = "",
    past_page: int = 1,
    upcoming_page: int = 1,
    now: datetime | None = None,
) -> PublicEvents:
    """Public events, upcoming first (soonest first, UPCOMING_SHOWN a page), then the past
    ones, most recent first, PAST_SHOWN a page; a page out of range gives the last one."""
    now = now or timezone.now()
    queryset = _with_counts(Event.objects.filter(is_public=True))
    if kind in Kind.values:
        queryset = queryset.filter(kind=kind)
    if audience in Audience.values:
        queryset = _for_audience(queryset, audience)
    upcoming_qs = queryset.filter(ends_at__gte=now).order_by("starts_at", "pk")
    soon = Paginator(upcoming_qs, UPCOMING_SHOWN).get_page(upcoming_page)
    past_qs = queryset.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    page = Paginator(past_qs, PAST_SHOWN).get_page(past_page)
    return PublicEvents(
        upcoming=list(soon.object_list),
        past=list(page.object_list),
        past_page=page,
        upcoming_page=soon,
    )


def _for_audience(queryset: QuerySet[Event], audience: str) -> QuerySet[Event]:
    """Events for ``audience``: JSON containment on PostgreSQL; SQLite has none, so there the
    stored list's text is matched (the values are fixed words, quoted in the JSON)."""
    if connection.vendor == "postgresql":
        return queryset.filter(audiences__contains=[audience])
    return queryset.filter(audiences__icontains=f'"{audience}"')


def upcoming_public_events(*, limit: int = 5, now: datetime | None = None) -> list[Event]:
    """The next public events that are not cancelled, soonest first (for other apps: the
    newsletter's "upcoming events" block). A stable read: its name and fields stay."""
    now = now or timezone.now()
    return list(
        Event.objects.filter(
            is_public=True, cancelled_at__isnull=True, starts_at__gte=now
        ).order_by("starts_at", "pk")[: max(0, min(limit, 50))]
    )


def event_for_public(*, key: str) -> Event:
    """A public event by its slug, or any event (invite-only too) by its private UUID link;
    404 otherwise."""
    queryset = _with_counts(Event.objects.all())
    try:
        uid = uuid.UUID(key)
    except ValueError:
        event = queryset.filter(slug=key, is_public=True).first()
    else:
        event = queryset.filter(uid=uid).first()
    if event is None:
        raise Http404
    return event


def feed_events(*, now: datetime | None = None) -> QuerySet[Event]:
    """The public events of the site calendar: upcoming ones and those of the last months."""
    now = now or timezone.now()
    return Event.objects.filter(
        is_public=True, ends_at__gte=now - timedelta(days=FEED_PAST_DAYS)
    ).order_by("starts_at", "pk")


def events_for_staff(*, user: Any) -> QuerySet[Event]:
    """The events on a staff user's list: those they run or present."""
    return _with_counts(events_worked_by(user)).order_by("-starts_at", "-pk")


def event_get_for_staff(*, user: Any, pk: int, edit: bool = False) -> Event:
    """An event its staff may work (``edit``: only one they run); 404 for anyone else."""
    queryset = events_run_by(user) if edit else events_worked_by(user)
    event = _with_counts(queryset).filter(pk=pk).first()
    if event is None:
        raise Http404
    return event


def may_edit_event(*, user: Any, event: Event) -> bool:
    """Does ``user`` run this event (edit it, cancel registrations), not only present it?"""
    return events_run_by(user).filter(pk=event.pk).exists()


def series_get_for_staff(*, user: Any, pk: int) -> EventSeries:
    """A series whose every date ``user`` runs; 404 otherwise."""
    series = EventSeries.objects.filter(pk=pk).first()
    if series is None:
        raise Http404
    events = Event.objects.filter(series=series)
    if events.exclude(pk__in=events_run_by(user).values("pk")).exists():
        raise Http404
    if not permissions.kinds_user_may_run(user):
        raise Http404
    return series


def registrations_for_staff(*, user: Any, event: Event, query: str = "") -> list[Registration]:
    """The registrations of an event for its staff page (audited: names and e-mails are read).

    ``query`` narrows by name, e-mail or organisation (matched after decryption: the list of
    one event is small).
    """
    rows = list(
        Registration.objects.filter(event=event)
        .select_related("checked_in_by")
        .order_by("status", "created_at", "pk")
    )
    audit_log(action=Action.READ, actor=user, obj=event, reason="registrations")
    needle = query.strip().casefold()
    if needle:
        rows = [
            r
            for r in rows
            if needle in r.name.casefold()
            or needle in r.email.casefold()
            or needle in r.organisation.casefold()
        ]
    return rows


def registration_get_for_staff(*, user: Any, event: Event, pk: int) -> Registration:
    registration = Registration.objects.filter(event__in=events_worked_by(user), event=event, pk=pk)
    found = registration.first()
    if found is None:
        raise Http404
    return found


@dataclass
class TrainedRow:
    audience: str
    label: str
    people: int


def people_trained_counts(
    *, start: datetime, end: datetime, by: str = "audience"
) -> dict[str, int]:
    """People trained at events starting in [start, end), counted from check-ins (not
    sign-ups; a registration of several places counts each), keyed by ``by``: "audience",
    "sector" (a registrant's sector; "" when not given) or "city" (the event's). Aggregates
    only, no personal data: the read other apps use (insights' people trained by audience).
    Cancelled events are not counted."""
    column = {"audience": "audience", "sector": "sector", "city": "event__city"}[by]
    rows = (
        Registration.objects.filter(
            event__starts_at__gte=start,
            event__starts_at__lt=end,
            event__cancelled_at__isnull=True,
            status=Status.CONFIRMED,
            checked_in_at__isnull=False,
        )
        .order_by()
        .values(column)
        .annotate(people=Sum("places"))
        .values_list(column, "people")
    )
    return {str(key): int(people or 0) for key, people in rows}


def people_trained(*, user: Any, start: datetime, end: datetime) -> list[TrainedRow]:
    """People checked in at events starting in [start, end), by audience type (check-ins,
    not sign-ups), for those who read the reports (nothing for others)."""
    counts = people_trained_counts(start=start, end=end) if can_read_reports(user) else {}
    return [
        TrainedRow(audience=value, label=str(label), people=counts.get(value, 0))
        for value, label in Audience.choices
    ]


def training_requests_for_staff(*, user: Any, status: str = "") -> QuerySet[TrainingRequest]:
    """The coordinators' queue: pending requests first, newest first within each status."""
    if not can_run_events(user):
        return TrainingRequest.objects.none()
    queryset = TrainingRequest.objects.select_related("event")
    if status in RequestStatus.values:
        queryset = queryset.filter(status=status)
    pending_first = Case(When(status=RequestStatus.PENDING, then=Value(0)), default=Value(1))
    return queryset.order_by(pending_first, "-created_at", "-pk")


def training_request_get_for_staff(*, user: Any, pk: int, audit: bool = True) -> TrainingRequest:
    """One request with its contact details (the read is audited); 404 for others."""
    found = training_requests_for_staff(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    if audit:
        audit_log(action=Action.READ, actor=user, obj=found)
    return found
