"""Forms of the staff account pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _
from two_factor.forms import BackupTokenForm
from two_factor.utils import default_device

from heatwatch.accounts.models import Organisation, Role, User


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form (old password, new twice, validators); saving goes through a service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "usa-input"

    def save(self, commit: bool = True) -> Any:
        raise RuntimeError("use accounts.services.user_set_password")


class ReauthenticationForm(forms.Form):
    """Password and a current authenticator code: needed to change or remove two-factor."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.RegexField(
        label=_("A current code from your authenticator app"),
        regex=r"^[0-9]{6,8}$",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            field.widget.attrs["class"] = "usa-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, token = data.get("password"), data.get("otp_token")
        if password is None or token is None:
            return data
        device = default_device(self.user)
        ok = self.user.check_password(password)
        if device is not None:
            allowed, _extra = device.verify_is_allowed()
            # The code is checked even after a wrong password, so the two cannot be told apart.
            ok = bool(allowed and device.verify_token(token)) and ok
        else:
            ok = False
        if not ok:
            raise forms.ValidationError(
                _("The password or the code is not right. Try again with a fresh code."),
                code="reauth_failed",
            )
        return data


class DisableTwoFactorForm(ReauthenticationForm):
    understand = forms.BooleanField(
        label=_("I understand that I will need to set up an authenticator again to sign in.")
    )


class HashedBackupTokenForm(BackupTokenForm):
    """The login's backup-code step: backup codes are stored as keyed hashes."""

    def clean_otp_token(self) -> str:
        from heatwatch.accounts.services import backup_code_hash

        return backup_code_hash(str(self.cleaned_data.get("otp_token") or ""))


# --- user administration (staff area) and the profile ------------------------------------------


def _language_choices() -> list[tuple[str, str]]:
    from django.conf import settings

    default = str(_("The program's default"))
    return [("", default), *((c, str(n)) for c, n in settings.LANGUAGES)]


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class InviteForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("Letters, digits and . @ + - _ only."),
        error_messages={"invalid": _("Use only letters, digits and . @ + - _")},
    )
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    language = forms.ChoiceField(label=_("Language"), required=False, choices=_language_choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(is_active=True)  # type: ignore[attr-defined]


class UserEditForm(_Versioned):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    language = forms.ChoiceField(label=_("Language"), required=False, choices=_language_choices)


class ReasonForm(_Versioned):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the audit log. Never a youth's name or case details."),
    )


class UnlockForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


class MembershipForm(_Versioned):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(is_active=True)  # type: ignore[attr-defined]


class RevokeForm(_Versioned):
    pass


class ProfileForm(_Versioned):
    language = forms.ChoiceField(
        label=_("Language of the staff pages and your e-mails"),
        required=False,
        choices=_language_choices,
    )
