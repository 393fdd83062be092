"""An event's own follow-up survey questions (besides the three standard ones): checked, compared
and replaced with the event's writes in ``services``; kept as they are once anyone answered."""

from __future__ import annotations

from django.utils.translation import gettext as _

from heatwatch.events.models import Event, QuestionKind, SurveyQuestion
from heatwatch.events.services._base import (
    MAX_SURVEY_QUESTIONS,
    SURVEY_QUESTION_LIMIT,
    EventError,
    SurveyQuestionInput,
)


def _validate_questions(questions: list[SurveyQuestionInput]) -> None:
    if len(questions) > MAX_SURVEY_QUESTIONS:
        raise EventError(
            _("The survey can have at most %(most)d questions of your own.")
            % {"most": MAX_SURVEY_QUESTIONS}
        )
    for question in questions:
        if not question.text.strip():
            raise EventError(_("A survey question needs its text."))
        if len(question.text.strip()) > SURVEY_QUESTION_LIMIT:
            raise EventError(
                _("A survey question is too long (at most %(limit)d characters).")
                % {"limit": SURVEY_QUESTION_LIMIT}
            )
        if question.kind not in QuestionKind.values:
            raise EventError(_("Choose how each survey question is answered."))


def _questions_of(event: Event) -> list[SurveyQuestionInput]:
    return [
        SurveyQuestionInput(text=q.text, kind=q.kind, required=q.required)
        for q in event.survey_questions.all()
    ]


def _stripped(questions: list[SurveyQuestionInput]) -> list[SurveyQuestionInput]:
    return [
        SurveyQuestionInput(text=q.text.strip(), kind=q.kind, required=q.required)
        for q in questions
    ]


def _set_survey_questions(event: Event, questions: list[SurveyQuestionInput]) -> bool:
    """Replace the event's own survey questions; True when they changed. Once someone has
    answered the survey they are kept as they are (an answer keeps the question it answered)."""
    wanted = _stripped(questions)
    if wanted == _questions_of(event):
        return False
    if event.survey_responses.exists():
        raise EventError(
            _("People have answered this event's survey: its questions can no longer change.")
        )
    event.survey_questions.all().delete()
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(event=event, position=n, text=q.text, kind=q.kind, required=q.required)
        for n, q in enumerate(wanted, start=1)
    )
    return True
