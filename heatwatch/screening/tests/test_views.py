"""The screening pages and API through HTTP: a teacher fills a screening (saved at every
change), an incomplete one stays a draft, a clear concern is referred in one step, the
coordinator opens the intake and the result is on the case page."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.audit.models import AuditEntry
from heatwatch.screening import services
from heatwatch.screening.models import ResultStatus, ScreeningResult

from .conftest import answers, complete, start

pytestmark = pytest.mark.django_db


def form_data(result: ScreeningResult, values: dict[str, str], **extra: str) -> dict[str, str]:
    data = {"version": str(result.version), "youth_label": "J.R.", "youth_age": "15"}
    data["setting"] = "school"
    data.update({f"q_{k}": v for k, v in values.items()})
    data.update(extra)
    return data


@pytest.fixture
def teacher_client(teacher, login):
    return login(Client(), teacher)


def test_teacher_starts_and_autosaves_a_draft(teacher_client, teacher, school, questionnaire):
    page = teacher_client.get("/staff/screening/")
    assert page.status_code == 200 and "Start a screening" in page.content.decode()
    response = teacher_client.post(
        "/staff/screening/new/",
        {"questionnaire": questionnaire.pk, "organisation": school.pk},
    )
    assert response.status_code == 302
    result = ScreeningResult.objects.get(screener=teacher)
    fill = teacher_client.get(response["Location"]).content.decode()
    assert f'hx-post="/staff/screening/{result.pk}/save/"' in fill
    assert "call 911 first" in fill
    # htmx posts the whole form at every change: saved, and the new version sent back
    saved = teacher_client.post(
        f"/staff/screening/{result.pk}/save/",
        form_data(result, {"exchange": "unknown"}),
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200
    result.refresh_from_db()
    assert f'value="{result.version}"' in saved.content.decode() and result.version == 2
    assert "Draft saved" in saved.content.decode()
    # the same stale version again (another tab): 409, nothing saved
    stale = teacher_client.post(
        f"/staff/screening/{result.pk}/save/",
        form_data(result, {"exchange": "yes"}, version="1"),
        headers={"HX-Request": "true"},
    )
    # htmx swaps only 2xx answers: the refusal is in the fragment, the status in a header
    assert stale.status_code == 200 and stale["X-Heatwatch-Status"] == "409"
    assert "another window" in stale.content.decode()
    result.refresh_from_db()
    assert '"exchange": "unknown"' in result.answers
    # reopened later: the answers are there
    again = teacher_client.get(f"/staff/screening/{result.pk}/").content.decode()
    assert 'value="unknown" name="q_exchange"' in again or (
        'name="q_exchange" value="unknown"' in again and "checked" in again
    )


def test_incomplete_questionnaire_is_kept_as_draft_with_what_to_fix(
    teacher_client, teacher, school, questionnaire
):
    result = start(teacher, school, questionnaire)
    response = teacher_client.post(
        f"/staff/screening/{result.pk}/complete/", form_data(result, {"exchange": "yes"})
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Answer every question" in body and "Not answered yet" in body
    assert 'value="J.R."' in body  # what was typed is kept
    result.refresh_from_db()
    assert result.status == ResultStatus.DRAFT and '"exchange": "yes"' in result.answers
    # the page can be posted again from there (the version it shows is current)
    done = teacher_client.post(
        f"/staff/screening/{result.pk}/complete/",
        form_data(result, answers(exchange="yes")),
    )
    assert done.status_code == 302


def test_bad_age_is_shown_with_the_input_kept(teacher_client, teacher, school, questionnaire):
    result = start(teacher, school, questionnaire)
    response = teacher_client.post(
        f"/staff/screening/{result.pk}/save/", form_data(result, {}, youth_age="99")
    )
    assert response.status_code == 400 and 'value="99"' in response.content.decode()


def test_clear_concern_refers_in_one_step_and_coordinator_opens_the_case(
    personas, teacher_client, teacher, school, questionnaire, login
):
    result = start(teacher, school, questionnaire)
    response = teacher_client.post(
        f"/staff/screening/{result.pk}/complete/", form_data(result, answers(exchange="yes"))
    )
    page = teacher_client.get(response["Location"]).content.decode()
    assert "Clear concern" in page and "call 911 first" in page
    assert "Refer to the coordinator now" in page
    teacher_client.post(f"/staff/screening/{result.pk}/refer/")
    page = teacher_client.get(f"/staff/screening/{result.pk}/").content.decode()
    assert "Refer to the coordinator now" not in page and "Sent to the coordinators" in page
    # the teacher never reaches the intake or the coordinators' list
    assert teacher_client.get(f"/staff/screening/{result.pk}/intake/").status_code == 403
    assert teacher_client.get("/staff/screening/referrals/").status_code == 403

    coordinator = login(Client(), personas.coordinator)
    assert result.reference in coordinator.get("/staff/cases/").content.decode()
    intake = coordinator.get(f"/staff/screening/{result.pk}/intake/")
    assert intake.status_code == 200 and 'value="J.R."' in intake.content.decode()
    data = {
        "legal_name": "Jordan Screentest",
        "date_of_birth": "2011-03-04",
        "gender": "unknown",
        "intake_source": "screening",
        "organisation": personas.coordinating_office.pk,
        "person_choice": "new",
    }
    opened = coordinator.post(f"/staff/screening/{result.pk}/intake/", data)
    assert opened.status_code == 302, opened.content.decode()[:3000]
    case_page = coordinator.get(opened["Location"]).content.decode()
    assert result.reference in case_page and "Screening results" in case_page
    result.refresh_from_db()
    assert result.case is not None and result.case.intake_source == "screening"
    assert result.reference not in coordinator.get("/staff/screening/referrals/").content.decode()


def test_result_is_only_for_its_screener_and_coordinators(
    personas, teacher, school, questionnaire, login
):
    result = complete(start(teacher, school, questionnaire), teacher, answers())
    other = login(Client(), personas.advocate)
    assert other.get(f"/staff/screening/{result.pk}/").status_code == 404
    assert AuditEntry.objects.filter(
        action="access_denied", object_id=str(result.pk), actor_id=personas.advocate.pk
    ).exists()
    coordinator = login(Client(), personas.coordinator)
    assert coordinator.get(f"/staff/screening/{result.pk}/").status_code == 200
    assert AuditEntry.objects.filter(
        action="read", object_id=str(result.pk), actor_id=personas.coordinator.pk
    ).exists()
    # nobody fills another's draft
    draft = start(teacher, school, questionnaire)
    response = coordinator.post(f"/staff/screening/{draft.pk}/save/", form_data(draft, {}))
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.version == 1


def test_accounts_without_a_grant_or_role_are_turned_away(personas, login):
    for user in (personas.no_role, personas.officer, personas.analyst):
        client = login(Client(), user)
        assert client.get("/staff/screening/").status_code == 403


def test_spanish_questionnaire_is_shown_in_spanish(teacher_client, teacher, school, questionnaire):
    result = start(teacher, school, questionnaire, language="es")
    page = teacher_client.get(f"/staff/screening/{result.pk}/").content.decode()
    assert "Relaciones y control" in page and "intercambió sexo" in page


def test_api_result_and_questionnaires(
    teacher_client, teacher, school, questionnaire, personas, login
):
    listing = teacher_client.get("/api/screening/questionnaires")
    assert listing.status_code == 200
    assert listing.json()[0]["slug"] == "red-flags-school-health"
    result = complete(start(teacher, school, questionnaire), teacher, answers(exchange="yes"))
    one = teacher_client.get(f"/api/screening/results/{result.pk}")
    assert one.status_code == 200 and one.json()["level"] == "clear"
    assert AuditEntry.objects.filter(
        action="read", object_id=str(result.pk), actor_id=teacher.pk
    ).exists()
    other = login(Client(), personas.advocate)
    assert other.get(f"/api/screening/results/{result.pk}").status_code == 404
    officer = login(Client(), personas.officer)
    denied = officer.get("/api/screening/questionnaires")
    assert denied.status_code == 403 and "detail" in denied.json()
    assert Client().get("/api/screening/questionnaires").status_code == 401


def test_screening_never_gates_the_case_pages(personas, teacher, school, questionnaire, login):
    """A result attached to a case adds a section; it changes nothing the care team may do."""
    from heatwatch.cases.tests.conftest import open_case

    case = open_case(personas)
    advocate = login(Client(), personas.advocate)
    before = advocate.get(f"/staff/cases/{case.pk}/").content.decode()
    done = complete(start(teacher, school, questionnaire), teacher, answers())
    services.screening_attach(result=done, case=case, by=personas.coordinator)
    after = advocate.get(f"/staff/cases/{case.pk}/").content.decode()
    forms_before = before.count("<form")
    assert after.count("<form") == forms_before
