"""The follow-up survey: mailed to attendees only (check-ins, not sign-ups) once the event
is over, answered on the site without an account through a signed link, once.

Three questions are the same for every event (how useful, more able to recognise and
respond, what to learn next), so events can be compared; the coordinator adds up to
``services.MAX_SURVEY_QUESTIONS`` of the event's own (``SurveyQuestion``: free text or a
scale from 1 to 5, required or optional), answered one row each (``SurveyAnswer``). Answers
name nobody and are kept when the registrants' personal data is purged.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.events.models import (
    Confidence,
    Event,
    QuestionKind,
    Registration,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    Usefulness,
)
from heatwatch.events.models import RegistrationStatus as Status
from heatwatch.events.services import EventError
from heatwatch.lib.links import absolute_url

SURVEY_SALT = "heatwatch.events.survey"
# Surveys go out for events that ended within this window (a worker down for a while still
# sends them; an old event is not surveyed out of the blue).
SEND_WINDOW = timedelta(days=7)
ANSWER_LIMIT = 1000


class SurveyAnswered(EventError):
    """This registration has already answered the survey."""


def survey_key(registration: Registration) -> str:
    return signing.TimestampSigner(salt=SURVEY_SALT).sign(str(registration.uid))


def registration_for_survey_key(key: str) -> Registration | None:
    """The attendee of a survey link; None when forged, unknown, expired or not an attendee."""
    max_age = timedelta(days=settings.HEATWATCH_EVENT_SURVEY_LINK_DAYS)
    try:
        uid = uuid.UUID(signing.TimestampSigner(salt=SURVEY_SALT).unsign(key, max_age=max_age))
    except (signing.BadSignature, ValueError):
        return None
    return (
        Registration.objects.select_related("event")
        .filter(uid=uid, status=Status.CONFIRMED, checked_in_at__isnull=False)
        .first()
    )


def surveys_send(*, now: datetime | None = None) -> int:
    """Mail the survey to every attendee with an e-mail of events that ended in the last
    SEND_WINDOW and were not cancelled, once each (``survey_sent_at`` is set in the same
    transaction as the claim, so a second run sends nothing). Returns how many were sent."""
    now = now or timezone.now()
    ids = list(
        Registration.objects.filter(
            status=Status.CONFIRMED,
            checked_in_at__isnull=False,
            survey_sent_at__isnull=True,
            event__ends_at__lte=now,
            event__ends_at__gt=now - SEND_WINDOW,
            event__cancelled_at__isnull=True,
            event__personal_data_purged_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    sent = 0
    for registration_id in ids:
        with transaction.atomic():
            row = (
                Registration.objects.select_for_update(skip_locked=True)
                .select_related("event")
                .filter(pk=registration_id, survey_sent_at__isnull=True)
                .first()
            )
            if row is None:
                continue
            row.survey_sent_at = now
            row.save(update_fields=["survey_sent_at", "updated_at"])
            if row.email:
                transaction.on_commit(partial(send_survey, row.pk))
                sent += 1
    return sent


def send_survey(registration_id: int) -> None:
    registration = Registration.objects.select_related("event").get(pk=registration_id)
    event = registration.event
    with translation.override(registration.language):
        program = settings.HEATWATCH_PROGRAM["name"]
        link = absolute_url(reverse("events_public:survey", args=[survey_key(registration)]))
        lines = [
            _("Thank you for coming to %(title)s.") % {"title": event.title},
            "",
            _("A few short questions help us make the next training better: %(url)s")
            % {"url": link},
            "",
            _("The link works for %(days)d days. Your answers are not linked to your name.")
            % {"days": settings.HEATWATCH_EVENT_SURVEY_LINK_DAYS},
        ]
        EmailMessage(
            subject=_("[%(program)s] How was it? %(title)s")
            % {"program": program, "title": event.title},
            body="\n".join(lines) + "\n",
            to=[registration.email],
        ).send()


@transaction.atomic
def survey_submit(
    *,
    registration: Registration,
    usefulness: int,
    confidence: str,
    learn_next: str = "",
    answers: Mapping[int, str | int | None] | None = None,
) -> SurveyResponse:
    """Record one attendee's answers: the three standard ones, and ``answers`` to the event's
    own questions by question id (text, or 1 to 5 for a scale; empty or None: not answered).
    Raises EventError for an answer out of bounds, a required one missing or a question that
    is not this event's; a second answer raises SurveyAnswered."""
    answers = dict(answers or {})
    if usefulness not in Usefulness.values or confidence not in Confidence.values:
        raise EventError(_("Choose an answer for each question."))
    if len(learn_next) > ANSWER_LIMIT:
        raise EventError(_("An answer is too long."))
    questions = list(SurveyQuestion.objects.filter(event_id=registration.event_id))
    if set(answers) - {q.pk for q in questions}:
        raise EventError(_("These answers are not for this survey's questions."))
    rows: list[SurveyAnswer] = []
    for question in questions:
        value = answers.get(question.pk)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            if question.required:
                raise EventError(_("Answer every question that is not marked optional."))
            continue
        if question.kind == QuestionKind.SCALE:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise EventError(_("Choose a point from 1 to 5."))
            rows.append(SurveyAnswer(question=question, scale=value))
        else:
            if not isinstance(value, str):
                raise EventError(_("These answers are not for this survey's questions."))
            if len(value) > ANSWER_LIMIT:
                raise EventError(_("An answer is too long."))
            rows.append(SurveyAnswer(question=question, text=value))
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                registration=registration,
                event_id=registration.event_id,
                usefulness=usefulness,
                confidence=confidence,
                learn_next=learn_next.strip(),
            )
    except IntegrityError:
        raise SurveyAnswered(_("Thank you: you have already answered this survey.")) from None
    for row in rows:
        row.response = response
    SurveyAnswer.objects.bulk_create(rows)
    audit_log(action=Action.CREATE, obj=response)
    return response


