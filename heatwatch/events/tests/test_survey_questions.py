"""The follow-up survey's questions of an event's own: configured by the coordinator in the
event's form (up to five, free text or a 1-5 scale, required or optional), answered on the
public survey page (English and Spanish chrome, bounded input kept on error, a key of another
event's question ignored), answered once, attendees only; the answers question by question on
the staff page; and the single question of before, moved with its answers by the migration."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from heatwatch.audit.models import AuditEntry
from heatwatch.conftest import login_verified
from heatwatch.events import services, surveys
from heatwatch.events.models import Event, SurveyAnswer, SurveyQuestion, SurveyResponse
from heatwatch.events.tests.test_staff import FORM

pytestmark = pytest.mark.django_db

Q = services.SurveyQuestionInput


@pytest.fixture
def coordinator(personas, login, clock):
    return login(Client(), personas.coordinator)


def _attendee(event, email, personas, *, check_in=True):
    registration = services.registration_create(
        event_id=event.pk,
        data=services.RegistrationInput(name=email.split("@")[0].title(), email=email),
    ).registration
    if check_in:
        services.registration_check_in(registration=registration, by=personas.coordinator)
    return registration


@pytest.fixture
def surveyed(make_event, personas):
    """An event with two questions of its own and an attendee's survey link."""
    event = make_event(
        survey_questions=[
            Q(text="Which part helped you most?", kind="text", required=True),
            Q(text="How likely are you to use the toolkit?", kind="scale", required=False),
        ]
    )
    registration = _attendee(event, "ana@example.test", personas)
    return event, f"/events/survey/{surveys.survey_key(registration)}/"


def _own(event):
    return list(SurveyQuestion.objects.filter(event=event))


def _edit_form(event, **rows):
    return {**FORM, "version": str(event.version), **rows}


def test_the_coordinator_sets_questions_in_the_event_form(coordinator, make_event):
    event = make_event()
    page = coordinator.get(f"/staff/events/{event.pk}/edit/").content.decode()
    assert 'name="question_5_text"' in page and 'name="question_6_text"' not in page
    response = coordinator.post(
        f"/staff/events/{event.pk}/edit/",
        _edit_form(
            event,
            question_1_text="  Which part helped you most? ",
            question_1_kind="text",
            question_1_required="on",
            question_2_text="",  # an empty row is no question
            question_3_text="How likely are you to use the toolkit?",
            question_3_kind="scale",
        ),
    )
    assert response.status_code == 302
    questions = [(q.position, q.text, q.kind, q.required) for q in _own(event)]
    assert questions == [
        (1, "Which part helped you most?", "text", True),
        (2, "How likely are you to use the toolkit?", "scale", False),
    ]
    again = coordinator.get(f"/staff/events/{event.pk}/edit/").content.decode()
    assert 'value="How likely are you to use the toolkit?"' in again  # shown to edit
    # Removing one (saved again without it) keeps the others in order.
    event.refresh_from_db()
    coordinator.post(
        f"/staff/events/{event.pk}/edit/",
        _edit_form(event, question_1_text="How likely are you to use the toolkit?"),
    )
    assert [q.text for q in _own(event)] == ["How likely are you to use the toolkit?"]


def test_a_question_too_long_or_of_an_unknown_kind_is_refused_with_the_form_kept(
    coordinator, make_event
):
    event = make_event()
    too_long = _edit_form(event, question_1_text="x" * 301, question_2_text="Kept as typed")
    response = coordinator.post(f"/staff/events/{event.pk}/edit/", too_long)
    assert response.status_code == 400
    page = response.content.decode()
    assert "at most 300 characters" in page and 'value="Kept as typed"' in page
    unknown = _edit_form(event, question_1_text="A question", question_1_kind="essay")
    assert coordinator.post(f"/staff/events/{event.pk}/edit/", unknown).status_code == 400
    assert _own(event) == []


def test_the_service_refuses_more_than_five_questions_or_an_empty_one(make_event):
    with pytest.raises(services.EventError, match="at most 5"):
        make_event(survey_questions=[Q(text=f"Question {n}") for n in range(6)])
    with pytest.raises(services.EventError, match="needs its text"):
        make_event(survey_questions=[Q(text="   ")])
    assert not Event.objects.exists()


def test_a_series_edit_keeps_each_dates_questions(make_event, personas):
    event = make_event(survey_questions=[Q(text="Which part helped you most?")])
    services.event_update(
        event=event,
        data=services.event_input_from(event),
        by=personas.coordinator,
        version=event.version,
    )
    assert [q.text for q in _own(event)] == ["Which part helped you most?"]


