"""Password rules for accounts (OWASP ASVS 5, level 3).

At least 15 characters, long passphrases accepted, no composition rules, and refusal of
passwords found on a common or breached list: Django's list of 20,000 common passwords plus,
optionally, an installation's own list (``HEATWATCH_BREACHED_PASSWORDS_FILE``, one password per
line, plain or .gz), e.g. an offline copy of a breach corpus.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MaximumLengthValidator:
    """Refuse absurdly long passwords (hashing cost) while accepting any real passphrase."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long: use at most %(max)d character.",
                    "This password is too long: use at most %(max)d characters.",
                    self.max_length,
                )
                % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Up to %(max)d characters; a passphrase of several words works well.") % {
            "max": self.max_length
        }


@cache
def _extra_list(path: str) -> frozenset[str]:
    file = Path(path)
    opener = gzip.open if file.suffix == ".gz" else open
    with opener(file, "rt", encoding="utf-8", errors="ignore") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


class BreachedPasswordValidator(CommonPasswordValidator):
    """Django's common-password list, plus the installation's breached list when configured."""

    def validate(self, password: str, user: Any = None) -> None:
        super().validate(password, user)
        path = getattr(settings, "HEATWATCH_BREACHED_PASSWORDS_FILE", "")
        if path and password.lower().strip() in _extra_list(path):
            raise ValidationError(
                _("This password has appeared in a data breach; choose another."),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("It cannot be a common password or one known from a data breach.")
