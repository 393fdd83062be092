"""Forms of the tip line: the public report, the follow-up, and the staff actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heatwatch.accounts.models import Organisation, OrganisationType, Role, User
from heatwatch.tips import services
from heatwatch.tips.models import (
    OFFICER_OUTCOMES,
    AgeRange,
    CloseReason,
    RedFlag,
    ReferralOutcome,
    Urgency,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files; each is checked by content later (heatwatch.lib.uploads)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [f for f in files if f]


def _text(label: Any, limit: int, *, help_text: Any = "", rows: int = 0) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label,
        max_length=limit,
        required=False,
        help_text=help_text,
        widget=widget,
        strip=True,
    )


class TipForm(forms.Form):
    """The public tip form: everything optional but "what did you see"; anonymous by default."""

    red_flags = forms.MultipleChoiceField(
        label=_("What did you see? Tick everything that applies."),
        choices=RedFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    narrative = _text(
        _("Tell us in your own words"),
        services.TEXT_LIMITS["narrative"],
        help_text=_("What happened, what you noticed, anything that worried you."),
        rows=6,
    )
    immediate_danger = forms.TypedChoiceField(
        label=_("Is the youth in danger right now?"),
        choices=[("no", _("No, or I don't know")), ("yes", _("Yes"))],
        coerce=lambda v: v == "yes",
        initial="no",
        widget=forms.RadioSelect,
    )
    subject_age_range = forms.ChoiceField(
        label=_("How old do they seem?"),
        choices=AgeRange.choices,
        initial=AgeRange.UNKNOWN,
        widget=forms.RadioSelect,
    )
    subject_description = _text(
        _("What do they look like?"),
        services.TEXT_LIMITS["subject_description"],
        help_text=_("Height, hair, clothes, anything that would help recognise them."),
        rows=3,
    )
    subject_names = _text(
        _("Name or nickname, if you know it"), services.TEXT_LIMITS["subject_names"]
    )
    location = _text(
        _("Where?"),
        services.TEXT_LIMITS["location"],
        help_text=_("Address, cross streets, business name, school or area."),
    )
    seen_when = _text(
        _("When?"),
        services.TEXT_LIMITS["seen_when"],
        help_text=_("For example: last Friday night."),
    )
    online_handles = _text(
        _("Online names, profiles or ad links you saw"),
        services.TEXT_LIMITS["online_handles"],
        help_text=_("One per line."),
        rows=3,
    )
    attachments = MultipleFileField(
        label=_("Photos or documents (optional)"),
        help_text=_(
            "JPEG, PNG, WebP or PDF, up to 8 MB each. Location and camera details are removed "
            "from photos before they are stored."
        ),
    )
    stay_anonymous = forms.BooleanField(
        label=_("Stay anonymous"),
        required=False,
        initial=True,
        help_text=_("Untick to leave a way for us to contact you."),
    )
    contact_name = _text(_("Your name"), services.TEXT_LIMITS["contact_name"])
    contact_phone = _text(_("Your phone"), services.TEXT_LIMITS["contact_phone"])
    contact_email = forms.EmailField(label=_("Your e-mail"), required=False, max_length=254)
    # Honeypot: hidden from people, filled by bots. A filled one sends the tip to the spam
    # queue, never the bin.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(
            data.get(name)
            for name in (
                "red_flags",
                "narrative",
                "subject_description",
                "online_handles",
                "location",
            )
        ):
            raise forms.ValidationError(
                _(
                    "Tell us what you saw: tick at least one red flag or describe it in your own "
                    "words."
                ),
                code="empty",
            )
        if not data.get("stay_anonymous") and not (
            data.get("contact_phone") or data.get("contact_email")
        ):
            self.add_error(
                "contact_phone",
                _("Give a phone number or an e-mail address, or tick “Stay anonymous”."),
            )
        return data

    def to_input(self, *, language: str) -> services.TipInput:
        d = self.cleaned_data
        return services.TipInput(
            narrative=d["narrative"],
            red_flags=d["red_flags"],
            subject_age_range=d["subject_age_range"],
            subject_description=d["subject_description"],
            subject_names=d["subject_names"],
            location=d["location"],
            seen_when=d["seen_when"],
            online_handles=d["online_handles"],
            immediate_danger=bool(d["immediate_danger"]),
            is_anonymous=bool(d["stay_anonymous"]),
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            contact_email=d["contact_email"],
            language=language,
        )


class PhoneTipForm(TipForm):
    """What a coordinator logs while on the phone with a caller."""

    caller_notes = _text(
        _("Call notes"),
        services.TEXT_LIMITS["caller_notes"],
        help_text=_("Anything else from the call: tone, who else was mentioned, call-back times."),
        rows=4,
    )
    issue_receipt = forms.BooleanField(
        label=_("Give the caller a receipt code to follow up online"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        self.fields["red_flags"].label = _("Red flags the caller described")
        self.fields["narrative"].label = _("What the caller reported")
        self.fields["stay_anonymous"].label = _("The caller stays anonymous")
        self.fields["stay_anonymous"].help_text = _("Untick to record how to reach the caller.")
        self.fields["contact_name"].label = _("Caller's name")
        self.fields["contact_phone"].label = _("Caller's phone")
        self.fields["contact_email"].label = _("Caller's e-mail")

    def to_input(self, *, language: str) -> services.TipInput:
        data = super().to_input(language=language)
        data.caller_notes = self.cleaned_data["caller_notes"]
        return data


class FollowUpForm(forms.Form):
    code = forms.CharField(
        label=_("Your receipt code"),
        max_length=40,
        help_text=_("The 20 digits you were given, with or without dashes."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class TipsterReplyForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput, max_length=40)
    body = forms.CharField(
        label=_("Your answer or new details"),
        required=False,
        max_length=services.MESSAGE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = MultipleFileField(label=_("Add photos or documents (optional)"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("body") and not data.get("attachments"):
            raise forms.ValidationError(_("Write a message or add a file."), code="empty")
        return data


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TriageForm(VersionedForm):
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    red_flags = forms.MultipleChoiceField(
        label=_("Red flags"),
        choices=RedFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    assignee = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, memberships__role=Role.COORDINATOR, memberships__is_active=True
        ).distinct()


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message to the tipster"),
        max_length=services.MESSAGE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "They read it when they check in with their receipt code. Never include "
            "details they did not give you."
        ),
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        max_length=services.MESSAGE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReferForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Law-enforcement agency"),
        queryset=Organisation.objects.filter(type=OrganisationType.LAW_ENFORCEMENT, is_active=True),
    )
    note = forms.CharField(
        label=_("Note for the agency"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CloseForm(VersionedForm):
    reason = forms.ChoiceField(label=_("Why is it closed?"), choices=CloseReason.choices)


class LinkForm(forms.Form):
    reference = forms.CharField(
        label=_("Related tip reference"), max_length=20, help_text=_("For example T-2026-004213.")
    )
    reason = forms.CharField(label=_("How are they related?"), max_length=200, required=False)


class LinkCaseForm(VersionedForm):
    case_reference = forms.CharField(label=_("Case reference"), max_length=40)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[c for c in ReferralOutcome.choices if c[0] in OFFICER_OUTCOMES],
        help_text=_(
            "“Youth recovered” asks the coordinators to open the youth's case, with your "
            "agency as referrer and this tip linked."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
