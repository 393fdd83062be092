"""Trainings and events, and the registrations of the people who come (docs/events.md).

An event's public fields are public. A registration holds personal data (name, e-mail,
organisation, accessibility needs): encrypted at rest, shown only on staff pages. The e-mail
is also kept as a blind index so that registering twice with the same address finds the
first registration.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heatwatch.lib.fields import EncryptedTextField


class Kind(models.TextChoices):
    COALITION = "coalition", _("Quarterly coalition training")
    TRAINING = "training", _("Training")
    WEBINAR = "webinar", _("Webinar")
    OUTREACH = "outreach", _("Outreach event")
    YOUTH = "youth", _("Youth event")
    FUNDRAISER = "fundraiser", _("Fundraiser")


class Audience(models.TextChoices):
    POLICE = "police", _("Police")
    PROBATION = "probation", _("Probation")
    SOCIAL_SERVICES = "social_services", _("Social services")
    SCHOOL = "school", _("Schools")
    HOSPITAL = "hospital", _("Hospitals and health care")
    PROSECUTOR = "prosecutor", _("Prosecutors")
    COMMUNITY = "community", _("Community groups")
    LABOUR = "labour", _("Labour unions")
    ELECTED = "elected", _("Elected officials")
    YOUTH = "youth", _("Youth")
    PUBLIC = "public", _("General public")
    OTHER = "other", _("Other")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    BOTH = "en-es", _("English and Spanish")


class Cadence(models.TextChoices):
    QUARTERLY = "quarterly", _("The four quarterly dates (every three months)")
    WEEKLY = "weekly", _("Weekly")


class EventSeries(models.Model):
    """Events created together (the four quarterly coalition dates, a weekly webinar); they
    can be edited one by one or all at once (``version`` for the edit of all)."""

    title = models.CharField(max_length=200)
    cadence = models.CharField(max_length=12, choices=Cadence.choices)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Event(models.Model):
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TRAINING)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    audiences = models.JSONField(default=list, blank=True)  # Audience values
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.ENGLISH)
    venue_address = models.CharField(max_length=300, blank=True)
    venue_room = models.CharField(max_length=120, blank=True)
    accessibility_notes = models.TextField(blank=True)
    # Shown only to registered people (in their confirmation), never on a public page.
    online_url = models.URLField(max_length=500, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_closes_at = models.DateTimeField(null=True, blank=True)
    is_public = models.BooleanField(default=True)
    city = models.CharField(max_length=100, blank=True)  # for the reports by city
    # Shown on the public page; staff users linked here see the registrations and check in.
    presenter_names = models.CharField(max_length=300, blank=True)
    presenters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="presented_events"
    )
    # A registrant may cancel a confirmed place until this many hours before the start.
    cancel_cutoff_hours = models.PositiveIntegerField(default=0)
    # Places one registration may take (a school registering three counsellors).
    max_places = models.PositiveSmallIntegerField(default=1)
    # The follow-up survey's questions of the event's own: ``survey_questions``.
    series = models.ForeignKey(
        EventSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    # When the registrants' names, e-mails and needs were erased (the counts are kept).
    personal_data_purged_at = models.DateTimeField(null=True, blank=True)
    # A cancelled event stays listed (marked) and in the feed as STATUS:CANCELLED.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # RFC 5545: one UID for the life of the event; SEQUENCE is ``version``.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gt=0), name="event_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events_public:detail", args=[self.public_key])

    @property
    def public_key(self) -> str:
        """What its public addresses carry: the slug, or for an invite-only event the private
        UUID (its slug does not open it)."""
        return self.slug if self.is_public else str(self.uid)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_online(self) -> bool:
        return bool(self.online_url) and not self.venue_address

    @property
    def ical_uid(self) -> str:
        return f"event-{self.uid}@heatwatch"

    def audience_labels(self) -> list[str]:
        labels = dict(Audience.choices)
        return [str(labels.get(a, a)) for a in self.audiences]

    @property
    def cancel_until(self) -> datetime:
        """The last moment a registrant may cancel a confirmed place."""
        return self.starts_at - timedelta(hours=self.cancel_cutoff_hours)


class Material(models.Model):
    """Something used at an event: a link (title and URL) or a page of the site (any Wagtail
    page, chosen generically; the toolkit's pages when they exist)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def href(self) -> str:
        if self.page_id and self.page is not None:
            return str(self.page.url or "")
        return self.url


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    # A freed place held for the next person on the waitlist until ``hold_expires_at``.
    OFFERED = "offered", _("Place offered (on hold)")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    name = EncryptedTextField()
    email = EncryptedTextField()
    email_index = models.CharField(max_length=64)  # lib.crypto.blind_index of the e-mail
    organisation = EncryptedTextField(blank=True)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.OTHER)
    sector = models.CharField(max_length=20, blank=True)  # Sector values ("" not given)
    accessibility_needs = EncryptedTextField(blank=True)
    status = models.CharField(max_length=12, choices=RegistrationStatus.choices)
    places = models.PositiveSmallIntegerField(default=1)
    # A place offered from the waitlist is held until then (status OFFERED).
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    # Added at the door by staff: attended without a booking (not counted against capacity).
    walk_in = models.BooleanField(default=False)
    survey_sent_at = models.DateTimeField(null=True, blank=True)
    # The calendar entry's UID (RFC 5545) and, signed, the registrant's personal link.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    language = models.CharField(max_length=8, default="en")
    # Waitlist order: who has waited longest (set when joining the waitlist).
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "email_index"], name="registration_once"),
        ]
        indexes = [
            models.Index(fields=["event", "status"]),
            models.Index(fields=["status", "hold_expires_at"]),
        ]

    def __str__(self) -> str:
        return f"registration {self.pk} for event {self.event_id}"

    def get_sector_display(self) -> str:
        return str(dict(Sector.choices).get(self.sector, self.sector))

    @property
    def ical_uid(self) -> str:
        return f"registration-{self.uid}@heatwatch"


