"""The event lists need no more queries for many events than for few."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from heatwatch.events import services
from heatwatch.events.tests.conftest import PERSON, START

pytestmark = pytest.mark.django_db


def _events(make_event, n: int, offset: int) -> None:
    for i in range(n):
        start = START + dt.timedelta(days=offset + i)
        event = make_event(
            title=f"Training {offset + i}", starts_at=start, ends_at=start + dt.timedelta(hours=2)
        )
        services.registration_create(
            event_id=event.pk,
            data=services.RegistrationInput(
                name=PERSON["name"], email=f"p{offset + i}@example.test", audience="school"
            ),
        )


def test_the_public_list_does_not_grow_with_events(make_event, queries_do_not_grow):
    client = Client()
    _events(make_event, 2, 0)
    # 11: the two lists and their two page counts, plus the public chrome's constant reads.
    before, after = queries_do_not_grow(
        lambda: client.get("/events/"), lambda: _events(make_event, 10, 10), most=11
    )
    assert before.content.count(b"usa-card__heading") == 2
    assert after.content.count(b"usa-card__heading") == 12


def test_the_staff_list_does_not_grow_with_events(make_event, queries_do_not_grow, personas, login):
    client = login(Client(), personas.coordinator)
    _events(make_event, 2, 0)
    before, after = queries_do_not_grow(
        lambda: client.get("/staff/events/"), lambda: _events(make_event, 10, 10), most=20
    )
    assert before.content.count(b'data-label="Event"') == 2
    assert after.content.count(b'data-label="Event"') == 12


def test_the_api_list_and_an_events_registrations_do_not_grow(
    make_event, queries_do_not_grow, personas, login
):
    client = Client()
    _events(make_event, 2, 0)
    before, after = queries_do_not_grow(
        lambda: client.get("/api/events?audience=school"),
        lambda: _events(make_event, 10, 10),
        most=10,
    )
    assert before.json()["count"] == 2 and after.json()["count"] == 12
    staff = login(Client(), personas.coordinator)
    event = make_event(title="Many registrants", capacity=50)

    def add(n: int, offset: int) -> None:
        for i in range(n):
            services.registration_create(
                event_id=event.pk,
                data=services.RegistrationInput(name="P", email=f"r{offset + i}@example.test"),
            )

    add(2, 0)
    queries_do_not_grow(
        lambda: staff.get(f"/api/events/{event.pk}/registrations"),
        lambda: add(10, 100),
        most=25,
    )