def test_an_attendee_answers_the_events_own_questions(surveyed):
    event, link = surveyed
    client = Client()
    page = client.get(link).content.decode()
    assert "Which part helped you most?" in page
    assert "How likely are you to use the toolkit? (optional)" in page
    first, scale = _own(event)
    response = client.post(
        link,
        {
            "usefulness": "4",
            "confidence": "somewhat",
            "learn_next": "",
            f"question_{first.pk}": " The case studies ",
            f"question_{scale.pk}": "5",
        },
    )
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    answers = {a.question_id: (a.text, a.scale) for a in SurveyAnswer.objects.all()}
    assert answers == {first.pk: ("The case studies", None), scale.pk: ("", 5)}
    assert SurveyResponse.objects.get().usefulness == 4


def test_an_optional_scale_left_empty_stores_no_answer(surveyed):
    event, link = surveyed
    first, scale = _own(event)
    response = Client().post(
        link, {"usefulness": "3", "confidence": "no", f"question_{first.pk}": "The game"}
    )
    assert response.status_code == 200
    assert [a.question_id for a in SurveyAnswer.objects.all()] == [first.pk]


def test_the_survey_page_is_spanish_under_es_with_the_coordinators_question(surveyed):
    event, link = surveyed
    page = Client().get(f"/es{link}").content.decode()
    assert "¿Qué tan útil fue para su trabajo o su vida?" in page
    assert "Enviar mis respuestas" in page
    assert "Which part helped you most?" in page  # the coordinator's words, as written
    assert "How likely are you to use the toolkit? (opcional)" in page
    assert "1: nada, 5: mucho." in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"own_text": "x" * 1001}, "at most 1000 characters"),
        ({"own_scale": "6"}, "Select a valid choice"),
        ({"own_scale": "0"}, "Select a valid choice"),
        ({"own_scale": "five"}, "Select a valid choice"),
        ({"own_text": ""}, "This field is required"),
        ({"own_text": "   "}, "This field is required"),
    ],
)
def test_bad_answers_are_refused_and_what_was_typed_is_kept(surveyed, change, message):
    event, link = surveyed
    first, scale = _own(event)
    data = {
        "usefulness": "5",
        "confidence": "yes",
        "learn_next": "More on local data",
        f"question_{first.pk}": change.get("own_text", "The case studies"),
        f"question_{scale.pk}": change.get("own_scale", "4"),
    }
    response = Client().post(link, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "More on local data" in page  # kept
    assert not SurveyResponse.objects.exists() and not SurveyAnswer.objects.exists()


def test_a_key_of_another_events_question_is_ignored(surveyed, make_event):
    event, link = surveyed
    other = make_event(title="Another training", survey_questions=[Q(text="Elsewhere?")])
    (foreign,) = _own(other)
    first, _scale = _own(event)
    response = Client().post(
        link,
        {
            "usefulness": "5",
            "confidence": "yes",
            f"question_{first.pk}": "The case studies",
            f"question_{foreign.pk}": "Planted answer",
            "question_abc": "Nonsense",
        },
    )
    assert response.status_code == 200
    assert not SurveyAnswer.objects.filter(question=foreign).exists()
    assert SurveyAnswer.objects.count() == 1


def test_the_service_refuses_answers_that_do_not_fit_the_questions(surveyed, make_event):
    event, _link = surveyed
    registration = event.registrations.get()
    first, scale = _own(event)
    (foreign,) = _own(make_event(title="Another", survey_questions=[Q(text="Elsewhere?")]))
    base = {"registration": registration, "usefulness": 5, "confidence": "yes"}
    for answers, message in (
        ({first.pk: "Fine", foreign.pk: "Planted"}, "not for this survey"),
        ({first.pk: "Fine", scale.pk: 9}, "from 1 to 5"),
        ({first.pk: "Fine", scale.pk: True}, "from 1 to 5"),
        ({first.pk: 3}, "not for this survey"),
        ({first.pk: "x" * 1001}, "too long"),
        ({scale.pk: 3}, "not marked optional"),
    ):
        with pytest.raises(services.EventError, match=message):
            surveys.survey_submit(**base, answers=answers)
    assert not SurveyResponse.objects.exists()


def test_the_survey_is_answered_once(surveyed):
    event, link = surveyed
    first, _scale = _own(event)
    client = Client()
    data = {"usefulness": "5", "confidence": "yes", f"question_{first.pk}": "The case studies"}
    assert client.post(link, data).status_code == 200
    again = client.post(link, {**data, f"question_{first.pk}": "Changed my mind"})
    assert "already answered" in again.content.decode()
    assert [a.text for a in SurveyAnswer.objects.all()] == ["The case studies"]


def test_only_attendees_open_the_survey(make_event, personas):
    event = make_event(survey_questions=[Q(text="Which part helped you most?")])
    booked = _attendee(event, "ben@example.test", personas, check_in=False)
    link = f"/events/survey/{surveys.survey_key(booked)}/"
    assert Client().get(link).status_code == 404  # registered, did not come
    response = Client().post(link, {"usefulness": "5", "confidence": "yes"})
    assert response.status_code == 404 and not SurveyResponse.objects.exists()


def test_questions_no_longer_change_once_answered(coordinator, surveyed):
    event, link = surveyed
    first, scale = _own(event)
    Client().post(
        link, {"usefulness": "5", "confidence": "yes", f"question_{first.pk}": "The case studies"}
    )
    event.refresh_from_db()
    same = _edit_form(
        event,
        question_1_text=first.text,
        question_1_kind="text",
        question_1_required="on",
        question_2_text=scale.text,
        question_2_kind="scale",
        title="Renamed, questions unchanged",
    )
    assert coordinator.post(f"/staff/events/{event.pk}/edit/", same).status_code == 302
    event.refresh_from_db()
    changed = {**same, "version": str(event.version), "question_2_text": "A new question"}
    response = coordinator.post(f"/staff/events/{event.pk}/edit/", changed)
    assert response.status_code == 400
    assert "its questions can no longer change" in response.content.decode()
    assert [q.text for q in _own(event)] == [first.text, scale.text]


def test_staff_see_the_answers_question_by_question(coordinator, surveyed, personas, make_event):
    event, link = surveyed
    first, scale = _own(event)
    bob = _attendee(event, "bob@example.test", personas)
    for key, text, point in ((link, "The case studies", "5"), (bob, "The role play", "2")):
        path = key if isinstance(key, str) else f"/events/survey/{surveys.survey_key(key)}/"
        Client().post(
            path,
            {
                "usefulness": "4",
                "confidence": "yes",
                f"question_{first.pk}": text,
                f"question_{scale.pk}": point,
            },
        )
    response = coordinator.get(f"/staff/events/{event.pk}/survey/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-responses="2"' in page
    assert "The case studies" in page and "The role play" in page
    assert "How likely are you to use the toolkit?" in page and "average 3.5 of 5" in page
    assert AuditEntry.objects.filter(
        action="read", object_type="events.event", reason="survey answers"
    ).exists()
    # Scoped as the event's other staff pages: an event the user does not work is 404.
    other = make_event(title="Youth night", kind="youth")
    youth_lead = login_verified(Client(), personas.youth_lead)
    assert youth_lead.get(f"/staff/events/{event.pk}/survey/").status_code == 404
    assert youth_lead.get(f"/staff/events/{other.pk}/survey/").status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_moves_the_single_question_and_its_answers():
    """Migration 0005: an event's one question becomes its first question (free text,
    optional) and each answer to it an answer row, readable through the new models."""
    before = [("events", "0004_eventseries_material_surveyresponse_and_more")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldEvent = old.get_model("events", "Event")  # noqa: N806
    OldRegistration = old.get_model("events", "Registration")  # noqa: N806
    OldResponse = old.get_model("events", "SurveyResponse")  # noqa: N806
    start = timezone.now() - dt.timedelta(days=2)
    asked = OldEvent.objects.create(
        title="Asked",
        slug="asked",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=5,
        survey_question="What should we change?",
    )
    silent = OldEvent.objects.create(
        title="Silent",
        slug="silent",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=5,
    )
    for n, (event, extra) in enumerate(((asked, "Shorter breaks"), (asked, ""), (silent, ""))):
        registration = OldRegistration.objects.create(
            event=event,
            name=f"P{n}",
            email=f"p{n}@example.test",
            email_index=f"i{n}",
            status="confirmed",
        )
        OldResponse.objects.create(
            registration=registration,
            event=event,
            usefulness=5,
            confidence="yes",
            extra_answer=extra,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    (question,) = SurveyQuestion.objects.all()
    assert (question.event_id, question.position, question.text, question.kind) == (
        asked.pk,
        1,
        "What should we change?",
        "text",
    )
    assert not question.required
    assert [a.text for a in SurveyAnswer.objects.all()] == ["Shorter breaks"]  # decrypted
    assert SurveyResponse.objects.count() == 3
