"""Forms of the mailing list. Every anonymous input is bounded (max lengths)."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from heatwatch.mailing.models import Interest, Language
from heatwatch.mailing.services import SubscribeInput


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    name = forms.CharField(label=_("Name (optional)"), max_length=120, required=False)
    organisation = forms.CharField(
        label=_("Organisation (optional)"), max_length=160, required=False
    )
    interests = forms.MultipleChoiceField(
        label=_("What would you like to hear about?"),
        choices=Interest.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Interest.NEWSLETTER],
        error_messages={"required": _("Choose at least one.")},
    )
    language = forms.ChoiceField(
        label=_("Language of our e-mails"),
        choices=Language.choices,
        widget=forms.RadioSelect,
        initial=Language.EN,
    )
    # Honeypot: hidden from people, filled by bots. A filled one is answered like any other
    # sign-up and nothing is stored.
    website = forms.CharField(required=False, max_length=200, label=_("Leave this field empty"))

    def to_input(self) -> SubscribeInput:
        d = self.cleaned_data
        return SubscribeInput(
            email=d["email"],
            name=d["name"],
            organisation=d["organisation"],
            interests=list(d["interests"]),
            language=d["language"],
        )


class PreferencesForm(forms.Form):
    interests = forms.MultipleChoiceField(
        label=_("What would you like to hear about?"),
        choices=Interest.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("To stop all our e-mails, use “Unsubscribe” below."),
    )
    language = forms.ChoiceField(
        label=_("Language of our e-mails"), choices=Language.choices, widget=forms.RadioSelect
    )


class NewsletterForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        validators=[
            RegexValidator(r"[\r\n]", _("The subject must be one line."), inverse_match=True)
        ],
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea, max_length=50_000)
    interest = forms.ChoiceField(
        label=_("Send to subscribers interested in"),
        choices=Interest.choices,
        initial=Interest.NEWSLETTER,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("Every language")), *Language.choices],
        required=False,
    )
