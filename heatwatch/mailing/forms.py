"""Forms of the mailing list. Every anonymous input is bounded (max lengths)."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from heatwatch.mailing.models import Interest, Language, SubscriberStatus
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


class VersionForm(forms.Form):
    """An action on a newsletter loaded at ``version`` (pause, resume, send, unschedule)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ScheduleForm(VersionForm):
    at = forms.DateTimeField(
        label=_("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("In the county's time zone."),
    )


class TestCopyForm(forms.Form):
    language = forms.ChoiceField(label=_("Version"), choices=Language.choices, initial=Language.EN)


class UnsuppressForm(forms.Form):
    reason = forms.CharField(
        label=_("Why may this address receive our e-mails again?"),
        max_length=200,
        help_text=_("For example: the person wrote to us, their mailbox works again."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: email, name, organisation, interests, language (a header line first; "
            "only email is required). Nobody is e-mailed."
        ),
    )
    consent = forms.CharField(
        label=_("Where does the consent of these people come from?"),
        max_length=200,
        help_text=_("For example: sign-up sheet at the March coalition training."),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file (change nothing)"), required=False, initial=True
    )


class ExportForm(forms.Form):
    statuses = forms.MultipleChoiceField(
        label=_("Subscribers to export"),
        choices=SubscriberStatus.choices,
        initial=[SubscriberStatus.CONFIRMED],
        widget=forms.CheckboxSelectMultiple,
    )
