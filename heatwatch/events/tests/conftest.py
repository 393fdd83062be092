"""Helpers for the events tests: events made through the service, registrations through the
public form."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from heatwatch.events import services

ZONE = ZoneInfo("America/Los_Angeles")
# The shared ``clock`` fixture freezes time at 2026-11-23 12:00 UTC.
START = dt.datetime(2026, 12, 10, 9, 0, tzinfo=ZONE)

PERSON = {
    "name": "Riley Sample",
    "email": "riley@example.test",
    "organisation": "Bayview Middle School",
    "audience": "school",
    "accessibility_needs": "",
    "website": "",
}


def event_input(**overrides) -> services.EventInput:
    values = {
        "kind": "training",
        "title": "Recognising the red flags",
        "starts_at": START,
        "ends_at": START + dt.timedelta(hours=3),
        "capacity": 2,
        "description": "What exploitation looks like, and what to do.",
        "audiences": ["school", "police"],
        "venue_address": "1 Civic Center Plaza, Bayview",
        "venue_room": "Room 4",
    }
    values.update(overrides)
    return services.EventInput(**values)


@pytest.fixture
def make_event(clock, personas):
    def make(**overrides):
        return services.event_create(data=event_input(**overrides), by=personas.coordinator)

    return make


@pytest.fixture
def register(client, clock):
    """POST the public registration form of ``event`` with PERSON overridden."""

    def post(event, *, path: str = "", **overrides):
        data = {**PERSON, **overrides}
        return client.post(path or f"/events/{event.public_key}/", data)

    return post


MANAGE_RE = re.compile(r"(/(?:es/)?events/registration/[^/\s]+/)")


def manage_path(message) -> str:
    match = MANAGE_RE.search(message.body)
    assert match, "no personal link in the e-mail"
    return match.group(1)
