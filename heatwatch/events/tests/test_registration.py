"""Registering for an event on the public page: seats, the waitlist, cancelling, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from icalendar import Calendar

from heatwatch.audit.models import AuditEntry
from heatwatch.events.models import Registration, RegistrationStatus
from heatwatch.events.tests.conftest import PERSON, START, manage_path

pytestmark = pytest.mark.django_db(transaction=False)


def _statuses(event) -> list[str]:
    return list(event.registrations.order_by("pk").values_list("status", flat=True))


def test_register_confirms_and_mails_the_event_calendar(
    make_event, register, django_capture_on_commit_callbacks
):
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True):
        response = register(event)
    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    assert _statuses(event) == [RegistrationStatus.CONFIRMED]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["riley@example.test"]
    assert "You have a place" in message.subject
    assert f"/events/{event.slug}/" in message.body
    (name, content, mimetype) = message.attachments[0]
    assert name == "event.ics" and mimetype.startswith("text/calendar")
    cal = Calendar.from_ical(content)
    assert str(cal["method"]) == "REQUEST"
    vevent = cal.walk("VEVENT")[0]
    registration = event.registrations.get()
    assert str(vevent["uid"]) == registration.ical_uid
    assert int(vevent["sequence"]) == event.version
    assert vevent.decoded("dtstart") == START
    assert "mailto:riley@example.test" in str(vevent["attendee"])


def test_full_event_puts_the_next_person_on_the_waitlist(
    make_event, register, django_capture_on_commit_callbacks
):
    event = make_event(capacity=2)
    with django_capture_on_commit_callbacks(execute=True):
        register(event, email="a@example.test")
        register(event, email="b@example.test")
        response = register(event, email="c@example.test")
    assert response.status_code == 200
    assert _statuses(event) == ["confirmed", "confirmed", "waitlisted"]
    assert "waitlist" in mail.outbox[2].subject
    assert not mail.outbox[2].attachments  # no calendar entry without a place
    page = Client().get(f"/events/{event.slug}/").content.decode()
    assert "Full" in page and "1 person on the waitlist" in page


def test_cancelling_gives_the_place_to_the_first_on_the_waitlist(
    settings, make_event, register, django_capture_on_commit_callbacks
):
    settings.HEATWATCH_EVENT_HOLD_HOURS = 0  # the place is given at once, no hold
    event = make_event(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        register(event, email="first@example.test")
        register(event, email="second@example.test")
        register(event, email="third@example.test")
    first_link = manage_path(mail.outbox[0])
    mail.outbox.clear()
    client = Client()
    assert "You have a place." in client.get(first_link).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(first_link)
    assert response.status_code == 200
    assert "cancelled" in response.content.decode()
    by_email = {r.email: r.status for r in event.registrations.all()}
    assert by_email == {
        "first@example.test": "cancelled",
        "second@example.test": "confirmed",
        "third@example.test": "waitlisted",
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["first@example.test", "second@example.test"]
    promoted = next(m for m in mail.outbox if m.to == ["second@example.test"])
    assert "A place became free" in promoted.body
    assert promoted.attachments


def test_leaving_the_waitlist_promotes_nobody(
    make_event, register, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        register(event, email="first@example.test")
        register(event, email="second@example.test")
    link = manage_path(mail.outbox[1])
    assert "Leave the waitlist" in Client().get(link).content.decode()
    Client().post(link)
    assert _statuses(event) == ["confirmed", "cancelled"]


def test_a_forged_personal_link_is_not_found(
    make_event, register, django_capture_on_commit_callbacks
):
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True):
        register(event)
    link = manage_path(mail.outbox[0])
    forged = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    assert Client().get(forged).status_code == 404
    assert Client().post(forged).status_code == 404
    assert _statuses(event) == ["confirmed"]


def test_a_double_submit_makes_one_registration(
    make_event, register, django_capture_on_commit_callbacks
):
    event = make_event(capacity=5)
    with django_capture_on_commit_callbacks(execute=True):
        first = register(event)
        second = register(event, email="  RILEY@example.test ")
    assert first.status_code == second.status_code == 200
    # The same answer both times: nothing tells whether the e-mail was registered before.
    for response in (first, second):
        assert "Check your e-mail" in response.content.decode()
        assert "riley@example.test" in response.content.decode()
    assert event.registrations.count() == 1
    # The confirmation goes again to the address registered, not to anyone else.
    assert [m.to for m in mail.outbox] == [["riley@example.test"], ["riley@example.test"]]


def test_a_malformed_email_shows_the_form_again_with_what_was_typed(make_event, register):
    event = make_event()
    response = register(event, email="riley-at-example", organisation="Bayview Youth Club")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address" in page
    assert 'value="riley-at-example"' in page
    assert 'value="Bayview Youth Club"' in page
    assert not Registration.objects.exists()


def test_too_long_input_is_refused(make_event, register):
    event = make_event()
    response = register(event, name="x" * 121)
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_registration_after_the_window_is_refused_with_the_input_kept(make_event, register, clock):
    event = make_event(registration_closes_at=START - dt.timedelta(days=2))
    clock.move_to(START - dt.timedelta(days=1))
    response = register(event, organisation="Bayview Youth Club")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Registration for this event is closed." in page
    assert 'value="Bayview Youth Club"' in page
    assert not Registration.objects.exists()


def test_registration_before_the_window_opens_is_refused(make_event, register):
    event = make_event(registration_opens_at=START - dt.timedelta(days=3))
    assert "Registration for this event is closed." in register(event).content.decode()
    assert not Registration.objects.exists()


def test_registration_for_a_past_event_is_refused(make_event, register, clock):
    event = make_event()
    clock.move_to(START + dt.timedelta(minutes=5))
    response = register(event)
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_a_filled_honeypot_is_refused_out_loud(make_event, register):
    event = make_event()
    response = register(event, website="http://spam.example")
    assert response.status_code == 400
    assert "We could not accept this registration" in response.content.decode()
    assert 'value="Riley Sample"' in response.content.decode()
    assert not Registration.objects.exists()


@override_settings(HEATWATCH_EVENT_REGISTRATIONS_PER_HOUR=2)
def test_too_many_registrations_from_one_source_are_throttled(make_event, register):
    event = make_event(capacity=10)
    assert register(event, email="a@example.test").status_code == 200
    assert register(event, email="b@example.test").status_code == 200
    response = register(event, email="c@example.test")
    assert response.status_code == 429
    assert 'value="c@example.test"' in response.content.decode()
    assert event.registrations.count() == 2


def test_the_form_needs_its_token_when_checks_are_enforced(make_event, clock):
    event = make_event()
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/events/{event.slug}/", PERSON)
    assert response.status_code == 403
    assert 'value="Riley Sample"' in response.content.decode()
    assert not Registration.objects.exists()
    page = client.get(f"/events/{event.slug}/").content.decode()
    token = page.split('name="form_token" value="')[1].split('"')[0]
    response = client.post(f"/events/{event.slug}/", {**PERSON, "form_token": token})
    assert response.status_code == 200
    assert Registration.objects.count() == 1
    # Another site posting the form is refused, token or not.
    response = client.post(
        f"/events/{event.slug}/",
        {**PERSON, "email": "x@example.test", "form_token": token},
        HTTP_SEC_FETCH_SITE="cross-site",
    )
    assert response.status_code == 403
    assert Registration.objects.count() == 1


def test_public_pages_set_no_cookie(make_event, register):
    event = make_event()
    client = Client()
    for path in ("/events/", f"/events/{event.slug}/", "/events/calendar.ics"):
        response = client.get(path)
        assert response.status_code == 200
        assert not response.cookies, path
    assert not register(event).cookies


def test_personal_data_is_never_on_a_public_page(
    make_event, register, django_capture_on_commit_callbacks
):
    event = make_event(online_url="https://meet.example.test/secret-room")
    with django_capture_on_commit_callbacks(execute=True):
        register(event, accessibility_needs="Sign language interpreter")
    client = Client()
    for path in (
        "/events/",
        f"/events/{event.slug}/",
        f"/events/{event.slug}/event.ics",
        "/events/calendar.ics",
        manage_path(mail.outbox[0]),
    ):
        body = client.get(path).content.decode()
        for secret in ("Riley", "riley@example.test", "Bayview Middle School", "interpreter"):
            assert secret not in body, (path, secret)
        if "registration" not in path:
            assert "secret-room" not in body, path


def test_registrants_are_stored_encrypted_and_audited_without_names(make_event, register):
    event = make_event()
    register(event)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, email, organisation FROM events_registration")
        row = cursor.fetchone()
    assert all(value.startswith("hw1$") for value in row)
    entry = AuditEntry.objects.filter(object_type="events.registration").get()
    assert entry.actor_id is None
    assert "Riley" not in entry.reason and "riley" not in entry.reason


def test_invite_only_events_are_unlisted_but_open_by_their_private_link(make_event, register):
    event = make_event(is_public=False, title="Partner briefing")
    client = Client()
    assert "Partner briefing" not in client.get("/events/").content.decode()
    assert "Partner briefing" not in client.get("/events/calendar.ics").content.decode()
    assert client.get(f"/events/{event.slug}/").status_code == 404
    assert client.get(f"/events/{event.slug}/event.ics").status_code == 404
    assert client.get(f"/events/{event.uid}/").status_code == 200
    assert client.get(f"/events/{event.uid}/event.ics").status_code == 200
    assert register(event).status_code == 200
    assert event.registrations.count() == 1


def test_the_list_shows_upcoming_first_keeps_past_ones_and_filters_by_kind(make_event, clock):
    past = make_event(title="Last month webinar", kind="webinar")
    later = make_event(
        title="Coalition quarterly",
        kind="coalition",
        starts_at=START + dt.timedelta(days=30),
        ends_at=START + dt.timedelta(days=30, hours=2),
    )
    soon = make_event(
        title="Soon training",
        starts_at=START + dt.timedelta(days=1),
        ends_at=START + dt.timedelta(days=1, hours=2),
    )
    clock.move_to(START + dt.timedelta(hours=5))  # the first event is over
    page = Client().get("/events/").content.decode()
    assert (
        page.index(soon.title)
        < page.index(later.title)
        < page.index("Past events")
        < page.index(past.title)
    )
    filtered = Client().get("/events/?kind=coalition").content.decode()
    assert later.title in filtered and soon.title not in filtered and past.title not in filtered


def test_upcoming_events_are_paged_and_each_pager_keeps_the_other_list(
    make_event, clock, monkeypatch
):
    from heatwatch.events import selectors

    monkeypatch.setattr(selectors, "UPCOMING_SHOWN", 3)
    monkeypatch.setattr(selectors, "PAST_SHOWN", 2)
    for day in range(-5, 0):
        make_event(
            title=f"Past event {-day}",
            starts_at=START + dt.timedelta(days=day),
            ends_at=START + dt.timedelta(days=day, hours=2),
        )
    for day in range(1, 8):
        make_event(
            title=f"Upcoming event {day}",
            starts_at=START + dt.timedelta(days=day),
            ends_at=START + dt.timedelta(days=day, hours=2),
        )
    clock.move_to(START - dt.timedelta(hours=1))
    first = Client().get("/events/").content.decode()
    assert [f"Upcoming event {d}" in first for d in range(1, 8)] == [True] * 3 + [False] * 4
    assert 'href="?upcoming=2#coming-up"' in first and "Page 1 of 3" in first
    third = Client().get("/events/?upcoming=3").content.decode()
    assert "Upcoming event 7" in third and "Upcoming event 6" not in third
    # A page beyond the last shows the last one; a past page is kept by the upcoming pager.
    assert "Upcoming event 7" in Client().get("/events/?upcoming=99").content.decode()
    both = Client().get("/events/?page=2&upcoming=2").content.decode()
    assert "Upcoming event 4" in both and "Past event 3" in both and "Past event 1" not in both
    assert 'href="?page=2&amp;upcoming=3#coming-up"' in both
    assert 'href="?upcoming=2&amp;page=3#past"' in both


def test_the_spanish_pages_serve_the_same_events(make_event):
    event = make_event()
    response = Client().get("/es/events/")
    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()
    assert f"/es/events/{event.slug}/" in response.content.decode()
    assert Client().get(f"/es/events/{event.slug}/").status_code == 200


def test_the_personal_link_page_is_never_cached(
    make_event, register, django_capture_on_commit_callbacks
):
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True):
        register(event)
    link = manage_path(mail.outbox[0])
    for path in (link, "/es" + link):
        assert "no-store" in Client().get(path)["Cache-Control"], path
