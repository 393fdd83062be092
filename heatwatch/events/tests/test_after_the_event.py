"""After the event: walk-ins, the sign-in sheet (PDF) and attendance entered from it; the
follow-up survey to attendees only (signed link, answered once); the reports (chart drawn on
the server, a table, CSV audited); the purge of registrants' personal data keeping counts."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader

from heatwatch.audit.models import AuditEntry
from heatwatch.events import attendance, reports, retention, services, surveys
from heatwatch.events.models import Registration, SurveyResponse
from heatwatch.events.tests.conftest import START

pytestmark = pytest.mark.django_db
SURVEY_RE = re.compile(r"(/(?:es/)?events/survey/[^/\s]+/)")


@pytest.fixture
def coordinator(personas, login, clock):
    return login(Client(), personas.coordinator)


def _register(event, email, **extra):
    return services.registration_create(
        event_id=event.pk,
        data=services.RegistrationInput(name=email.split("@")[0].title(), email=email, **extra),
    ).registration


@pytest.fixture
def held(make_event):
    """An event with two registrants, before it starts."""
    event = make_event(capacity=2, city="Bayview")
    _register(event, "ana@example.test", audience="school", sector="school")
    _register(event, "ben@example.test", audience="police", sector="police")
    return event


def test_a_walk_in_is_added_at_the_door_checked_in_and_never_takes_a_booked_place(
    coordinator, held
):
    response = coordinator.post(
        f"/staff/events/{held.pk}/walk-in/",
        {"name": "Cam Walker", "email": "", "organisation": "", "audience": "community"},
    )
    assert response.status_code == 302
    walk_in = Registration.objects.get(walk_in=True)
    assert walk_in.checked_in_at is not None and walk_in.status == "confirmed"
    assert services.confirmed_places(held.pk) == 2  # the booked places, walk-ins apart
    again = coordinator.post(
        f"/staff/events/{held.pk}/walk-in/",
        {"name": "Ana", "email": "ana@example.test", "audience": "school"},
    )
    assert again.status_code == 400 and "already registered" in again.content.decode()
    assert coordinator.post(f"/staff/events/{held.pk}/walk-in/", {"name": ""}).status_code == 400


def test_the_sign_in_sheet_is_a_pdf_with_the_names_and_loads_nothing(coordinator, held):
    response = coordinator.get(f"/staff/events/{held.pk}/sign-in-sheet.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Ana" in text and "Ben" in text
    fetcher = attendance.RefusingURLFetcher()
    attendance.sign_in_sheet_pdf(
        event=held, registrations=list(held.registrations.all()), fetcher=fetcher
    )
    assert fetcher.refused == []


def test_attendance_entered_from_the_sheet_ticks_and_unticks(coordinator, held):
    ana, ben = held.registrations.order_by("pk")
    url = f"/staff/events/{held.pk}/attendance/"
    assert coordinator.get(url).status_code == 200
    assert coordinator.post(url, {"present": [str(ana.pk), str(ben.pk)]}).status_code == 302
    assert coordinator.post(url, {"present": [str(ana.pk)]}).status_code == 302
    ana.refresh_from_db()
    ben.refresh_from_db()
    assert ana.checked_in_at and ben.checked_in_at is None
    assert coordinator.post(url, {"present": ["999999"]}).status_code == 400


def test_the_survey_goes_to_attendees_only_and_is_answered_once(
    held, personas, clock, django_capture_on_commit_callbacks
):
    ana, ben = held.registrations.order_by("pk")
    services.registration_check_in(registration=ana, by=personas.coordinator)
    clock.move_to(held.ends_at + dt.timedelta(hours=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", "--all", stdout=None)
    assert [m.to for m in mail.outbox] == [["ana@example.test"]]  # Ben did not come
    assert surveys.surveys_send() == 0  # sent once
    link = SURVEY_RE.search(mail.outbox[0].body).group(1)
    client = Client()
    assert client.get(link).status_code == 200
    bad = client.post(link, {"usefulness": "9", "learn_next": "More on the game"})
    assert bad.status_code == 400 and "More on the game" in bad.content.decode()
    done = client.post(link, {"usefulness": "5", "confidence": "yes", "learn_next": "Data"})
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    again = client.post(link, {"usefulness": "1", "confidence": "no"})
    assert "already answered" in again.content.decode()
    assert SurveyResponse.objects.get().usefulness == 5
    assert client.get("/events/survey/forged/").status_code == 404


def test_reports_count_check_ins_by_sector_with_a_server_chart_and_an_audited_csv(
    held, personas, clock, login
):
    for registration in held.registrations.all():
        services.registration_check_in(registration=registration, by=personas.coordinator)
    _register(held, "cal@example.test", audience="school")  # waitlisted: not trained
    clock.move_to(held.ends_at + dt.timedelta(days=1))
    coordinator = login(Client(), personas.coordinator)
    query = "start=2026-10-01&end=2026-12-31&period=quarter&by=sector"
    page = coordinator.get(f"/staff/events/reports/?{query}")
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and "<script" not in body.split("<svg", 1)[1].split("</svg>")[0]
    assert "data-people-total>2<" in body and "data-professionals>2<" in body
    assert "data-events-total>1<" in body
    report = reports.build(
        start=START - dt.timedelta(days=30), end=START + dt.timedelta(days=30), by="city"
    )
    assert report.trained == {("2026-Q4", "Bayview"): 2}
    csv_response = coordinator.get(f"/staff/events/reports.csv?{query}")
    assert csv_response.status_code == 200
    assert "people_trained,2026-Q4,School,1" in csv_response.content.decode()
    assert AuditEntry.objects.filter(action="export", object_type="events.report").exists()
    assert (
        coordinator.get("/staff/events/reports/?start=2026-12-31&end=2026-01-01").status_code == 400
    )


def test_personal_data_is_purged_after_the_configured_time_keeping_the_counts(
    held, personas, clock, settings, django_capture_on_commit_callbacks
):
    settings.HEATWATCH_EVENT_PURGE_DAYS = 30
    ana = held.registrations.order_by("pk").first()
    services.registration_check_in(registration=ana, by=personas.coordinator)
    clock.move_to(held.ends_at + dt.timedelta(days=29))
    assert retention.personal_data_purge() == 0
    clock.move_to(held.ends_at + dt.timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", "--all", stdout=None)
    rows = list(Registration.objects.filter(event=held))
    assert {r.name for r in rows} == {""} and {r.email for r in rows} == {""}
    assert sum(1 for r in rows if r.checked_in_at) == 1  # the count is kept
    held.refresh_from_db()
    assert held.personal_data_purged_at is not None
    assert AuditEntry.objects.filter(action="delete", object_type="events.event").count() == 1
    assert retention.personal_data_purge() == 0
