"""Forms of the case pages. They parse and validate input; services enforce the rules."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heatwatch.accounts.models import Organisation, User
from heatwatch.cases import models as records
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


def _date_of_birth_or_age(form: forms.Form, data: dict[str, Any]) -> None:
    if data.get("date_of_birth") and data.get("estimated_age") is not None:
        form.add_error("estimated_age", _("Give a date of birth or an age, not both."))


def _youth_input(d: dict[str, Any]) -> services.YouthInput:
    """The youth fields of the intake and edit forms, as the services take them."""
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
        _date_of_birth_or_age(self, data)
        return data

    def to_input(self) -> services.YouthInput:
        return _youth_input(self.cleaned_data)


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


class ItemOwnerForm(CasePageForm):
    owner = forms.IntegerField(label=_("Owner"))


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


# --- youth's details, alerts handled by hand, deletion ----------------------------------------

YOUTH_FIELDS = (
    "legal_name",
    "aliases",
    "date_of_birth",
    "estimated_age",
    "gender",
    "languages",
    "city",
    "in_foster_care",
    "on_probation",
    "guardian_contact",
    "safety_notes",
)


class YouthEditForm(forms.Form):
    """Every youth field of the intake form, with the youth's version (no lost update)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in YOUTH_FIELDS:
            self.fields[name] = copy.deepcopy(IntakeForm.base_fields[name])

    @classmethod
    def initial_for(cls, youth: Any) -> dict[str, Any]:
        initial = {name: getattr(youth, name) for name in YOUTH_FIELDS}
        return {**initial, "version": youth.version}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _date_of_birth_or_age(self, data)
        return data

    def to_input(self) -> services.YouthInput:
        return _youth_input(self.cleaned_data)


class AlertResolveForm(forms.Form):
    note = forms.CharField(
        label=_("Why is this alert resolved?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept encrypted. If the condition still holds, the alert comes back after a quiet "
            "period."
        ),
    )


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this deleted?"),
        min_length=services.MIN_DELETE_REASON,
        max_length=services.MAX_DELETE_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("At least 10 characters. Kept encrypted in the audit log."),
    )


# === Case records: service plan, identification, placements, missing episodes, court ===========


class PlanGoalForm(CasePageForm):
    domain = forms.ChoiceField(label=_("Domain"), choices=records.GoalDomain.choices)
    description = forms.CharField(
        label=_("Goal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class GoalStatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("Goal status"), choices=records.GoalStatus.choices)


class PlanStepForm(CasePageForm):
    description = forms.CharField(
        label=_("Step"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())

    def __init__(
        self,
        *args: Any,
        case: records.Case,
        owner_choices: list[tuple[Any, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = step_owners(case)  # type: ignore[attr-defined]
        if owner_choices is not None:
            # One list for the step forms of every goal on the page (no query per goal).
            self.fields["owner"].widget.choices = owner_choices


def step_owners(case: records.Case) -> Any:
    """Who may own a plan step: the active members of the care team."""
    return (
        User.objects.filter(care_teams__case=case, care_teams__removed_at__isnull=True)
        .distinct()
        .order_by("username")
    )


class PlanReviewForm(VersionedForm):
    next_review_on = forms.DateField(label=_("Next review"), widget=DateInput())
    reviewed = forms.BooleanField(
        label=_("The team reviewed the plan today"), required=False, initial=True
    )


class IdentificationForm(CasePageForm):
    status = forms.ChoiceField(
        label=_("Exploitation status"), choices=records.ExploitationStatus.choices
    )
    identified_when = forms.ChoiceField(
        label=_("Identified"), choices=records.IdentifiedWhen.choices
    )
    identified_on = forms.DateField(label=_("On"), widget=DateInput())
    # The status row the form was loaded with (empty when none): no silent overwrite.
    current = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ScreeningForm(CasePageForm):
    tool_name = forms.CharField(label=_("Screening tool"), max_length=100)
    tool_version = forms.CharField(label=_("Tool version"), max_length=30, required=False)
    screened_on = forms.DateField(label=_("Screened on"), widget=DateInput())
    result = forms.ChoiceField(label=_("Result"), choices=records.ConcernLevel.choices)
    notes = forms.CharField(
        label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlacementForm(CasePageForm):
    kind = forms.ChoiceField(label=_("Type of placement"), choices=records.PlacementKind.choices)
    specialised = forms.BooleanField(label=_("Specialised for exploited youth"), required=False)
    service = forms.ModelChoiceField(
        label=_("Directory service"),
        queryset=Service.objects.none(),
        required=False,
        help_text=_("When the placement is a service in the directory."),
    )
    provider_name = forms.CharField(
        label=_("Provider or family"),
        max_length=200,
        required=False,
        help_text=_("When it is not in the directory. Kept encrypted."),
    )
    started_on = forms.DateField(label=_("Start"), widget=DateInput())
    ended_on = forms.DateField(
        label=_("End"),
        required=False,
        widget=DateInput(),
        help_text=_("Only for a past placement."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = (  # type: ignore[attr-defined]
            Service.objects.filter(is_active=True).select_related("organisation").order_by("name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("started_on"), data.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", _("A placement cannot end before it starts."))
        return data


class PlacementEndForm(VersionedForm):
    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput())


class MissingStartForm(CasePageForm):
    started_at = forms.DateTimeField(
        label=_("Missing since"), input_formats=DATETIME_FORMATS, widget=DateTimeInput()
    )
    reported_by = forms.ChoiceField(label=_("Reported by"), choices=records.MissingReporter.choices)


class MissingReportForm(VersionedForm):
    which = forms.ChoiceField(
        label=_("Report"),
        choices=[
            (services.MissingReport.POLICE, _("Missing-person report to the police")),
            (services.MissingReport.NATIONAL, _("Report to the national missing-children centre")),
        ],
    )
    at = forms.DateTimeField(
        label=_("Made at"), input_formats=DATETIME_FORMATS, widget=DateTimeInput()
    )
    reference = forms.CharField(
        label=_("Reference"), max_length=100, required=False, help_text=_("Kept encrypted.")
    )


class MissingReturnForm(VersionedForm):
    returned_at = forms.DateTimeField(
        label=_("Returned at"), input_formats=DATETIME_FORMATS, widget=DateTimeInput()
    )
    found_where = forms.CharField(
        label=_("Where found"), max_length=500, required=False, help_text=_("Kept encrypted.")
    )


class MissingDebriefForm(VersionedForm):
    at = forms.DateTimeField(
        label=_("Debrief at"), input_formats=DATETIME_FORMATS, widget=DateTimeInput()
    )
    notes = forms.CharField(
        label=_("Debrief notes"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CourtMatterForm(CasePageForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=records.CourtKind.choices)
    court_name = forms.CharField(label=_("Court"), max_length=150)
    docket_number = forms.CharField(
        label=_("Docket number"), max_length=60, required=False, help_text=_("Kept encrypted.")
    )
    next_hearing_on = forms.DateField(label=_("Next hearing"), required=False, widget=DateInput())
    next_hearing_kind = forms.ChoiceField(
        label=_("Hearing"),
        choices=[("", "—"), *records.HearingKind.choices],
        required=False,
    )


class CourtUpdateForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=records.CourtStatus.choices)
    next_hearing_on = forms.DateField(label=_("Next hearing"), required=False, widget=DateInput())
    next_hearing_kind = forms.ChoiceField(
        label=_("Hearing"),
        choices=[("", "—"), *records.HearingKind.choices],
        required=False,
    )
