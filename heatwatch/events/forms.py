"""Forms of the events app: the public registration form and the coordinators' event form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heatwatch.events import services
from heatwatch.events.models import (
    Audience,
    DeliveryFormat,
    Event,
    Kind,
    Language,
    Sector,
    Topic,
    TrainingRequest,
)

LIMITS = services.TEXT_LIMITS


class RegistrationForm(forms.Form):
    """Register without an account; every field bounded."""

    name = forms.CharField(label=_("Your name"), max_length=LIMITS["name"])
    email = forms.EmailField(
        label=_("Your e-mail"),
        max_length=LIMITS["email"],
        help_text=_("We send your confirmation and your personal link here."),
    )
    organisation = forms.CharField(
        label=_("Organisation (optional)"), max_length=LIMITS["organisation"], required=False
    )
    audience = forms.ChoiceField(
        label=_("Which describes you best?"), choices=Audience.choices, initial=Audience.OTHER
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs (optional)"),
        max_length=LIMITS["accessibility_needs"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Interpretation, seating, hearing loop, anything that helps you take part."),
    )
    # Honeypot: hidden from people, filled by bots (see views.event_detail).
    website = forms.CharField(required=False, label=_("Leave this field empty"), max_length=200)

    def to_input(self, *, language: str) -> services.RegistrationInput:
        d = self.cleaned_data
        return services.RegistrationInput(
            name=d["name"],
            email=d["email"],
            organisation=d["organisation"],
            audience=d["audience"],
            accessibility_needs=d["accessibility_needs"],
            language=language,
        )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _when(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class EventForm(forms.Form):
    """Create or edit an event (times in the program's time zone)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Kind of event"), choices=Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=LIMITS["title"])
    description = forms.CharField(
        label=_("Description"),
        max_length=LIMITS["description"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    audiences = forms.MultipleChoiceField(
        label=_("Audience"),
        choices=Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    starts_at = _when(_("Starts"))
    ends_at = _when(_("Ends"))
    venue_address = forms.CharField(
        label=_("Address"), max_length=LIMITS["venue_address"], required=False
    )
    venue_room = forms.CharField(label=_("Room"), max_length=LIMITS["venue_room"], required=False)
    accessibility_notes = forms.CharField(
        label=_("Accessibility of the place"),
        max_length=LIMITS["accessibility_notes"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    online_url = forms.URLField(
        label=_("Online link"),
        max_length=LIMITS["online_url"],
        required=False,
        assume_scheme="https",
        help_text=_("Sent only to people with a confirmed place; never shown on the public page."),
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=100_000)
    registration_opens_at = _when(
        _("Registration opens"), required=False, help_text=_("Empty: open now.")
    )
    registration_closes_at = _when(
        _("Registration closes"), required=False, help_text=_("Empty: when the event starts.")
    )
    is_public = forms.BooleanField(
        label=_("Public"),
        required=False,
        initial=True,
        help_text=_(
            "Untick for an invite-only event: it is not listed, and only people with its private "
            "link can register."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if isinstance(starts, datetime) and isinstance(ends, datetime) and ends <= starts:
            self.add_error("ends_at", _("The event must end after it starts."))
        return data

    def to_input(self) -> services.EventInput:
        d = self.cleaned_data
        return services.EventInput(
            kind=d["kind"],
            title=d["title"],
            description=d["description"],
            audiences=list(d["audiences"]),
            language=d["language"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            venue_address=d["venue_address"],
            venue_room=d["venue_room"],
            accessibility_notes=d["accessibility_notes"],
            online_url=d["online_url"],
            capacity=d["capacity"],
            registration_opens_at=d["registration_opens_at"],
            registration_closes_at=d["registration_closes_at"],
            is_public=bool(d["is_public"]),
        )

    @classmethod
    def initial_from(cls, event: Event) -> dict[str, Any]:
        return {
            "version": event.version,
            "kind": event.kind,
            "title": event.title,
            "description": event.description,
            "audiences": event.audiences,
            "language": event.language,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "venue_address": event.venue_address,
            "venue_room": event.venue_room,
            "accessibility_notes": event.accessibility_notes,
            "online_url": event.online_url,
            "capacity": event.capacity,
            "registration_opens_at": event.registration_opens_at,
            "registration_closes_at": event.registration_closes_at,
            "is_public": event.is_public,
        }


class CheckInForm(forms.Form):
    checked_in = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", initial="1"
    )


class TrainedRangeForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end of the range must be after its start."))
        return data


RL = services.REQUEST_LIMITS


class TrainingRequestForm(forms.Form):
    """The public training request form; every field bounded."""

    organisation = forms.CharField(label=_("Organisation"), max_length=RL["organisation"])
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    contact_name = forms.CharField(label=_("Your name"), max_length=RL["contact_name"])
    contact_email = forms.EmailField(label=_("Your e-mail"), max_length=RL["contact_email"])
    contact_phone = forms.CharField(
        label=_("Your phone (optional)"), max_length=RL["contact_phone"], required=False
    )
    audience = forms.CharField(
        label=_("Who would attend?"),
        max_length=RL["audience"],
        required=False,
        help_text=_("For example: school counsellors and teachers."),
    )
    approximate_size = forms.IntegerField(
        label=_("About how many people?"), min_value=1, max_value=10_000
    )
    preferred_dates = forms.CharField(
        label=_("Preferred dates (optional)"), max_length=RL["preferred_dates"], required=False
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_topics = forms.CharField(
        label=_("Other topics (optional)"), max_length=RL["other_topics"], required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    delivery = forms.ChoiceField(
        label=_("In person or online?"),
        choices=DeliveryFormat.choices,
        initial=DeliveryFormat.EITHER,
        widget=forms.RadioSelect,
    )
    location = forms.CharField(
        label=_("Where (for a training in person)"), max_length=RL["location"], required=False
    )
    website = forms.CharField(required=False, label=_("Leave this field empty"), max_length=200)

    def to_input(self, *, language: str) -> services.TrainingRequestInput:
        d = self.cleaned_data
        return services.TrainingRequestInput(
            organisation=d["organisation"],
            sector=d["sector"],
            contact_name=d["contact_name"],
            contact_email=d["contact_email"],
            contact_phone=d["contact_phone"],
            audience=d["audience"],
            approximate_size=d["approximate_size"],
            preferred_dates=d["preferred_dates"],
            topics=list(d["topics"]),
            other_topics=d["other_topics"],
            language=d["language"],
            delivery=d["delivery"],
            location=d["location"],
            request_language=language,
        )


def accept_initial(request: TrainingRequest) -> dict[str, Any]:
    """The event form, filled in from a training request (dates are the coordinator's)."""
    return {
        "version": request.version,
        "kind": Kind.TRAINING,
        "title": _("Training for %(organisation)s") % {"organisation": request.organisation},
        "description": ", ".join(request.topic_labels()),
        "language": request.language,
        "venue_address": request.location,
        "capacity": request.approximate_size,
        "is_public": False,
    }


class DeclineForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason (sent to the requester)"),
        max_length=RL["decline_reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
