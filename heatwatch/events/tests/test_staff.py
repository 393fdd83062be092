"""The coordinators' event screens: create, edit (409 when stale), registrations, check-in,
people trained; and who is turned away."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from heatwatch.audit.models import AuditEntry
from heatwatch.events import services
from heatwatch.events.models import Event
from heatwatch.events.tests.conftest import PERSON

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "coalition",
    "title": "Quarterly coalition training",
    "description": "Networking and the year's data.",
    "audiences": ["police", "school"],
    "language": "en",
    "starts_at": "2026-12-15T09:00",
    "ends_at": "2026-12-15T12:00",
    "venue_address": "1 Civic Center Plaza, Bayview",
    "venue_room": "Hall B",
    "accessibility_notes": "Step-free entrance on Oak Street.",
    "online_url": "",
    "capacity": "40",
    "registration_opens_at": "",
    "registration_closes_at": "",
    "is_public": "on",
}


@pytest.fixture
def coordinator(personas, login, clock):
    return login(Client(), personas.coordinator)


def _register(event, **overrides):
    return services.registration_create(
        event_id=event.pk, data=services.RegistrationInput(**{**PERSON_INPUT, **overrides})
    ).registration


PERSON_INPUT = {k: v for k, v in PERSON.items() if k != "website"}


def test_a_coordinator_creates_an_event_in_the_program_time_zone(coordinator):
    response = coordinator.post("/staff/events/new/", FORM)
    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/events/{event.pk}/"
    assert event.starts_at == dt.datetime(2026, 12, 15, 17, 0, tzinfo=dt.UTC)  # 09:00 PST
    assert event.slug == "quarterly-coalition-training-2026-12-15"
    assert event.audiences == ["police", "school"]
    assert AuditEntry.objects.filter(object_type="events.event", action="create").exists()
    assert Client().get("/events/quarterly-coalition-training-2026-12-15/").status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_at": "2026-11-01T09:00", "ends_at": "2026-11-01T12:00"}, "in the past"),
        ({"ends_at": "2026-12-15T08:00"}, "must end after it starts"),
        ({"capacity": "0"}, "greater than or equal to 1"),
        ({"capacity": "-5"}, "greater than or equal to 1"),
        ({"venue_address": ""}, "address of the place, or the online link"),
        ({"registration_closes_at": "2026-12-16T09:00"}, "close before the event ends"),
    ],
)
def test_bad_event_input_shows_the_form_again_with_what_was_typed(coordinator, changes, message):
    response = coordinator.post("/staff/events/new/", {**FORM, **changes})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="Quarterly coalition training"' in page
    assert "Step-free entrance on Oak Street." in page
    assert not Event.objects.exists()


def test_a_stale_edit_is_refused_with_409_and_the_input_kept(coordinator, make_event, personas):
    event = make_event()
    edit_page = coordinator.get(f"/staff/events/{event.pk}/edit/")
    assert edit_page.status_code == 200
    assert 'value="Recognising the red flags"' in edit_page.content.decode()
    # Someone else saves first.
    services.event_update(
        event=event,
        data=services.EventInput(**{**_input_of(event), "title": "Renamed by someone else"}),
        by=personas.coordinator,
        version=1,
    )
    response = coordinator.post(
        f"/staff/events/{event.pk}/edit/", {**FORM, "title": "My new title", "version": "1"}
    )
    assert response.status_code == 409
    assert "Someone else changed this event" in response.content.decode()
    assert 'value="My new title"' in response.content.decode()
    event.refresh_from_db()
    assert event.title == "Renamed by someone else" and event.version == 2


def test_an_edit_with_the_current_version_saves(coordinator, make_event):
    event = make_event()
    response = coordinator.post(
        f"/staff/events/{event.pk}/edit/", {**FORM, "title": "New title", "version": "1"}
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "New title" and event.version == 2


def _input_of(event):
    return {
        "kind": event.kind,
        "title": event.title,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "capacity": event.capacity,
        "venue_address": event.venue_address,
    }


def test_more_places_go_to_the_waitlist_and_fewer_than_confirmed_are_refused(
    settings, coordinator, make_event, django_capture_on_commit_callbacks
):
    settings.HEATWATCH_EVENT_HOLD_HOURS = 0  # the place is given at once, no hold
    event = make_event(capacity=1)
    _register(event, email="a@example.test")
    waiting = _register(event, email="b@example.test")
    assert waiting.status == "waitlisted"
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(
            f"/staff/events/{event.pk}/edit/",
            {**FORM, "capacity": "2", "version": str(event.version)},
        )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    promoted = [m for m in mail.outbox if m.to == ["b@example.test"]]
    assert len(promoted) == 1 and "A place became free" in promoted[0].body
    # The title and time changed too: the one already confirmed gets the new entry.
    assert [m.subject for m in mail.outbox if m.to == ["a@example.test"]] == [
        "[Bayview County HEAT Watch] Changed: Quarterly coalition training"
    ]
    event.refresh_from_db()
    response = coordinator.post(
        f"/staff/events/{event.pk}/edit/", {**FORM, "capacity": "1", "version": str(event.version)}
    )
    assert response.status_code == 400
    assert "2 places are already confirmed" in response.content.decode()


def test_the_registrations_page_shows_people_to_coordinators_and_is_audited(
    coordinator, make_event
):
    event = make_event()
    _register(event, accessibility_needs="Wheelchair space")
    response = coordinator.get(f"/staff/events/{event.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Riley Sample" in page and "riley@example.test" in page and "Wheelchair space" in page
    assert AuditEntry.objects.filter(
        object_type="events.event", object_id=str(event.pk), action="read"
    ).exists()
    found = coordinator.get(f"/staff/events/{event.pk}/?q=middle school").content.decode()
    assert "Riley Sample" in found
    assert (
        "Riley Sample" not in coordinator.get(f"/staff/events/{event.pk}/?q=zzz").content.decode()
    )


@pytest.mark.parametrize("persona", ["advocate", "officer", "analyst", "youth_lead", "no_role"])
def test_other_staff_are_turned_away_from_the_event_screens(personas, login, make_event, persona):
    """Someone who neither runs nor presents a (non-youth) event is refused (403) or does not
    find it (404: an event outside theirs is never confirmed to exist); nothing changes."""
    event = make_event()
    registration = _register(event)
    client = login(Client(), getattr(personas, persona))
    for path in (f"/staff/events/{event.pk}/", f"/staff/events/{event.pk}/edit/"):
        assert client.get(path).status_code in (403, 404), path
    # The list: a youth lead runs youth events; the others work none.
    assert client.get("/staff/events/").status_code == (200 if persona == "youth_lead" else 403)
    response = client.post(
        f"/staff/events/{event.pk}/registrations/{registration.pk}/check-in/", {"checked_in": "1"}
    )
    assert response.status_code in (403, 404)
    created = client.post("/staff/events/new/", FORM)  # a coalition training
    assert created.status_code == (400 if persona == "youth_lead" else 403)
    registration.refresh_from_db()
    assert registration.checked_in_at is None
    assert Event.objects.count() == 1


def test_anonymous_visitors_are_sent_to_the_login(make_event):
    event = make_event()
    response = Client().get(f"/staff/events/{event.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_unknown_event_is_not_found(coordinator):
    assert coordinator.get("/staff/events/999/").status_code == 404


def test_check_in_ticks_and_unticks_a_confirmed_registration(coordinator, make_event):
    event = make_event(capacity=1)
    confirmed = _register(event)
    waiting = _register(event, email="wait@example.test")
    url = f"/staff/events/{event.pk}/registrations/{confirmed.pk}/check-in/"
    assert coordinator.get(url).status_code == 405
    assert coordinator.post(url, {"checked_in": "1"}).status_code == 302
    confirmed.refresh_from_db()
    assert confirmed.checked_in_at is not None
    coordinator.post(url, {"checked_in": "0"})
    confirmed.refresh_from_db()
    assert confirmed.checked_in_at is None
    # A waitlisted person cannot be ticked as present.
    coordinator.post(
        f"/staff/events/{event.pk}/registrations/{waiting.pk}/check-in/", {"checked_in": "1"}
    )
    waiting.refresh_from_db()
    assert waiting.checked_in_at is None


def test_a_registration_of_another_event_is_not_found(coordinator, make_event):
    one, other = make_event(), make_event(title="Other")
    registration = _register(other)
    response = coordinator.post(
        f"/staff/events/{one.pk}/registrations/{registration.pk}/check-in/", {"checked_in": "1"}
    )
    assert response.status_code == 404


def test_a_coordinator_cancels_and_the_waitlist_moves_up(settings, coordinator, make_event):
    settings.HEATWATCH_EVENT_HOLD_HOURS = 0  # the place is given at once, no hold
    event = make_event(capacity=1)
    first = _register(event)
    second = _register(event, email="second@example.test")
    response = coordinator.post(f"/staff/events/{event.pk}/registrations/{first.pk}/cancel/")
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == "confirmed"


def test_people_trained_are_counted_from_check_ins_by_audience(coordinator, make_event, personas):
    event = make_event(capacity=5)
    ticked = [
        _register(event, email="p1@example.test", audience="police"),
        _register(event, email="p2@example.test", audience="police"),
        _register(event, email="s1@example.test", audience="school"),
    ]
    _register(event, email="noshow@example.test", audience="school")  # signed up, never came
    for registration in ticked:
        services.registration_check_in(registration=registration, by=personas.coordinator)
    response = coordinator.get("/staff/events/trained/?start=2026-12-01&end=2026-12-31")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-audience="police"><th scope="row">Police</th><td>2</td>' in page
    assert 'data-audience="school"><th scope="row">Schools</th><td>1</td>' in page
    assert "<td data-total>3</td>" in page
    outside = coordinator.get("/staff/events/trained/?start=2027-01-01&end=2027-01-31")
    assert "<td data-total>0</td>" in outside.content.decode()
    bad = coordinator.get("/staff/events/trained/?start=2026-12-31&end=2026-12-01")
    assert bad.status_code == 400
