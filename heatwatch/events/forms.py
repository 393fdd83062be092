"""Forms of the events app: the public registration form and the coordinators' event form."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from heatwatch.accounts.models import User
from heatwatch.events import services
from heatwatch.events.models import (
    SECTOR_AUDIENCE,
    Audience,
    Cadence,
    Confidence,
    DeliveryFormat,
    Event,
    Kind,
    Language,
    QuestionKind,
    Sector,
    SurveyQuestion,
    Topic,
    TrainingRequest,
    Usefulness,
)
from heatwatch.events.surveys import ANSWER_LIMIT

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
    sector = forms.ChoiceField(
        label=_("Your sector (optional)"),
        choices=[("", _("Not given")), *Sector.choices],
        required=False,
    )
    places = forms.IntegerField(
        label=_("Number of places"),
        min_value=1,
        initial=1,
        required=False,
        help_text=_("For yourself and colleagues who come with you."),
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

    def __init__(self, *args: Any, event: Event | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        most = event.max_places if event is not None else 1
        places = cast(forms.IntegerField, self.fields["places"])
        places.max_value = most
        places.validators.append(MaxValueValidator(most))
        places.widget.attrs["max"] = str(most)
        if most <= 1:
            places.widget = forms.HiddenInput()

    def to_input(self, *, language: str) -> services.RegistrationInput:
        d = self.cleaned_data
        return services.RegistrationInput(
            name=d["name"],
            email=d["email"],
            organisation=d["organisation"],
            audience=d["audience"],
            sector=d["sector"],
            places=d["places"] or 1,
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
    city = forms.CharField(
        label=_("City"),
        max_length=LIMITS["city"],
        required=False,
        help_text=_("For the reports by city."),
    )
    presenter_names = forms.CharField(
        label=_("Presenters"),
        max_length=LIMITS["presenter_names"],
        required=False,
        help_text=_("As shown on the public page."),
    )
    presenters = forms.ModelMultipleChoiceField(
        label=_("Presenters with a staff account"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They see this event's registrations and check people in."),
    )
    cancel_cutoff_hours = forms.IntegerField(
        label=_("Cancelling closes (hours before the start)"),
        min_value=0,
        max_value=services.MAX_CUTOFF_HOURS,
        initial=0,
        required=False,
        help_text=_("0: registrants can cancel until the start."),
    )
    max_places = forms.IntegerField(
        label=_("Places one registration may take"), min_value=1, initial=1, required=False
    )

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The follow-up survey's questions of the event's own: a row of three fields each.
        for n in range(1, services.MAX_SURVEY_QUESTIONS + 1):
            self.fields[f"question_{n}_text"] = forms.CharField(
                label=_("Question %(n)d") % {"n": n},
                max_length=services.SURVEY_QUESTION_LIMIT,
                required=False,
                help_text=_("Leave it empty for no question.") if n == 1 else "",
            )
            self.fields[f"question_{n}_kind"] = forms.ChoiceField(
                label=_("Answered with"),
                choices=QuestionKind.choices,
                initial=QuestionKind.TEXT,
                required=False,  # a form without the survey rows (accepting a request) is valid
            )
            self.fields[f"question_{n}_required"] = forms.BooleanField(
                label=_("An answer is required"), required=False
            )
        presenters = cast(forms.ModelMultipleChoiceField, self.fields["presenters"])
        presenters.queryset = (
            User.objects.filter(is_active=True, memberships__is_active=True)
            .distinct()
            .order_by("username")
        )
        most = cast(forms.IntegerField, self.fields["max_places"])
        most.max_value = settings.HEATWATCH_EVENT_MAX_PLACES
        most.validators.append(MaxValueValidator(most.max_value))
        if kinds is not None:
            kind = cast(forms.ChoiceField, self.fields["kind"])
            kind.choices = [(v, label) for v, label in Kind.choices if v in kinds]

    def question_rows(self) -> list[tuple[int, Any, Any, Any]]:
        """The survey question fields, one row per question, for the template."""
        return [
            (
                n,
                self[f"question_{n}_text"],
                self[f"question_{n}_kind"],
                self[f"question_{n}_required"],
            )
            for n in range(1, services.MAX_SURVEY_QUESTIONS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if isinstance(starts, datetime) and isinstance(ends, datetime) and ends <= starts:
            self.add_error("ends_at", _("The event must end after it starts."))
        return data

    def survey_questions(self) -> list[services.SurveyQuestionInput]:
        """The questions typed, in order; an empty row is no question."""
        d = self.cleaned_data
        return [
            services.SurveyQuestionInput(
                text=d[f"question_{n}_text"].strip(),
                kind=d.get(f"question_{n}_kind") or QuestionKind.TEXT,
                required=bool(d.get(f"question_{n}_required")),
            )
            for n in range(1, services.MAX_SURVEY_QUESTIONS + 1)
            if d.get(f"question_{n}_text", "").strip()
        ]

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
            city=d["city"],
            presenter_names=d["presenter_names"],
            presenter_ids=[u.pk for u in d["presenters"]],
            cancel_cutoff_hours=d["cancel_cutoff_hours"] or 0,
            max_places=d["max_places"] or 1,
            survey_questions=self.survey_questions(),
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
            "city": event.city,
            "presenter_names": event.presenter_names,
            "presenters": list(event.presenters.values_list("pk", flat=True)),
            "cancel_cutoff_hours": event.cancel_cutoff_hours,
            "max_places": event.max_places,
            **{
                key: value
                for n, question in enumerate(event.survey_questions.all(), start=1)
                for key, value in (
                    (f"question_{n}_text", question.text),
                    (f"question_{n}_kind", question.kind),
                    (f"question_{n}_required", question.required),
                )
            },
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
        "language": request.language,
        "venue_address": request.location,
        "capacity": request.approximate_size,
        "is_public": False,
        # The request's sector is the event's audience; who would attend, as typed, is kept
        # in the description for the coordinator to adjust.
        "audiences": [SECTOR_AUDIENCE.get(Sector(request.sector), Audience.OTHER).value]
        if request.sector in Sector.values
        else [],
        "description": "\n".join(
            part
            for part in (
                ", ".join(request.topic_labels()),
                str(_("Who would attend: %(audience)s") % {"audience": request.audience})
                if request.audience
                else "",
            )
            if part
        ),
        "max_places": min(request.approximate_size, settings.HEATWATCH_EVENT_MAX_PLACES),
    }


class DeclineForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason (sent to the requester)"),
        max_length=RL["decline_reason"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SeriesForm(EventForm):
    """Create a series: the first date in the event form, and how the others follow."""

    cadence = forms.ChoiceField(label=_("Dates"), choices=Cadence.choices, widget=forms.RadioSelect)
    count = forms.IntegerField(
        label=_("How many weekly dates"),
        min_value=2,
        max_value=services.MAX_SERIES_WEEKS,
        initial=6,
        required=False,
        help_text=_("Only for a weekly series; the quarterly series has four dates."),
    )


class SeriesEditForm(forms.Form):
    """What changes on every date of a series that has not started yet."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=LIMITS["title"])
    description = forms.CharField(
        label=_("Description"),
        max_length=LIMITS["description"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    venue_address = forms.CharField(
        label=_("Address"), max_length=LIMITS["venue_address"], required=False
    )
    venue_room = forms.CharField(label=_("Room"), max_length=LIMITS["venue_room"], required=False)
    online_url = forms.URLField(
        label=_("Online link"),
        max_length=LIMITS["online_url"],
        required=False,
        assume_scheme="https",
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=100_000)
    start_time = forms.TimeField(
        label=_("Starts at (time of day)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=15, max_value=24 * 60
    )


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    page = forms.ModelChoiceField(
        label=_("Or a page of the site"),
        queryset=Page.objects.none(),
        required=False,
        empty_label=_("No page"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        page = cast(forms.ModelChoiceField, self.fields["page"])
        page.queryset = Page.objects.live().filter(depth__gt=1).order_by("title")[:500]

    def to_input(self) -> services.MaterialInput:
        d = self.cleaned_data
        return services.MaterialInput(
            title=d["title"], url=d["url"] or "", page_id=d["page"].pk if d["page"] else None
        )


class WalkInForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=LIMITS["name"])
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        max_length=LIMITS["email"],
        required=False,
        help_text=_("For the follow-up survey."),
    )
    organisation = forms.CharField(
        label=_("Organisation (optional)"), max_length=LIMITS["organisation"], required=False
    )
    audience = forms.ChoiceField(
        label=_("Audience"), choices=Audience.choices, initial=Audience.OTHER
    )
    sector = forms.ChoiceField(
        label=_("Sector (optional)"),
        choices=[("", _("Not given")), *Sector.choices],
        required=False,
    )


SCALE_CHOICES = [(n, str(n)) for n in range(1, 6)]


class SurveyForm(forms.Form):
    """The follow-up survey: the three standard questions, then the event's own (their text
    is the coordinator's; a field ``question_<id>`` each, so a key of another event's
    question is not a field and is ignored)."""

    usefulness = forms.TypedChoiceField(
        label=_("How useful was it for your work or your life?"),
        choices=Usefulness.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    confidence = forms.ChoiceField(
        label=_("Do you feel more able to recognise the signs of exploitation and to respond?"),
        choices=Confidence.choices,
        widget=forms.RadioSelect,
    )
    learn_next = forms.CharField(
        label=_("What would you like to learn next? (optional)"),
        max_length=ANSWER_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, questions: list[SurveyQuestion] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions or [])
        for question in self.questions:
            field: forms.Field
            if question.kind == QuestionKind.SCALE:
                field = forms.TypedChoiceField(
                    choices=SCALE_CHOICES,
                    coerce=int,
                    empty_value=None,
                    widget=forms.RadioSelect,
                    help_text=_("1: not at all, 5: very much."),
                )
            else:
                field = forms.CharField(
                    max_length=ANSWER_LIMIT,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            field.label = (
                question.text
                if question.required
                else _("%(question)s (optional)") % {"question": question.text}
            )
            field.required = question.required
            self.fields[f"question_{question.pk}"] = field

    def own_fields(self) -> list[Any]:
        return [self[f"question_{q.pk}"] for q in self.questions]

    def answers(self) -> dict[int, str | int | None]:
        """The answers to the event's own questions, by question id."""
        return {q.pk: self.cleaned_data.get(f"question_{q.pk}") for q in self.questions}


class ReportForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    period = forms.ChoiceField(
        label=_("By"),
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))],
        initial="quarter",
    )
    by = forms.ChoiceField(
        label=_("People trained by"),
        choices=[("audience", _("Audience type")), ("sector", _("Sector")), ("city", _("City"))],
        initial="audience",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end of the range must be after its start."))
            elif (end - start).days > 366 * 10:
                self.add_error("end", _("Choose a range of at most ten years."))
        return data
