"""Forms of the staff account pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form (old password, new twice, validators); saving goes through a service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "usa-input"

    def save(self, commit: bool = True) -> Any:
        raise RuntimeError("use accounts.services.user_set_password")
