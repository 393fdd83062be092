"""Forms of the partner service directory: search, service details, capacity.

The model forms validate; the writes go through directory/services.py (never ``form.save()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heatwatch.accounts.models import Organisation
from heatwatch.directory import services
from heatwatch.directory.models import (
    LANGUAGE_NAMES,
    LANGUAGES,
    MAX_AGE,
    Availability,
    Category,
    Gender,
    Service,
)


def _language_choices(extra: Sequence[str] = ()) -> list[tuple[str, Any]]:
    """The usual languages plus any other code a service already has (from an import)."""
    known = [(code, name) for code, name in LANGUAGES]
    return known + [(code, code) for code in extra if code not in LANGUAGE_NAMES]


class SearchForm(forms.Form):
    """The staff search (GET). Everything optional."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any"))] + Category.choices
    )
    age = forms.IntegerField(
        label=_("Age of the youth"), required=False, min_value=0, max_value=MAX_AGE
    )
    gender = forms.ChoiceField(
        label=_("Serves"),
        required=False,
        choices=[("", _("Any"))] + [c for c in Gender.choices if c[0] != Gender.ANY],
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    availability = forms.ChoiceField(
        label=_("Availability"),
        required=False,
        choices=[("", _("Any"))]
        + [c for c in Availability.choices if c[0] != Availability.INACTIVE],
    )
    include_inactive = forms.BooleanField(
        label=_("Include services no longer offered"), required=False
    )

    def __init__(self, *args: Any, areas: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Any"))] + _language_choices()  # type: ignore[attr-defined]
        self.fields["area"].choices = [("", _("Any"))] + [(a, a) for a in areas]  # type: ignore[attr-defined]


class PublicSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    category = forms.ChoiceField(
        label=_("Kind of help"), required=False, choices=[("", _("Any"))] + Category.choices
    )
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Any"))] + _language_choices()  # type: ignore[attr-defined]


class ServiceForm(forms.ModelForm):
    """A service's details. ``organisations`` limits who offers it (only when adding)."""

    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Languages staff can serve in, directly or with an interpreter on site."),
    )
    service_areas = forms.CharField(
        label=_("Areas served"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One city, district or ZIP code per line. Leave empty for the whole county."),
    )
    # An address typed without a scheme ("partner.example/intake") is taken as https.
    intake_url = forms.URLField(
        label=_("Web page"), required=False, max_length=200, assume_scheme="https"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Service
        fields = [
            "organisation",
            "name",
            "category",
            "description",
            "is_public",
            "min_age",
            "max_age",
            "gender",
            "eligibility_description",
            "hours",
            "open_24_7",
            "intake_phone",
            "intake_email",
            "intake_url",
            "application_process",
            "address_1",
            "city",
            "state_province",
            "postal_code",
            "address_confidential",
            "referral_contact",
            "staff_notes",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "eligibility_description": forms.Textarea(attrs={"rows": 2}),
            "hours": forms.Textarea(attrs={"rows": 2}),
            "application_process": forms.Textarea(attrs={"rows": 3}),
            "referral_contact": forms.Textarea(attrs={"rows": 2}),
            "staff_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "is_public": _(
                "Public services are listed at /directory/ with their public details only: "
                "never capacity, referral contacts, staff notes or a confidential address."
            ),
            "hours": _("For example: Mon–Fri 9am–5pm; walk-ins Tuesday afternoons."),
            "application_process": _("What a youth, a parent or a professional should do."),
            "referral_contact": _("Staff only: who takes referrals from partners, and how."),
            "address_confidential": _("Tick for shelters and safe houses."),
        }

    def __init__(
        self,
        *args: Any,
        organisations: Sequence[Organisation] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        extra: list[str] = []
        if self.instance.pk:
            del self.fields["organisation"]
            extra = [lang.code for lang in self.instance.languages.all()]
            if not self.is_bound:
                self.initial["languages"] = extra
                self.initial["service_areas"] = "\n".join(a.name for a in self.instance.areas.all())
                self.initial["version"] = self.instance.version
        else:
            ids = [org.pk for org in organisations or []]
            field = self.fields["organisation"]
            field.queryset = Organisation.objects.filter(pk__in=ids)  # type: ignore[attr-defined]
            field.label = _("Offered by")
            if len(ids) == 1 and not self.is_bound:
                self.initial["organisation"] = ids[0]
        self.fields["languages"].choices = _language_choices(extra)  # type: ignore[attr-defined]

    def clean_service_areas(self) -> list[str]:
        lines = [" ".join(line.split()) for line in self.cleaned_data["service_areas"].splitlines()]
        areas = [line for line in lines if line]
        if any(len(a) > services.AREA_MAX_LENGTH for a in areas):
            raise forms.ValidationError(
                _("An area name can have at most %(n)d characters.")
                % {"n": services.AREA_MAX_LENGTH}
            )
        if len(areas) > services.MAX_AREAS:
            raise forms.ValidationError(_("Too many service areas."))
        return areas

    def to_input(self) -> services.ServiceInput:
        d = self.cleaned_data
        values = {name: d[name] for name in services.DETAIL_FIELDS}
        for name, value in values.items():
            if value is None and isinstance(getattr(services.ServiceInput, name, ""), str):
                values[name] = ""
        return services.ServiceInput(
            **values, languages=d["languages"], service_areas=d["service_areas"]
        )


class CapacityForm(forms.ModelForm):
    """The quick capacity update."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Service
        fields = services.CAPACITY_FIELDS
        help_texts = {
            "capacity": _("Leave empty when places are not counted (a crisis line)."),
            "available_slots": _("Leave empty when places are not counted."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def to_input(self) -> services.CapacityInput:
        return services.CapacityInput(**{n: self.cleaned_data[n] for n in services.CAPACITY_FIELDS})
