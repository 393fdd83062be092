"""The calendar files: one event's .ics, the site feed, and what a calendar client sees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from icalendar import Calendar

from heatwatch.events import services
from heatwatch.events.tests.conftest import START, event_input

pytestmark = pytest.mark.django_db


def _vevents(path: str) -> list:
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_an_events_ics_has_a_stable_uid_its_version_and_the_program_time_zone(make_event):
    event = make_event()
    cal = Calendar.from_ical(Client().get(f"/events/{event.slug}/event.ics").content)
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["uid"]) == f"event-{event.uid}@heatwatch"
    assert int(vevent["sequence"]) == event.version == 1
    assert vevent["dtstart"].params["TZID"] == "America/Los_Angeles"
    assert vevent.decoded("dtstart") == START
    assert vevent.decoded("dtend") == START + dt.timedelta(hours=3)
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["America/Los_Angeles"]
    assert "dtstamp" in vevent and "organizer" in vevent
    assert f"/events/{event.slug}/" in str(vevent["url"])
    assert str(vevent["location"]) == "Room 4, 1 Civic Center Plaza, Bayview"


def test_sequence_grows_when_the_time_changes_and_the_uid_stays(make_event, personas):
    event = make_event()
    before = _vevents(f"/events/{event.slug}/event.ics")[0]
    later = START + dt.timedelta(days=1)
    services.event_update(
        event=event,
        data=event_input(starts_at=later, ends_at=later + dt.timedelta(hours=3)),
        by=personas.coordinator,
        version=event.version,
    )
    after = _vevents(f"/events/{event.slug}/event.ics")[0]
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after.decoded("dtstart") == later
    # A client keeps the entry with the higher SEQUENCE for one UID (RFC 5546 §2.1.5).
    kept = max([before, after], key=lambda v: int(v["sequence"]))
    assert kept.decoded("dtstart") == later


def test_an_unchanged_save_keeps_the_sequence(make_event, personas):
    event = make_event()
    services.event_update(
        event=event, data=event_input(), by=personas.coordinator, version=event.version
    )
    assert int(_vevents(f"/events/{event.slug}/event.ics")[0]["sequence"]) == 1


def test_the_feed_holds_the_public_events_only_without_online_links(make_event):
    public = make_event(title="Open training", online_url="https://meet.example.test/room-1")
    make_event(title="Invite only", is_public=False)
    vevents = _vevents("/events/calendar.ics")
    assert [str(v["summary"]) for v in vevents] == ["Open training"]
    assert str(vevents[0]["uid"]) == public.ical_uid
    assert b"room-1" not in Client().get("/events/calendar.ics").content
    assert b"room-1" not in Client().get(f"/events/{public.slug}/event.ics").content


def test_the_spanish_feed_is_the_same_calendar(make_event):
    make_event()
    assert len(_vevents("/es/events/calendar.ics")) == 1
