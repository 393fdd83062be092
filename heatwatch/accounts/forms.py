"""Forms of the staff account pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _
from two_factor.forms import BackupTokenForm
from two_factor.utils import default_device

from heatwatch.accounts.models import User


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
