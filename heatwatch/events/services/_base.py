"""What the events services share: limits, the domain errors and the input records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from heatwatch.events.models import (
    Audience,
    Language,
    QuestionKind,
    Registration,
)
from heatwatch.lib.versioning import StaleEdit

EMAIL_INDEX_CONTEXT = "events.registration.email"
MANAGE_SALT = "heatwatch.events.registration.manage"
REQUEST_SALT = "heatwatch.events.training-request.manage"
# Slugs the public URLs use for other pages.
RESERVED_SLUGS = frozenset({"calendar", "registration", "survey"})
# A change of these re-sends registrants the event's calendar entry (a higher SEQUENCE).
CALENDAR_FIELDS = frozenset(
    {"title", "starts_at", "ends_at", "venue_address", "venue_room", "online_url"}
)

TEXT_LIMITS = {
    "title": 200,
    "description": 5000,
    "venue_address": 300,
    "venue_room": 120,
    "accessibility_notes": 1000,
    "online_url": 500,
    "name": 120,
    "email": 254,
    "organisation": 200,
    "accessibility_needs": 1000,
    "city": 100,
    "presenter_names": 300,
}
# The follow-up survey: questions of an event's own (after the three standard ones).
MAX_SURVEY_QUESTIONS = 5
SURVEY_QUESTION_LIMIT = 300
# The longest cancellation cut-off an event may set (30 days).
MAX_CUTOFF_HOURS = 720

REQUEST_LIMITS = {
    "organisation": 200,
    "contact_name": 120,
    "contact_email": 254,
    "contact_phone": 40,
    "audience": 300,
    "preferred_dates": 500,
    "other_topics": 500,
    "location": 300,
    "decline_reason": 2000,
}


class EventError(ValueError):
    """A change that breaks an events rule; the message is safe to show."""


class StaleEvent(EventError, StaleEdit):
    """Someone else changed the event since this form was loaded (no lost update)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this event while you were editing it. Your changes were "
                "not saved; review the event and make them again."
            )
        )


class RegistrationClosed(EventError):
    """Registration is not open for this event (not yet, no longer, or it has started)."""


class RegistrationThrottled(EventError):
    """Too many registrations from this source in the last hour."""


@dataclass
class EventInput:
    """What a coordinator sets on an event (one form, one API body)."""

    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    description: str = ""
    audiences: list[str] = field(default_factory=list)
    language: str = Language.ENGLISH
    venue_address: str = ""
    venue_room: str = ""
    accessibility_notes: str = ""
    online_url: str = ""
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    is_public: bool = True
    city: str = ""
    presenter_names: str = ""
    # Staff users who present it: they see its registrations and check people in.
    presenter_ids: list[int] = field(default_factory=list)
    cancel_cutoff_hours: int = 0
    max_places: int = 1
    # The follow-up survey's questions of the event's own, in order (at most
    # MAX_SURVEY_QUESTIONS); they can no longer change once someone has answered.
    survey_questions: list[SurveyQuestionInput] = field(default_factory=list)


@dataclass(frozen=True)
class SurveyQuestionInput:
    """One question of an event's own survey: free text or a scale from 1 to 5."""

    text: str
    kind: str = QuestionKind.TEXT
    required: bool = False


@dataclass
class MaterialInput:
    """One material of an event: a link (title and URL) or a page of the site."""

    title: str
    url: str = ""
    page_id: int | None = None


@dataclass
class RegistrationInput:
    """What a registrant types on the public form."""

    name: str
    email: str
    organisation: str = ""
    audience: str = Audience.OTHER
    accessibility_needs: str = ""
    language: str = "en"
    sector: str = ""
    places: int = 1


@dataclass
class RegistrationResult:
    registration: Registration
    created: bool  # False: this e-mail was already registered (nothing new was made)
