"""Changed and cancelled events reach registrants' calendars (RFC 5546): an update is a
METHOD:REQUEST with a higher SEQUENCE for the same UID, a cancellation a METHOD:CANCEL with
STATUS:CANCELLED. The tests apply every mailed entry the way a calendar client does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from icalendar import Calendar

from heatwatch.events import services, tasks
from heatwatch.events.tests.conftest import START, event_input, manage_path

pytestmark = pytest.mark.django_db


class CalendarClient:
    """What a client keeps: one entry per UID, replaced only by a higher or equal SEQUENCE."""

    def __init__(self) -> None:
        self.entries: dict[str, object] = {}
        self.confirmation = None

    def apply(self, message) -> None:
        for _name, content, _mimetype in message.attachments:
            cal = Calendar.from_ical(content)
            method = str(cal["method"])
            for vevent in cal.walk("VEVENT"):
                uid = str(vevent["uid"])
                known = self.entries.get(uid)
                if known is not None and int(vevent["sequence"]) < int(known["sequence"]):
                    continue  # an older message arriving late is ignored
                if method == "CANCEL":
                    assert str(vevent["status"]) == "CANCELLED"
                    self.entries.pop(uid, None)
                else:
                    assert method == "REQUEST"
                    self.entries[uid] = vevent


@pytest.fixture
def booked(make_event, register, django_capture_on_commit_callbacks):
    """A one-place event with a confirmed registrant and one on the waitlist."""
    event = make_event(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        register(event, email="seat@example.test")
        register(event, email="wait@example.test")
    client = CalendarClient()
    client.confirmation = mail.outbox[0]
    client.apply(client.confirmation)
    assert len(client.entries) == 1
    mail.outbox.clear()
    return event, client


def test_a_new_time_is_sent_to_confirmed_registrants_and_moves_their_entry(
    booked, personas, django_capture_on_commit_callbacks
):
    event, calendar = booked
    (before,) = calendar.entries.values()
    later = START + dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(
            event=event,
            data=event_input(capacity=1, starts_at=later, ends_at=later + dt.timedelta(hours=3)),
            by=personas.coordinator,
            version=event.version,
        )
    assert [m.to for m in mail.outbox] == [["seat@example.test"]]  # not the waitlist
    assert "Changed" in mail.outbox[0].subject
    assert f"/events/{event.slug}/" in mail.outbox[0].body
    calendar.apply(mail.outbox[0])
    (after,) = calendar.entries.values()
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after.decoded("dtstart") == later
    # The first confirmation arriving late (a lower SEQUENCE) changes nothing.
    calendar.apply(calendar.confirmation)
    assert calendar.entries[str(before["uid"])].decoded("dtstart") == later


def test_a_change_that_is_not_the_time_or_place_sends_nothing(
    booked, personas, django_capture_on_commit_callbacks
):
    event, _calendar = booked
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(
            event=event,
            data=event_input(capacity=1, description="Now with lunch."),
            by=personas.coordinator,
            version=event.version,
        )
    assert mail.outbox == []


def test_cancelling_the_event_removes_it_from_registrants_calendars(
    booked, personas, login, django_capture_on_commit_callbacks, register
):
    event, calendar = booked
    coordinator = login(Client(), personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(
            f"/staff/events/{event.pk}/cancel/", {"version": str(event.version)}
        )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["seat@example.test", "wait@example.test"]
    seat = next(m for m in mail.outbox if m.to == ["seat@example.test"])
    assert "Cancelled" in seat.subject
    cal = Calendar.from_ical(seat.attachments[0][1])
    assert str(cal["method"]) == "CANCEL"
    calendar.apply(seat)
    assert calendar.entries == {}
    # The feed keeps it, cancelled, so subscribed clients drop it too; the page says so.
    (vevent,) = Calendar.from_ical(Client().get("/events/calendar.ics").content).walk("VEVENT")
    assert str(vevent["status"]) == "CANCELLED"
    event.refresh_from_db()
    assert int(vevent["sequence"]) == event.version == 2
    page = Client().get(f"/events/{event.slug}/").content.decode()
    assert "This event is cancelled." in page
    refused = register(event, email="late@example.test")
    assert refused.status_code == 400
    assert event.registrations.count() == 2


def test_a_stale_cancel_is_refused_with_409(booked, personas, login):
    event, _calendar = booked
    coordinator = login(Client(), personas.coordinator)
    response = coordinator.post(f"/staff/events/{event.pk}/cancel/", {"version": "99"})
    assert response.status_code == 409
    assert "Someone else changed this event" in response.content.decode()
    event.refresh_from_db()
    assert not event.is_cancelled


def test_a_cancelled_event_cannot_be_edited(booked, personas):
    event, _calendar = booked
    services.event_cancel(event=event, by=personas.coordinator, version=event.version)
    with pytest.raises(services.EventError):
        services.event_update(
            event=event,
            data=event_input(capacity=1, title="Revived"),
            by=personas.coordinator,
            version=2,
        )


def test_a_registrant_who_cancels_gets_their_entry_withdrawn(
    settings, booked, django_capture_on_commit_callbacks
):
    settings.HEATWATCH_EVENT_HOLD_HOURS = 0  # the place is given at once, no hold
    event, calendar = booked
    registration = event.registrations.get(email_index=_index("seat@example.test"))
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=registration)
    mine = next(m for m in mail.outbox if m.to == ["seat@example.test"])
    calendar.apply(mine)
    assert calendar.entries == {}
    # The person promoted from the waitlist gets a REQUEST of their own.
    promoted = next(m for m in mail.outbox if m.to == ["wait@example.test"])
    assert str(Calendar.from_ical(promoted.attachments[0][1])["method"]) == "REQUEST"
    assert manage_path(promoted)


def _index(email: str) -> str:
    from heatwatch.lib.crypto import blind_index

    return blind_index(email, context=services.EMAIL_INDEX_CONTEXT)


def test_a_refused_address_does_not_keep_the_new_time_from_the_others(
    make_event, register, personas, smtp_sink, django_capture_on_commit_callbacks
):
    event = make_event(capacity=3)
    addresses = ["first@example.test", "gone@example.test", "last@example.test"]
    with django_capture_on_commit_callbacks(execute=True):
        for address in addresses:
            register(event, email=address)
    assert all(smtp_sink.to(address) for address in addresses)
    smtp_sink.refuse.add("gone@example.test")
    smtp_sink.received.clear()
    later = START + dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        event = services.event_update(
            event=event,
            data=event_input(capacity=3, starts_at=later, ends_at=later + dt.timedelta(hours=3)),
            by=personas.coordinator,
            version=event.version,
        )
    for address in ("first@example.test", "last@example.test"):
        (message,) = smtp_sink.to(address)
        assert "Changed" in message["Subject"]
    assert smtp_sink.to("gone@example.test") == []
    # The run itself fails, naming the one not sent, so the worker records it.
    with pytest.raises(tasks.UpdateNotSent, match="1 registrant"):
        tasks.send_event_update.call(event_id=event.pk, version=event.version)
