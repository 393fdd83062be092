"""The follow-up survey: mailed to attendees only (check-ins, not sign-ups) once the event
is over, answered on the site without an account through a signed link, once.

Three questions are the same for every event (how useful, more able to recognise and
respond, what to learn next); an event may add one question of its own
(``Event.survey_question``). Answers name nobody and are kept when the registrants'
personal data is purged.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.events.models import Confidence, Registration, SurveyResponse, Usefulness
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
            _("Three short questions help us make the next training better: %(url)s")
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
    extra_answer: str = "",
) -> SurveyResponse:
    """Record one attendee's answers; a second answer raises SurveyAnswered."""
    if usefulness not in Usefulness.values or confidence not in Confidence.values:
        raise EventError(_("Choose an answer for each question."))
    if len(learn_next) > ANSWER_LIMIT or len(extra_answer) > ANSWER_LIMIT:
        raise EventError(_("An answer is too long."))
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                registration=registration,
                event_id=registration.event_id,
                usefulness=usefulness,
                confidence=confidence,
                learn_next=learn_next.strip(),
                extra_answer=extra_answer.strip() if registration.event.survey_question else "",
            )
    except IntegrityError:
        raise SurveyAnswered(_("Thank you: you have already answered this survey.")) from None
    audit_log(action=Action.CREATE, obj=response)
    return response
