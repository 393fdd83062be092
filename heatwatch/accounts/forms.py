"""Forms of the staff account pages."""

from __future__ import annotations

from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form (old password, new twice, validators); saving goes through a service."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "usa-input"

    def save(self, commit: bool = True):  # type: ignore[no-untyped-def]
        raise RuntimeError("use accounts.services.user_set_password")
