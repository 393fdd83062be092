"""Reads of the events app: public lists and calendars, staff lists, people trained.

Public reads never touch a registrant's personal data: they see counts only. Staff reads of
the registrations of an event are audited (one entry per page shown).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.events.models import (
    Audience,
    Event,
    Kind,
    Registration,
    RequestStatus,
    TrainingRequest,
)
from heatwatch.events.models import RegistrationStatus as Status
from heatwatch.events.permissions import can_run_events, events_run_by

PAST_SHOWN = 50
FEED_PAST_DAYS = 180


def _with_counts(queryset: QuerySet[Event]) -> QuerySet[Event]:
    return queryset.annotate(
        confirmed_count=Count("registrations", filter=Q(registrations__status=Status.CONFIRMED)),
        waitlist_count=Count("registrations", filter=Q(registrations__status=Status.WAITLISTED)),
    )


@dataclass
class PublicEvents:
    upcoming: list[Event]
    past: list[Event]


def public_events(*, kind: str = "", now: datetime | None = None) -> PublicEvents:
    """Public events, upcoming first (soonest first), then the most recent past ones."""
    now = now or timezone.now()
    queryset = _with_counts(Event.objects.filter(is_public=True))
    if kind in Kind.values:
        queryset = queryset.filter(kind=kind)
    upcoming = list(queryset.filter(ends_at__gte=now).order_by("starts_at", "pk"))
    past = list(queryset.filter(ends_at__lt=now).order_by("-starts_at", "-pk")[:PAST_SHOWN])
    return PublicEvents(upcoming=upcoming, past=past)


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
    return _with_counts(events_run_by(user)).order_by("-starts_at", "-pk")


def event_get_for_staff(*, user: Any, pk: int) -> Event:
    event = _with_counts(events_run_by(user)).filter(pk=pk).first()
    if event is None:
        raise Http404
    return event


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
    registration = Registration.objects.filter(event__in=events_run_by(user), event=event, pk=pk)
    found = registration.first()
    if found is None:
        raise Http404
    return found


@dataclass
class TrainedRow:
    audience: str
    label: str
    people: int


def people_trained(*, user: Any, start: datetime, end: datetime) -> list[TrainedRow]:
    """People checked in at events starting in [start, end), by audience type (check-ins,
    not sign-ups)."""
    counts = dict(
        Registration.objects.filter(
            event__in=events_run_by(user),
            event__starts_at__gte=start,
            event__starts_at__lt=end,
            status=Status.CONFIRMED,
            checked_in_at__isnull=False,
        )
        .order_by()
        .values("audience")
        .annotate(people=Count("pk"))
        .values_list("audience", "people")
    )
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
