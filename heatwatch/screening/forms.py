"""Forms of the screening pages. The questionnaire's fields are built from its definition."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heatwatch.accounts.models import Organisation
from heatwatch.screening import engine
from heatwatch.screening.models import QuestionnaireVersion, Setting
from heatwatch.screening.services import MAX_LABEL, DraftInput


class StartForm(forms.Form):
    questionnaire = forms.ModelChoiceField(
        label=_("Questionnaire"), queryset=QuestionnaireVersion.objects.none(), empty_label=None
    )
    organisation = forms.ModelChoiceField(
        label=_("You screen for"), queryset=Organisation.objects.none(), empty_label=None
    )

    def __init__(
        self, *args: Any, versions: Any, organisations: list[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = versions  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=[o.pk for o in organisations]
        )


_YES_NO_UNKNOWN = [
    (engine.YES, _("Yes")),
    (engine.NO, _("No")),
    (engine.UNKNOWN, _("Don't know")),
]


class ScreeningForm(forms.Form):
    """The questionnaire: every item optional (a draft may be incomplete); completion checks
    that every item is answered (services.screening_complete)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    youth_label = forms.CharField(
        label=_("Youth's first name or initials"),
        max_length=MAX_LABEL,
        required=False,
        help_text=_("Nothing more: the coordinator asks for what else is needed."),
    )
    youth_age = forms.IntegerField(
        label=_("Age (about)"), required=False, min_value=5, max_value=25
    )
    setting = forms.ChoiceField(label=_("Where you met the youth"), choices=Setting.choices)
    in_danger = forms.BooleanField(
        label=_("The youth may be in danger right now"),
        required=False,
        help_text=_("If so, call 911 first, then finish the screening."),
    )

    def __init__(
        self, *args: Any, definition: engine.Definition, language: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.sections: list[tuple[str, list[str]]] = []
        for section in definition.sections:
            names = []
            for item in section.items:
                name = f"q_{item.key}"
                choices: list[tuple[str, Any]]
                if item.kind == "choice":
                    choices = [(c.value, c.label.get(language)) for c in item.choices]
                else:
                    choices = list(_YES_NO_UNKNOWN)
                self.fields[name] = forms.ChoiceField(
                    label=item.text.get(language),
                    help_text=item.help.get(language),
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect,
                )
                names.append(name)
            self.sections.append((section.title.get(language), names))

    def section_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.sections]

    def to_input(self) -> DraftInput:
        d = self.cleaned_data
        answers = {
            item.key: d.get(f"q_{item.key}") or ""
            for item in self.definition.items()
            if d.get(f"q_{item.key}")
        }
        return DraftInput(
            answers=answers,
            youth_label=d.get("youth_label") or "",
            youth_age=d.get("youth_age"),
            setting=d.get("setting") or Setting.SCHOOL,
            in_danger=bool(d.get("in_danger")),
        )


class AttachForm(forms.Form):
    case_reference = forms.CharField(
        label=_("Case reference"),
        max_length=20,
        help_text=_("When the youth already has a case, e.g. C-2026-004211."),
    )
