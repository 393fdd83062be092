"""Waitlist holds: a freed place is held for the next person, who takes it by POST from the
one-click page (a GET takes nothing); an expired hold passes to the next person; a held place
is never booked by anyone else; places per registration and the cancellation cut-off."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from heatwatch.core import scheduling
from heatwatch.events import services
from heatwatch.events.models import Registration
from heatwatch.events.tests.conftest import PERSON

pytestmark = pytest.mark.django_db

ACCEPT_RE = re.compile(r"(/(?:es/)?events/registration/[^/\s]+/accept/)")
INPUT = {k: v for k, v in PERSON.items() if k != "website"}


def _register(event, **overrides):
    return services.registration_create(
        event_id=event.pk, data=services.RegistrationInput(**{**INPUT, **overrides})
    ).registration


def _statuses(event):
    return {r.email: r.status for r in Registration.objects.filter(event=event)}


@pytest.fixture
def full(make_event, settings, django_capture_on_commit_callbacks):
    settings.HEATWATCH_EVENT_HOLD_HOURS = 24
    event = make_event(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        seat = _register(event, email="seat@example.test")
        _register(event, email="next@example.test")
        _register(event, email="last@example.test")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=seat)
    return event


def test_a_freed_place_is_held_for_the_next_person_and_nobody_else_can_book_it(
    full, django_capture_on_commit_callbacks
):
    assert _statuses(full)["next@example.test"] == "offered"
    held = Registration.objects.get(event=full, status="offered")
    assert held.hold_expires_at == dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    offer = next(m for m in mail.outbox if m.to == ["next@example.test"])
    assert "holding it for you" in offer.body and ACCEPT_RE.search(offer.body)
    # The held place counts as taken: a newcomer joins the waitlist.
    assert _register(full, email="newcomer@example.test").status == "waitlisted"
    assert services.confirmed_places(full.pk) == 1


def test_a_get_of_the_accept_link_takes_nothing_and_the_post_takes_the_place(
    full, django_capture_on_commit_callbacks
):
    offer = next(m for m in mail.outbox if m.to == ["next@example.test"])
    link = ACCEPT_RE.search(offer.body).group(1)
    client = Client()
    page = client.get(link)
    assert page.status_code == 200 and "Take the place" in page.content.decode()
    assert _statuses(full)["next@example.test"] == "offered"  # a link scanner took nothing
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 200 and "The place is yours" in response.content.decode()
    assert _statuses(full)["next@example.test"] == "confirmed"
    (confirmation,) = mail.outbox
    assert confirmation.attachments  # the calendar entry
    assert client.post(link).status_code == 200  # twice: nothing changes


def test_an_expired_hold_passes_to_the_next_person_through_the_periodic_job(
    full, clock, django_capture_on_commit_callbacks
):
    link = ACCEPT_RE.search(next(m for m in mail.outbox if m.to == ["next@example.test"]).body)
    clock.shift(dt.timedelta(hours=25))
    # Too late: the page says so clearly (409), and nothing is taken.
    response = Client().post(link.group(1))
    assert response.status_code == 409 and "no longer held" in response.content.decode()
    mail.outbox.clear()
    assert "events.expire_holds" in [job.name for job in scheduling.jobs()]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", "--all", stdout=None)
    assert _statuses(full) == {
        "seat@example.test": "cancelled",
        "next@example.test": "cancelled",
        "last@example.test": "offered",
    }
    assert {m.to[0] for m in mail.outbox} == {"next@example.test", "last@example.test"}
    assert services.holds_expire() == 0  # run twice: nothing more


def test_leaving_the_waitlist_from_a_hold_offers_the_place_to_the_next(
    full, django_capture_on_commit_callbacks
):
    held = Registration.objects.get(event=full, status="offered")
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=held)
    assert _statuses(full)["last@example.test"] == "offered"


def test_places_per_registration_are_bounded_and_never_overbook(make_event):
    event = make_event(capacity=3, max_places=2)
    assert _register(event, email="a@example.test", places=2).status == "confirmed"
    # Two more places do not fit in the one left: the whole registration waits.
    assert _register(event, email="b@example.test", places=2).status == "waitlisted"
    with pytest.raises(services.EventError):
        _register(event, email="c@example.test", places=3)
    assert services.confirmed_places(event.pk) == 2


def test_the_public_form_refuses_too_many_places_and_keeps_the_input(make_event, register):
    event = make_event(capacity=10, max_places=3)
    response = register(event, places="4")
    assert response.status_code == 400
    assert 'value="Riley Sample"' in response.content.decode()
    assert register(event, places="3").status_code == 200
    assert Registration.objects.get().places == 3


def test_the_registrant_cannot_cancel_after_the_cut_off(
    make_event, register, clock, django_capture_on_commit_callbacks
):
    from heatwatch.events.tests.conftest import manage_path

    event = make_event(cancel_cutoff_hours=48)
    with django_capture_on_commit_callbacks(execute=True):
        register(event)
    link = manage_path(mail.outbox[0])
    assert "You can cancel until" in mail.outbox[0].body
    clock.move_to(event.starts_at - dt.timedelta(hours=47))
    page = Client().get(link)
    assert "Cancelling closed" in page.content.decode()
    assert Client().post(link).status_code == 400
    assert Registration.objects.get().status == "confirmed"
