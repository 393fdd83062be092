"""The events API: public events list and detail (counts, never a registrant or the online
link), bad queries as 422 JSON; an event's registrations for its staff (audited), 401 without
a session, 403 for a role without events, 404 outside the caller's events."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.audit.models import AuditEntry
from heatwatch.events import services

pytestmark = pytest.mark.django_db


def test_public_events_list_and_detail(make_event):
    event = make_event(online_url="https://meet.example.test/secret", capacity=3)
    make_event(title="Invite only", is_public=False)
    services.registration_create(
        event_id=event.pk, data=services.RegistrationInput(name="Pat", email="pat@example.test")
    )
    listing = Client().get("/api/events?audience=school")
    assert listing.status_code == 200
    body = listing.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["slug"] == event.slug and item["places_left"] == 2 and item["online"] is True
    assert "secret" not in listing.content.decode() and "pat@" not in listing.content.decode()
    detail = Client().get(f"/api/events/{event.slug}")
    assert detail.status_code == 200 and detail.json()["waitlist"] == 0
    assert Client().get("/api/events/no-such-event").status_code == 404
    bad = Client().get("/api/events?kind=party")
    assert bad.status_code == 422 and "detail" in bad.json()


def test_staff_read_registrations_with_a_session_audited(make_event, personas, login):
    event = make_event()
    services.registration_create(
        event_id=event.pk, data=services.RegistrationInput(name="Pat", email="pat@example.test")
    )
    url = f"/api/events/{event.pk}/registrations"
    assert Client().get(url).status_code == 401
    assert login(Client(), personas.officer).get(url).status_code == 403
    assert login(Client(), personas.youth_lead).get(url).status_code == 404
    response = login(Client(), personas.coordinator).get(url)
    assert response.status_code == 200
    assert response.json()["items"][0]["email"] == "pat@example.test"
    assert AuditEntry.objects.filter(action="read", reason="registrations").exists()
