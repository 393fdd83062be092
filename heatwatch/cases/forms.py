"""Forms of the case pages. They parse and validate input; services enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heatwatch.accounts.models import Organisation, User
from heatwatch.cases import services
from heatwatch.cases.models import (
    ClosureReason,
    ConsentGiver,
    ContactKind,
    Gender,
    IntakeSource,
    Participation,
    SharedField,
    TeamRole,
)
from heatwatch.cases.permissions import CASE_ROLES
from heatwatch.directory.models import Service


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class CasePageForm(forms.Form):
    """A form of the case page. Several forms share that page, so each class gets its own id
    prefix (``teamaddform-organisation``): with Django's default ``id_<field>`` two forms with
    an ``organisation`` field would repeat an id and a label would point into the wrong form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{type(self).__name__.lower()}-%s")
        super().__init__(*args, **kwargs)


class VersionedForm(CasePageForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _organisations() -> Any:
    return Organisation.objects.filter(is_active=True).order_by("name")


class IntakeForm(forms.Form):
    legal_name = forms.CharField(label=_("Name"), max_length=200)
    aliases = forms.CharField(
        label=_("Aliases and street names"),
        max_length=500,
        required=False,
        help_text=_("Separate them with semicolons."),
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    estimated_age = forms.IntegerField(
        label=_("Estimated age"),
        required=False,
        min_value=0,
        max_value=30,
        help_text=_("When the date of birth is not known."),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    languages = forms.CharField(
        label=_("Languages"), max_length=100, required=False, help_text=_("For example: en es")
    )
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    in_foster_care = forms.BooleanField(label=_("In foster care"), required=False)
    on_probation = forms.BooleanField(label=_("On probation"), required=False)
    guardian_contact = forms.CharField(
        label=_("Guardian contact"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    safety_notes = forms.CharField(
        label=_("Safety notes"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    intake_source = forms.ChoiceField(
        label=_("How the youth came to us"), choices=IntakeSource.choices
    )
    tip_reference = forms.CharField(
        label=_("Tip reference"),
        max_length=20,
        required=False,
        help_text=_("When the case comes from a tip, e.g. T-2026-004213."),
    )
    organisation = forms.ModelChoiceField(
        label=_("You open it for"), queryset=Organisation.objects.none()
    )
    # Second step: the identity decision ("new" or a person id among the candidates).
    person_choice = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (  # type: ignore[attr-defined]
            _organisations()
            .filter(
                memberships__user=user,
                memberships__is_active=True,
                memberships__role__in=list(CASE_ROLES),
            )
            .distinct()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_of_birth") and data.get("estimated_age") is not None:
            self.add_error("estimated_age", _("Give a date of birth or an age, not both."))
        return data

    def to_input(self) -> services.YouthInput:
        d = self.cleaned_data
        return services.YouthInput(
            legal_name=d["legal_name"],
            aliases=[a.strip() for a in d["aliases"].split(";") if a.strip()],
            date_of_birth=d["date_of_birth"],
            estimated_age=d["estimated_age"],
            gender=d["gender"],
            languages=d["languages"],
            city=d["city"],
            in_foster_care=d["in_foster_care"],
            on_probation=d["on_probation"],
            guardian_contact=d["guardian_contact"],
            safety_notes=d["safety_notes"],
        )


class TeamAddForm(CasePageForm):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    organisation = forms.ModelChoiceField(
        label=_("For the organisation"), queryset=Organisation.objects.none()
    )
    team_role = forms.ChoiceField(label=_("Role on the team"), choices=TeamRole.choices)
    is_lead = forms.BooleanField(label=_("Lead of the team"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                is_active=True, memberships__is_active=True, memberships__role__in=list(CASE_ROLES)
            )
            .distinct()
            .order_by("username")
        )
        self.fields["organisation"].queryset = _organisations()  # type: ignore[attr-defined]


class ConsentForm(CasePageForm):
    organisation = forms.ModelChoiceField(
        label=_("Share with"), queryset=Organisation.objects.none()
    )
    scope = forms.MultipleChoiceField(
        label=_("What may be shared"),
        choices=SharedField.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    given_by = forms.ChoiceField(label=_("Given by"), choices=ConsentGiver.choices)
    valid_from = forms.DateField(label=_("Given on"), widget=DateInput())
    valid_until = forms.DateField(label=_("Until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisations()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("Consent cannot end before it starts."))
        return data


class ItemDoneForm(CasePageForm):
    done_at = forms.DateTimeField(
        label=_("Done at"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=DateTimeInput(),
        help_text=_("Leave empty for now."),
    )


class ReferralSendForm(CasePageForm):
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none())
    shared_fields = forms.MultipleChoiceField(
        label=_("Share with the agency"),
        choices=SharedField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only what the youth's consent for that organisation covers."),
    )
    note = forms.CharField(
        label=_("Note for the agency"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    join_waitlist = forms.BooleanField(
        label=_("Join the waitlist if the service is full"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = (  # type: ignore[attr-defined]
            Service.objects.filter(is_active=True).select_related("organisation").order_by("name")
        )


class ReferralNoteForm(CasePageForm):
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ContactForm(CasePageForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    at = forms.DateTimeField(
        label=_("When"), input_formats=DATETIME_FORMATS, widget=DateTimeInput()
    )
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ParticipationForm(VersionedForm):
    participation = forms.ChoiceField(
        label=_("Part in an investigation or prosecution"),
        choices=Participation.choices,
        help_text=_("Information only: it never decides any service."),
    )


class CloseForm(VersionedForm):
    reason = forms.ChoiceField(label=_("Why is the case closed?"), choices=ClosureReason.choices)
    aftercare_check_in_on = forms.DateField(
        label=_("Aftercare check-in"), required=False, widget=DateInput()
    )


class ReopenForm(VersionedForm):
    pass


class BreakGlassForm(forms.Form):
    reference = forms.CharField(label=_("Case reference"), max_length=20)
    reason = forms.CharField(
        label=_("Why do you need to open this case now?"),
        min_length=services.MIN_BREAK_GLASS_REASON,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Coordinators review every break-glass read. Do not name the youth."),
    )
