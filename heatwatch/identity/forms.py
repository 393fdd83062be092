"""Forms of the identity pages: look a youth up, merge two people, undo a merge."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LookupForm(forms.Form):
    """The details a coordinator has about a youth; any may be left empty."""

    given_name = forms.CharField(label=_("Given name"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    aliases = forms.CharField(
        label=_("Aliases and street names"),
        max_length=500,
        required=False,
        help_text=_("Separate several with a semicolon."),
    )
    dob = forms.DateField(
        label=_("Date of birth"),
        required=False,
        help_text=_("YYYY-MM-DD"),
        input_formats=["%Y-%m-%d"],
    )
    age = forms.IntegerField(
        label=_("Approximate age"),
        min_value=0,
        max_value=30,
        required=False,
        help_text=_("In years, when the date of birth is not known."),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        required=False,
        choices=[("", _("Not known")), ("F", _("Female")), ("M", _("Male"))],
    )
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)

    def clean(self) -> dict[str, object]:
        """At least a name or a date of birth."""
        data = super().clean() or {}
        if not any(data.get(k) for k in ("given_name", "family_name", "aliases", "dob", "phone")):
            raise forms.ValidationError(_("Enter at least a name, a date of birth or a phone."))
        return data


class ReasonForm(forms.Form):
    """Why a merge is made or undone (stored encrypted; never put in the audit log)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what shows these records are (or are not) the same youth."),
    )


class AnswerForm(forms.Form):
    """One of the three answers to a proposed pair in the possible-duplicates queue.

    The review page shows three of these (same youth, not the same, not sure), each with its
    own prefix; the submitted ``answer`` says which one was sent."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: object,
        note_label: str,
        note_required: bool,
        note_help: str = "",
        people: tuple[int, int] | None = None,
        **kwargs: object,
    ) -> None:
        """``people`` (same youth only) offers the choice of whom to keep."""
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        note = self.fields["note"]
        note.label, note.required, note.help_text = note_label, note_required, note_help
        if people is not None:
            self.fields["survivor"] = forms.TypedChoiceField(
                label=_("Keep"),
                coerce=int,
                choices=[(p, _("Person %(id)s") % {"id": p}) for p in people],
                initial=people[0],
                widget=forms.RadioSelect,
                help_text=_("The other person's records move to this one."),
            )
