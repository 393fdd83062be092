"""Forms of the prosecution pages. Domain rules (stage order, statute codes, assignees) are
checked by the services; a refused form is shown again with what was typed."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from heatwatch.accounts.models import Membership, Role
from heatwatch.cases.forms import CasePageForm, DateInput
from heatwatch.cases.models import HearingKind
from heatwatch.prosecution import services
from heatwatch.prosecution.models import (
    DefendantRole,
    EntityKind,
    LinkTarget,
    Outcome,
    Prosecution,
    Stage,
)
from heatwatch.prosecution.permissions import prosecution_offices


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


def _people(offices: list[Any], role: str) -> list[tuple[Any, str]]:
    members = (
        Membership.objects.filter(
            organisation__in=offices, role=role, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
    )
    seen: dict[int, str] = {}
    for m in members:
        seen.setdefault(m.user_id, str(m.user))
    return [("", "—"), *seen.items()]


class DefendantFields(CasePageForm):
    defendant_role = forms.ChoiceField(label=_("Defendant is"), choices=DefendantRole.choices)
    defendant_name = forms.CharField(label=_("Defendant's name"), max_length=200)
    defendant_aliases = forms.CharField(
        label=_("Aliases"),
        max_length=2000,
        required=False,
        help_text=_("Separate aliases with commas."),
    )
    defendant_date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=DateInput()
    )
    prosecutor = forms.TypedChoiceField(
        label=_("Assigned prosecutor"), coerce=int, empty_value=None, required=False
    )
    advocate = forms.TypedChoiceField(
        label=_("Victim-witness advocate"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: Any, user: Any, offices: list[Any] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        offices = offices if offices is not None else prosecution_offices(user)
        cast(forms.ChoiceField, self.fields["prosecutor"]).choices = _people(
            offices, Role.PROSECUTOR
        )
        cast(forms.ChoiceField, self.fields["advocate"]).choices = _people(offices, Role.ADVOCATE)

    def defendant(self) -> services.DefendantInput:
        d = self.cleaned_data
        return services.DefendantInput(
            name=d["defendant_name"],
            role=d["defendant_role"],
            aliases=[a for a in d["defendant_aliases"].split(",") if a.strip()],
            date_of_birth=d["defendant_date_of_birth"],
        )

    @staticmethod
    def initial_for(p: Prosecution) -> dict[str, Any]:
        return {
            "defendant_role": p.defendant_role,
            "defendant_name": p.defendant_name,
            "defendant_aliases": ", ".join(a.strip() for a in p.defendant_aliases.split(";")),
            "defendant_date_of_birth": p.defendant_date_of_birth,
            "prosecutor": p.prosecutor_id,
            "advocate": p.advocate_id,
            "outcome": p.outcome,
            "sentence": p.sentence,
            "version": p.version,
        }


class ProsecutionForm(DefendantFields):
    office = forms.TypedChoiceField(label=_("Office"), coerce=int)
    opened_on = forms.DateField(
        label=_("Investigation opened on"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, user: Any, **kw: Any):
        offices = prosecution_offices(user)
        super().__init__(*args, user=user, offices=offices, **kw)
        cast(forms.ChoiceField, self.fields["office"]).choices = [(o.pk, o.name) for o in offices]
        self.offices = {o.pk: o for o in offices}


class ProsecutionEditForm(DefendantFields):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, required=False)
    sentence = forms.CharField(
        label=_("Sentence"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ChargeForm(CasePageForm):
    statute = forms.CharField(
        label=_("Statute code"),
        max_length=40,
        help_text=_("A code from the configured list, e.g. PC 236.1(c)."),
        widget=forms.TextInput(attrs={"list": "statute-codes", "autocomplete": "off"}),
    )
    counts = forms.IntegerField(label=_("Counts"), min_value=1, max_value=99, initial=1)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("Leave empty to use the statute's own description."),
    )


class StageForm(CasePageForm):
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    on = forms.DateField(label=_("Reached on"), widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput)


class YouthLinkForm(CasePageForm):
    case_reference = forms.CharField(
        label=_("Case reference of the youth"),
        max_length=20,
        help_text=_("You must be able to open the case (its care team or a coordinator)."),
    )


class HearingForm(CasePageForm):
    case_reference = forms.CharField(label=_("Case reference"), max_length=20)
    on = forms.DateField(label=_("Date"), widget=DateInput())
    at = forms.TimeField(label=_("Time"), required=False, widget=TimeInput())
    department = forms.CharField(label=_("Department"), max_length=100)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=HearingKind.choices)


class HearingUpdateForm(CasePageForm):
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by the care team on the case page; never put in the calendar feed."),
    )
    next_on = forms.DateField(label=_("Next date"), required=False, widget=DateInput())
    next_purpose = forms.ChoiceField(
        label=_("Purpose of the next hearing"),
        choices=[("", _("— do not put it on the docket yet —")), *HearingKind.choices],
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class EntityForm(CasePageForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=EntityKind.choices)
    value = forms.CharField(label=_("Value"), max_length=200)


class EntitySearchForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *EntityKind.choices], required=False
    )
    value = forms.CharField(label=_("Exact value"), max_length=200, required=False)


class EntityLinkForm(CasePageForm):
    target = forms.ChoiceField(label=_("Seen in"), choices=LinkTarget.choices)
    reference = forms.CharField(label=_("Reference"), max_length=20)
