"""Screening services: versions, drafts, completion, referral, intake and the case record."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from heatwatch.audit.models import AuditEntry
from heatwatch.cases import services as case_services
from heatwatch.cases.tests.conftest import youth
from heatwatch.screening import engine, services
from heatwatch.screening.models import ResultStatus, ScreeningResult, VersionStatus

from .conftest import answers, complete, start

pytestmark = pytest.mark.django_db


def _changed_file(version: int, weight_exchange: int = 6, threshold: int = 10) -> str:
    data = json.loads(services.DEFAULT_QUESTIONNAIRE.read_text())
    data["version"] = version
    for indicator in data["indicators"]:
        if indicator["code"] == "exchange":
            indicator["weight"] = weight_exchange
    data["rules"][0]["any_of"] = ["branding"]
    data["rules"][1]["min_score"] = threshold
    return json.dumps(data)


def test_loading_the_same_file_twice_changes_nothing(questionnaire):
    again, created = services.questionnaire_load(
        text=services.DEFAULT_QUESTIONNAIRE.read_text(), by=None
    )
    assert (again.pk, created) == (questionnaire.pk, False)
    assert questionnaire.status == VersionStatus.PUBLISHED


def test_a_version_never_changes_its_content(questionnaire):
    text = _changed_file(version=1)
    with pytest.raises(engine.DefinitionError, match="new version number"):
        services.questionnaire_load(text=text, by=None)


def test_a_changed_questionnaire_never_changes_a_past_result(teacher, school, questionnaire):
    # v1: "exchange" alone is a clear concern (rule any_of), score 6
    past = complete(start(teacher, school, questionnaire), teacher, answers(exchange="yes"))
    assert (past.level, past.score) == ("clear", 6)
    v2, _ = services.questionnaire_load(text=_changed_file(2, weight_exchange=1), by=None)
    questionnaire.refresh_from_db()
    assert (questionnaire.status, v2.status) == (VersionStatus.RETIRED, VersionStatus.PUBLISHED)
    # the same answers on v2 score differently...
    new = complete(start(teacher, school, v2), teacher, answers(exchange="yes"))
    assert (new.level, new.score) == ("none", 1)
    # ...and the past result keeps its version, score, level and next step
    past.refresh_from_db()
    assert past.questionnaire_version_id == questionnaire.pk
    assert (past.level, past.score) == ("clear", 6)
    assert "911" in past.next_step["en"]


def test_a_draft_started_on_a_retired_version_finishes_on_it(teacher, school, questionnaire):
    draft = start(teacher, school, questionnaire)
    services.questionnaire_load(text=_changed_file(2, weight_exchange=1), by=None)
    done = complete(draft, teacher, answers(exchange="yes"))
    assert (done.questionnaire_version_id, done.level) == (questionnaire.pk, "clear")


def test_an_older_version_number_is_refused(questionnaire):
    services.questionnaire_load(text=_changed_file(3), by=None)
    with pytest.raises(engine.DefinitionError, match="must be higher"):
        services.questionnaire_load(text=_changed_file(2), by=None)


def test_incomplete_questionnaire_is_saved_as_a_draft(teacher, school, questionnaire):
    draft = start(teacher, school, questionnaire)
    partial = {"exchange": "yes", "absent": "unknown"}
    with pytest.raises(services.ScreeningIncomplete) as e:
        complete(draft, teacher, partial)
    assert len(e.value.missing) == 9
    draft.refresh_from_db()
    assert draft.status == ResultStatus.DRAFT and draft.level == ""
    assert json.loads(draft.answers) == partial
    assert draft.youth_label == "J.R."


def test_answers_and_youth_label_are_encrypted(teacher, school, questionnaire):
    from django.db import connection

    done = complete(start(teacher, school, questionnaire), teacher, answers())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT answers, youth_label FROM screening_screeningresult WHERE id = %s", [done.pk]
        )
        raw_answers, raw_label = cursor.fetchone()
    assert "older-partner" not in raw_answers and raw_label != "J.R."


def test_only_the_screener_fills_their_draft(personas, teacher, school, questionnaire):
    draft = start(teacher, school, questionnaire)
    with pytest.raises(services.ScreeningError, match="Only the person"):
        services.screening_save_draft(
            result=draft, by=personas.advocate, data=services.DraftInput(answers={}), version=1
        )


def test_stale_draft_save_is_refused(teacher, school, questionnaire):
    draft = start(teacher, school, questionnaire)
    services.screening_save_draft(
        result=draft, by=teacher, data=services.DraftInput(answers={"exchange": "no"}), version=1
    )
    with pytest.raises(services.StaleScreening):
        services.screening_save_draft(
            result=draft, by=teacher, data=services.DraftInput(answers={}), version=1
        )


def test_people_without_a_grant_or_role_cannot_screen(personas, school, questionnaire):
    for user in (personas.officer, personas.analyst, personas.no_role, personas.prosecutor):
        with pytest.raises(services.ScreeningError):
            services.screening_start(by=user, version=questionnaire, organisation=school)


def test_teacher_screens_only_for_their_school(personas, teacher, questionnaire):
    with pytest.raises(services.ScreeningError, match="organisation you work for"):
        services.screening_start(by=teacher, version=questionnaire, organisation=personas.provider)


def test_only_a_clear_concern_is_referred(teacher, school, questionnaire):
    possible = complete(
        start(teacher, school, questionnaire), teacher, answers(older_partner="yes", absent="yes")
    )
    with pytest.raises(services.ScreeningError, match="clear concern"):
        services.screening_refer(result=possible, by=teacher)


def test_referral_emails_the_coordinators_without_youth_details(
    personas, teacher, school, questionnaire, mailoutbox, django_capture_on_commit_callbacks
):
    done = complete(start(teacher, school, questionnaire), teacher, answers(exchange="yes"))
    with django_capture_on_commit_callbacks(execute=True):
        services.screening_refer(result=done, by=teacher)
    assert [m.to for m in mailoutbox] == [[personas.coordinator.email]]
    assert done.reference in mailoutbox[0].subject and "J.R." not in mailoutbox[0].body


def test_open_case_from_screening_runs_matching_and_attaches(
    personas, teacher, school, questionnaire
):
    done = complete(start(teacher, school, questionnaire), teacher, answers(exchange="yes"))
    services.screening_refer(result=done, by=teacher)
    case = services.screening_open_case(
        result=done,
        by=personas.coordinator,
        data=youth(),
        organisation=personas.coordinating_office,
        person_id=None,
        confirm_new_person=True,
    )
    done.refresh_from_db()
    assert done.case_id == case.pk and case.intake_source == "screening"
    row = case.screenings.get()
    assert (row.result, row.tool_version, row.screened_by) == ("clear", "v1", teacher)
    assert row.pk == done.case_screening_id
    # identity matching ran (a second youth with the same details is offered the first)
    second = complete(start(teacher, school, questionnaire), teacher, answers(exchange="yes"))
    with pytest.raises(case_services.IdentityCheckRequired):
        services.screening_open_case(
            result=second,
            by=personas.coordinator,
            data=youth(),
            organisation=personas.coordinating_office,
            person_id=None,
            confirm_new_person=False,
        )
    # ...and it goes on the existing case by reference
    services.screening_attach_by_reference(
        result=second, reference=case.reference, by=personas.coordinator
    )
    assert case.screenings.count() == 2


def test_only_coordinators_take_screenings_to_intake(personas, teacher, school, questionnaire):
    done = complete(start(teacher, school, questionnaire), teacher, answers(exchange="yes"))
    with pytest.raises(services.ScreeningError, match="coordinators"):
        services.screening_open_case(
            result=done,
            by=personas.advocate,
            data=youth(),
            organisation=personas.provider,
            person_id=None,
            confirm_new_person=True,
        )


def test_nothing_here_gates_a_service(personas, teacher, school, questionnaire):
    """Whatever a screening says ("no concern", or none at all), every service action works."""
    from django.utils import timezone

    from heatwatch.cases.models import ContactKind
    from heatwatch.cases.tests.conftest import make_service, open_case

    screened = open_case(personas)
    unscreened = open_case(personas, legal_name="Other Youth", date_of_birth=None, aliases=[])
    done = complete(start(teacher, school, questionnaire), teacher, answers())
    assert done.level == "none"
    services.screening_attach(result=done, case=screened, by=personas.coordinator)
    service = make_service(personas.clinic, name="Counselling")
    for case in (screened, unscreened):
        referral = case_services.referral_send(
            case=case, by=personas.advocate, service=service, note="Please see her."
        )
        assert referral.pk
        contact = case_services.contact_add(
            case=case, by=personas.advocate, kind=ContactKind.values[0], at=timezone.now()
        )
        assert contact.pk
        goal = case_services.plan_goal_add(
            case=case, by=personas.advocate, domain="safety", description="A safe place."
        )
        assert goal.pk


def test_load_command_names_line_and_field(tmp_path, db):
    bad = json.loads(services.DEFAULT_QUESTIONNAIRE.read_text())
    bad["indicators"][2]["weight"] = "high"
    path = tmp_path / "instrument.json"
    path.write_text(json.dumps(bad, indent=2))
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if '"high"' in t)
    with pytest.raises(CommandError) as e:
        call_command("screening", "load", str(path))
    assert f'line {line}, field "indicators[2].weight"' in str(e.value)
    assert not ScreeningResult.objects.exists()
    from heatwatch.screening.models import QuestionnaireVersion

    assert not QuestionnaireVersion.objects.exists()


def test_a_licensed_instrument_loads_through_the_same_engine(tmp_path, teacher, school):
    """A program's licensed instrument (a synthetic stand-in here: the project ships none)."""
    data = {
        "format": engine.FORMAT,
        "slug": "licensed-example",
        "version": 3,
        "title": {"en": "Licensed instrument (synthetic test stand-in)"},
        "licensed": True,
        "licence_note": "Licensed to Bayview County, 2026 (test)",
        "indicators": [{"code": "a", "label": "A", "weight": 2}],
        "sections": [
            {
                "key": "s",
                "title": "S",
                "items": [
                    {"key": "q1", "kind": "yes_no_unknown", "indicator": "a", "text": "Q1?"},
                    {
                        "key": "q2",
                        "kind": "choice",
                        "indicator": "a",
                        "text": "Q2?",
                        "choices": [
                            {"value": "lo", "label": "Low", "factor": 0},
                            {"value": "hi", "label": "High", "factor": 1},
                        ],
                    },
                ],
            }
        ],
        "rules": [
            {"level": "clear", "min_score": 4, "next_step": "Refer."},
            {"level": "possible", "min_score": 2, "next_step": "Watch."},
            {"level": "none", "next_step": "None."},
        ],
    }
    path = tmp_path / "licensed.json"
    path.write_text(json.dumps(data))
    out = StringIO()
    call_command("screening", "load", str(path), stdout=out)
    assert "loaded" in out.getvalue()
    from heatwatch.screening.models import QuestionnaireVersion

    version = QuestionnaireVersion.objects.get(questionnaire__slug="licensed-example")
    assert version.licensed and version.status == VersionStatus.PUBLISHED
    done = complete(start(teacher, school, version), teacher, {"q1": "yes", "q2": "hi"})
    assert (done.level, done.score) == ("clear", 4)


def test_every_view_of_a_result_is_audited_on_the_case_page(
    personas, teacher, school, questionnaire, client, login
):
    from heatwatch.cases.tests.conftest import open_case

    case = open_case(personas)
    done = complete(start(teacher, school, questionnaire), teacher, answers(exchange="yes"))
    services.screening_attach(result=done, case=case, by=personas.coordinator)
    login(client, personas.advocate)
    before = AuditEntry.objects.filter(
        object_type="screening.screeningresult", action="read"
    ).count()
    page = client.get(f"/staff/cases/{case.pk}/")
    assert page.status_code == 200
    assert done.reference in page.content.decode()
    after = AuditEntry.objects.filter(
        object_type="screening.screeningresult", action="read", actor_id=personas.advocate.pk
    ).count()
    assert after == before + 1
