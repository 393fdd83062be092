"""Series (the four quarterly dates, a weekly webinar; edit one date or all, versioned),
materials, presenters, youth leads and analysts: who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from heatwatch.events import services
from heatwatch.events.models import Event, EventSeries, Material
from heatwatch.events.tests.conftest import event_input
from heatwatch.events.tests.test_staff import FORM

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(personas, login, clock):
    return login(Client(), personas.coordinator)


def test_the_four_quarterly_dates_are_created_in_one_step(coordinator):
    response = coordinator.post(
        "/staff/events/series/new/",
        {
            **FORM,
            "starts_at": "2027-01-14T09:00",
            "ends_at": "2027-01-14T12:00",
            "cadence": "quarterly",
        },
    )
    series = EventSeries.objects.get()
    assert response.status_code == 302
    local = [e.starts_at.astimezone(dt.timezone(dt.timedelta(0))) for e in series.events.all()]
    assert [d.date().isoformat() for d in local] == [
        "2027-01-14",
        "2027-04-14",
        "2027-07-14",
        "2027-10-14",
    ]
    # 09:00 local on each date, across the daylight-saving change (PST then PDT).
    assert [d.hour for d in local] == [17, 16, 16, 16]


def test_a_weekly_webinar_and_an_edit_of_all_dates_to_come(coordinator, personas):
    series = services.series_create(
        data=event_input(kind="webinar", title="Webinar", capacity=5),
        cadence="weekly",
        count=3,
        by=personas.coordinator,
    )
    events = list(series.events.order_by("starts_at"))
    assert len(events) == 3 and events[1].starts_at - events[0].starts_at == dt.timedelta(days=7)
    page = coordinator.get(f"/staff/events/series/{series.pk}/")
    assert page.status_code == 200
    edit = {
        "version": str(series.version),
        "title": "Webinar: the game",
        "description": "",
        "venue_address": "1 Civic Center Plaza",
        "venue_room": "",
        "online_url": "",
        "capacity": "8",
        "start_time": "10:30",
        "duration_minutes": "90",
    }
    assert coordinator.post(f"/staff/events/series/{series.pk}/", edit).status_code == 302
    for event in Event.objects.filter(series=series):
        assert event.title == "Webinar: the game" and event.capacity == 8
        assert event.version == 2  # each date's SEQUENCE moved on
    # A stale edit of all dates saves nothing: 409, the input kept.
    stale = coordinator.post(f"/staff/events/series/{series.pk}/", {**edit, "title": "Old"})
    assert stale.status_code == 409 and 'value="Old"' in stale.content.decode()
    # Editing one date changes that date only.
    one = events[0]
    form = {
        **FORM,
        "kind": "webinar",
        "title": "Only this one",
        "version": "2",
        "starts_at": "2026-12-10T10:30",
        "ends_at": "2026-12-10T12:00",
        "capacity": "8",
    }
    assert coordinator.post(f"/staff/events/{one.pk}/edit/", form).status_code == 302
    titles = sorted(Event.objects.filter(series=series).values_list("title", flat=True))
    assert titles == ["Only this one", "Webinar: the game", "Webinar: the game"]


def test_a_weekly_series_refuses_too_many_dates(coordinator):
    response = coordinator.post(
        "/staff/events/series/new/", {**FORM, "cadence": "weekly", "count": "99"}
    )
    assert response.status_code == 400 and not Event.objects.exists()
    assert 'value="Quarterly coalition training"' in response.content.decode()


def test_materials_are_links_or_pages_and_shown_on_the_public_page(coordinator, make_event):
    event = make_event()
    url = f"/staff/events/{event.pk}/materials/"
    assert (
        coordinator.post(
            url, {"title": "Red flags handout", "url": "https://example.test/rf.pdf"}
        ).status_code
        == 302
    )
    bad = coordinator.post(url, {"title": "Nothing"})
    assert bad.status_code == 400 and "either a link or a page" in bad.content.decode()
    assert Material.objects.count() == 1
    public = Client().get(f"/events/{event.slug}/").content.decode()
    assert "Red flags handout" in public and "https://example.test/rf.pdf" in public


def test_a_presenter_sees_and_checks_in_only_their_event(personas, login, make_event):
    advocate = personas.advocate
    theirs = make_event(presenter_ids=[advocate.pk], presenter_names="A. Presenter")
    other = make_event(title="Another")
    registration = services.registration_create(
        event_id=theirs.pk,
        data=services.RegistrationInput(name="Pat", email="pat@example.test"),
    ).registration
    client = login(Client(), advocate)
    assert client.get("/staff/events/").status_code == 200
    assert client.get(f"/staff/events/{theirs.pk}/").status_code == 200
    assert client.get(f"/staff/events/{other.pk}/").status_code == 404
    assert client.get(f"/staff/events/{theirs.pk}/edit/").status_code == 403
    response = client.post(
        f"/staff/events/{theirs.pk}/registrations/{registration.pk}/check-in/",
        {"checked_in": "1"},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    assert "A. Presenter" in Client().get(f"/events/{theirs.slug}/").content.decode()


def test_a_youth_lead_runs_youth_events_only(personas, login, make_event, clock):
    client = login(Client(), personas.youth_lead)
    youth = make_event(kind="youth", title="Youth night")
    training = make_event(title="For police")
    assert client.get(f"/staff/events/{youth.pk}/edit/").status_code == 200
    assert client.get(f"/staff/events/{training.pk}/").status_code == 404
    refused = client.post("/staff/events/new/", {**FORM, "kind": "training"})
    assert refused.status_code == 400 and not Event.objects.filter(kind="coalition").exists()
    assert client.post("/staff/events/new/", {**FORM, "kind": "youth"}).status_code == 302


def test_an_analyst_reads_the_reports_only(personas, login, make_event):
    event = make_event()
    client = login(Client(), personas.analyst)
    assert client.get("/staff/events/reports/").status_code == 200
    assert client.get("/staff/events/trained/").status_code == 200
    assert client.get("/staff/events/").status_code == 403
    assert client.get(f"/staff/events/{event.pk}/").status_code == 404
    assert client.get("/staff/events/requests/").status_code == 403