@dataclass
class QuestionResults:
    """The answers to one question: counts by point for a scale, the texts for free text."""

    text: str
    kind: str
    answered: int = 0
    counts: list[tuple[str, int]] = field(default_factory=list)  # (label, how many)
    average: float | None = None
    texts: list[str] = field(default_factory=list)


@dataclass
class SurveyResults:
    responses: int
    questions: list[QuestionResults]


def survey_results(*, event: Event, user: User) -> SurveyResults:
    """The event's survey answers, question by question (they name nobody; the free texts
    are read, so the read is audited). The same few queries whatever the number of answers."""
    responses = list(
        SurveyResponse.objects.filter(event=event).only("usefulness", "confidence", "learn_next")
    )
    own = list(SurveyQuestion.objects.filter(event=event))
    answers = list(
        SurveyAnswer.objects.filter(question__event=event).only("question_id", "text", "scale")
    )
    usefulness = Counter(r.usefulness for r in responses)
    confidence = Counter(r.confidence for r in responses)
    results = [
        QuestionResults(
            text=str(_("How useful was it for your work or your life?")),
            kind=QuestionKind.SCALE,
            answered=len(responses),
            counts=[(str(label), usefulness[value]) for value, label in Usefulness.choices],
            average=_average(usefulness),
        ),
        QuestionResults(
            text=str(
                _("Do you feel more able to recognise the signs of exploitation and to respond?")
            ),
            kind="choice",
            answered=len(responses),
            counts=[(str(label), confidence[value]) for value, label in Confidence.choices],
        ),
        QuestionResults(
            text=str(_("What would you like to learn next? (optional)")),
            kind=QuestionKind.TEXT,
            texts=[r.learn_next for r in responses if r.learn_next],
        ),
    ]
    results[2].answered = len(results[2].texts)
    for question in own:
        mine = [a for a in answers if a.question_id == question.pk]
        if question.kind == QuestionKind.SCALE:
            points: Counter[int] = Counter(a.scale for a in mine if a.scale is not None)
            results.append(
                QuestionResults(
                    text=question.text,
                    kind=question.kind,
                    answered=sum(points.values()),
                    counts=[(str(n), points[n]) for n in range(1, 6)],
                    average=_average(points),
                )
            )
        else:
            texts = [a.text for a in mine if a.text]
            results.append(
                QuestionResults(
                    text=question.text, kind=question.kind, answered=len(texts), texts=texts
                )
            )
    audit_log(action=Action.READ, actor=user, obj=event, reason="survey answers")
    return SurveyResults(responses=len(responses), questions=results)


def _average(counts: Counter[int]) -> float | None:
    total = sum(counts.values())
    if not total:
        return None
    return round(sum(value * n for value, n in counts.items()) / total, 1)
