"""Training requests: the public form, the coordinators' queue, accept (creates the event),
decline with a reason, withdraw by the requester's link; each step e-mailed."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from heatwatch.events.models import Event, TrainingRequest
from heatwatch.events.tests.test_staff import FORM as EVENT_FORM

pytestmark = pytest.mark.django_db

REQUEST = {
    "organisation": "Bayview Unified School District",
    "sector": "school",
    "contact_name": "Sam Example",
    "contact_email": "sam@example.test",
    "contact_phone": "",
    "audience": "Counsellors and teachers",
    "approximate_size": "35",
    "preferred_dates": "Any Tuesday in January",
    "topics": ["red_flags", "myths"],
    "other_topics": "",
    "language": "en",
    "delivery": "in_person",
    "location": "District office, 12 Elm Street",
    "website": "",
}

LINK_RE = re.compile(r"(/(?:es/)?training/request/[^/\s]+/)")


@pytest.fixture
def coordinator(personas, login, clock):
    return login(Client(), personas.coordinator)


@pytest.fixture
def submitted(clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/training/request/", REQUEST)
    assert response.status_code == 200
    return TrainingRequest.objects.get()


def test_a_request_is_received_and_confirmed_by_mail(submitted):
    assert submitted.status == "pending"
    assert submitted.topics == ["myths", "red_flags"]
    assert [m.to for m in mail.outbox] == [["sam@example.test"]]
    assert "We received your training request" in mail.outbox[0].subject
    assert LINK_RE.search(mail.outbox[0].body)


def test_bad_input_shows_the_form_again_with_what_was_typed(clock):
    response = Client().post(
        "/training/request/",
        {**REQUEST, "contact_email": "sam-at-example", "approximate_size": "0"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="sam-at-example"' in page
    assert 'value="Bayview Unified School District"' in page
    assert "Any Tuesday in January" in page
    assert not TrainingRequest.objects.exists()


def test_a_filled_honeypot_is_refused_out_loud(clock):
    response = Client().post("/training/request/", {**REQUEST, "website": "x"})
    assert response.status_code == 400
    assert "We could not accept this request" in response.content.decode()
    assert not TrainingRequest.objects.exists()


@override_settings(HEATWATCH_TRAINING_REQUESTS_PER_HOUR=1)
def test_requests_from_one_source_are_throttled(clock):
    assert Client().post("/training/request/", REQUEST).status_code == 200
    response = Client().post("/training/request/", REQUEST)
    assert response.status_code == 429
    assert TrainingRequest.objects.count() == 1


def test_the_form_needs_its_token_when_checks_are_enforced(clock):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/training/request/", REQUEST)
    assert response.status_code == 403
    assert 'value="Bayview Unified School District"' in response.content.decode()
    assert not TrainingRequest.objects.exists()


def test_the_queue_and_the_request_are_for_coordinators(coordinator, submitted, personas, login):
    queue = coordinator.get("/staff/events/requests/").content.decode()
    assert "Bayview Unified School District" in queue
    page = coordinator.get(f"/staff/events/requests/{submitted.pk}/").content.decode()
    assert "sam@example.test" in page
    assert 'value="Training for Bayview Unified School District"' in page
    assert 'value="35"' in page  # capacity from the approximate size
    for persona in ("advocate", "analyst", "youth_lead"):
        client = login(Client(), getattr(personas, persona))
        assert client.get("/staff/events/requests/").status_code == 403
        assert client.get(f"/staff/events/requests/{submitted.pk}/").status_code == 403


def test_accepting_creates_the_event_links_them_and_tells_the_requester(
    coordinator, submitted, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(
            f"/staff/events/requests/{submitted.pk}/accept/",
            {**EVENT_FORM, "title": "Training for the district", "version": "1", "is_public": ""},
        )
    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/events/{event.pk}/"
    submitted.refresh_from_db()
    assert submitted.status == "accepted" and submitted.event == event
    assert not event.is_public
    assert [m.to for m in mail.outbox] == [["sam@example.test"]]
    assert "accepted" in mail.outbox[0].subject
    assert f"/events/{event.uid}/" in mail.outbox[0].body  # the invite-only event's link
    # Answered once: a second accept is refused and creates nothing.
    again = coordinator.post(
        f"/staff/events/requests/{submitted.pk}/accept/", {**EVENT_FORM, "version": "2"}
    )
    assert again.status_code == 400
    assert "already been answered" in again.content.decode()
    assert Event.objects.count() == 1


def test_accepting_with_bad_dates_keeps_the_input_and_creates_nothing(coordinator, submitted):
    response = coordinator.post(
        f"/staff/events/requests/{submitted.pk}/accept/",
        {**EVENT_FORM, "title": "Kept title", "ends_at": "2026-12-15T08:00", "version": "1"},
    )
    assert response.status_code == 400
    assert 'value="Kept title"' in response.content.decode()
    assert not Event.objects.exists()
    submitted.refresh_from_db()
    assert submitted.status == "pending"


def test_a_stale_decision_is_refused_with_409(coordinator, submitted):
    coordinator.post(
        f"/staff/events/requests/{submitted.pk}/decline/", {"reason": "No trainer", "version": "1"}
    )
    response = coordinator.post(
        f"/staff/events/requests/{submitted.pk}/accept/", {**EVENT_FORM, "version": "1"}
    )
    assert response.status_code == 409
    assert not Event.objects.exists()


def test_declining_needs_a_reason_and_tells_the_requester(
    coordinator, submitted, django_capture_on_commit_callbacks
):
    url = f"/staff/events/requests/{submitted.pk}/decline/"
    assert coordinator.post(url, {"reason": "", "version": "1"}).status_code == 400
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(
            url, {"reason": "We have no Spanish-speaking trainer that week.", "version": "1"}
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "declined"
    assert "no Spanish-speaking trainer" in mail.outbox[0].body


def test_the_requester_withdraws_through_their_link(submitted, django_capture_on_commit_callbacks):
    link = LINK_RE.search(mail.outbox[0].body).group(1)
    client = Client()
    page = client.get(link)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "sam@example.test" not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == "withdrawn"
    assert "withdrawn" in mail.outbox[-1].subject
    assert client.post(link).status_code == 400  # already answered
    assert client.get(link[:-4] + "AAA/").status_code == 404


def test_the_spanish_form_is_served(clock):
    response = Client().get("/es/training/request/")
    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()


def test_contact_details_are_stored_encrypted(submitted):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_name, contact_email FROM events_trainingrequest")
        row = cursor.fetchone()
    assert all(value.startswith("hw1$") for value in row)