class Sector(models.TextChoices):
    POLICE = "police", _("Police")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital or clinic")
    PROBATION = "probation", _("Probation")
    SOCIAL_SERVICES = "social_services", _("Social services")
    COMMUNITY = "community", _("Community group")
    FAITH = "faith", _("Faith group")
    LABOUR = "labour", _("Labour union")
    ELECTED = "elected", _("Elected office")
    OTHER = "other", _("Other")


class Topic(models.TextChoices):
    RED_FLAGS = "red_flags", _("Red flags")
    MYTHS = "myths", _("Myths and facts")
    THE_GAME = "the_game", _("“The game”")
    LOCAL_DATA = "local_data", _("Local data")
    DISABILITIES = "disabilities", _("Serving youth with disabilities")
    RESPONDING = "responding", _("How to respond and report")


class DeliveryFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    EITHER = "either", _("Either")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TrainingRequest(models.Model):
    """A training asked for on the public form; accepting it creates the event."""

    organisation = models.CharField(max_length=200)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    contact_name = EncryptedTextField()
    contact_email = EncryptedTextField()
    contact_phone = EncryptedTextField(blank=True)
    audience = models.CharField(max_length=300, blank=True)
    approximate_size = models.PositiveIntegerField()
    preferred_dates = models.CharField(max_length=500, blank=True)
    topics = models.JSONField(default=list, blank=True)  # Topic values
    other_topics = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.ENGLISH)
    delivery = models.CharField(
        max_length=10, choices=DeliveryFormat.choices, default=DeliveryFormat.EITHER
    )
    location = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decline_reason = models.TextField(blank=True)
    event = models.OneToOneField(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="training_request"
    )
    # Signed, the requester's personal link (see or withdraw the request).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request_language = models.CharField(max_length=8, default="en")  # of the e-mails
    version = models.PositiveIntegerField(default=1)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"training request {self.pk}"

    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(t, t)) for t in self.topics]


# What a training request's sector means as the audience of its event.
SECTOR_AUDIENCE = {
    Sector.POLICE: Audience.POLICE,
    Sector.SCHOOL: Audience.SCHOOL,
    Sector.HOSPITAL: Audience.HOSPITAL,
    Sector.PROBATION: Audience.PROBATION,
    Sector.SOCIAL_SERVICES: Audience.SOCIAL_SERVICES,
    Sector.COMMUNITY: Audience.COMMUNITY,
    Sector.FAITH: Audience.COMMUNITY,
    Sector.LABOUR: Audience.LABOUR,
    Sector.ELECTED: Audience.ELECTED,
    Sector.OTHER: Audience.OTHER,
}


class Usefulness(models.IntegerChoices):
    VERY = 5, _("Very useful")
    QUITE = 4, _("Useful")
    SOMEWHAT = 3, _("Somewhat useful")
    LITTLE = 2, _("Not very useful")
    NOT = 1, _("Not useful")


class Confidence(models.TextChoices):
    YES = "yes", _("Yes")
    SOMEWHAT = "somewhat", _("Somewhat")
    NO = "no", _("No")


class SurveyResponse(models.Model):
    """One attendee's answers to the follow-up survey (answered once). Kept after the
    registrants' personal data is purged: the answers name nobody."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="survey_response"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="survey_responses")
    usefulness = models.PositiveSmallIntegerField(choices=Usefulness.choices)
    confidence = models.CharField(max_length=10, choices=Confidence.choices)
    learn_next = EncryptedTextField(blank=True)
    # The answers to the event's own questions: ``answers``.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"survey response {self.pk}"


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Free text")
    SCALE = "scale", _("A scale from 1 to 5")


class SurveyQuestion(models.Model):
    """A question of the event's own in its follow-up survey, after the three standard ones
    (the coordinator writes it; at most ``services.MAX_SURVEY_QUESTIONS`` per event)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="survey_questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=8, choices=QuestionKind.choices, default=QuestionKind.TEXT)
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "position"], name="survey_question_position"),
        ]

    def __str__(self) -> str:
        return self.text


class SurveyAnswer(models.Model):
    """One answer to one of the event's own questions: text, or a point on the 1-5 scale."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    # RESTRICT: a question with answers is not deleted on its own (services refuse to change
    # the questions once there are answers), only with its event.
    question = models.ForeignKey(SurveyQuestion, on_delete=models.RESTRICT, related_name="answers")
    text = EncryptedTextField(blank=True)
    scale = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["question__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once"),
            models.CheckConstraint(
                condition=models.Q(scale__isnull=True) | models.Q(scale__gte=1, scale__lte=5),
                name="survey_answer_scale_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"survey answer {self.pk}"
