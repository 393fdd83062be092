"""Password rules for accounts (OWASP ASVS 5, level 3).

At least 15 characters, long passphrases accepted, no composition rules; a strength estimate
(zxcvbn, score 3 of 4 at least, counting the user's own names as known words); and refusal of
passwords found on a common or breached list: Django's 20,000 common passwords together with
zxcvbn's 30,000 ranked passwords (40,101 different ones), plus, optionally, an installation's
own list (``HEATWATCH_BREACHED_PASSWORDS_FILE``, one password per line, plain or .gz), e.g. an
offline copy of a breach corpus.
"""

from __future__ import annotations

import gzip
import re
import threading
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS


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
    """Django's and zxcvbn's common-password lists, plus the installation's breached list."""

    def __init__(self) -> None:
        super().__init__()
        self.passwords = self.passwords | {p.strip().lower() for p in FREQUENCY_LISTS["passwords"]}

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


# zxcvbn's advice, in English in the package; listed here so that it is translated with ours.
# zxcvbn's advice, marked for the catalogue (gettext_noop) and translated when shown.
_FEEDBACK = {
    text: gettext_lazy(text)
    for text in (
        gettext_noop("Use a few words, avoid common phrases."),
        gettext_noop("No need for symbols, digits, or uppercase letters."),
        gettext_noop("Add another word or two. Uncommon words are better."),
        gettext_noop("Straight rows of keys are easy to guess."),
        gettext_noop("Short keyboard patterns are easy to guess."),
        gettext_noop("Use a longer keyboard pattern with more turns."),
        gettext_noop('Repeats like "aaa" are easy to guess.'),
        gettext_noop('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
        gettext_noop("Avoid repeated words and characters."),
        gettext_noop('Sequences like "abc" or "6543" are easy to guess.'),
        gettext_noop("Avoid sequences."),
        gettext_noop("Recent years are easy to guess."),
        gettext_noop("Avoid recent years."),
        gettext_noop("Avoid years that are associated with you."),
        gettext_noop("Dates are often easy to guess."),
        gettext_noop("Avoid dates and years that are associated with you."),
        gettext_noop("This is a top-10 common password."),
        gettext_noop("This is a top-100 common password."),
        gettext_noop("This is a very common password."),
        gettext_noop("This is similar to a commonly used password."),
        gettext_noop("A word by itself is easy to guess."),
        gettext_noop("Names and surnames by themselves are easy to guess."),
        gettext_noop("Common names and surnames are easy to guess."),
        gettext_noop("Capitalization doesn't help very much."),
        gettext_noop("All-uppercase is almost as easy to guess as all-lowercase."),
        gettext_noop("Reversed words aren't much harder to guess."),
        gettext_noop("Predictable substitutions like '@' instead of 'a' don't help very much."),
    )
}


def _user_inputs(user: Any) -> list[str]:
    """The user's own words (username, e-mail and its parts, names) that an attacker would try."""
    if user is None:
        return []
    words: list[str] = []
    for attribute in ("username", "email", "first_name", "last_name"):
        value = str(getattr(user, attribute, "") or "").strip().lower()
        if value:
            words.append(value)
            words.extend(part for part in re.split(r"[\W_]+", value) if len(part) > 2)
    return words


_ZXCVBN_LOCK = threading.Lock()


class StrengthValidator:
    """Refuse passwords that zxcvbn estimates as guessable (score below ``min_score``, of 4).

    The user's username, e-mail address and names count as known words, and zxcvbn's advice
    is the error message.
    """

    def __init__(self, min_score: int = 3, max_length: int = 128) -> None:
        self.min_score = min_score
        self.max_length = max_length  # MaximumLengthValidator refuses anything longer

    def validate(self, password: str, user: Any = None) -> None:
        # zxcvbn keeps the user inputs of a call in a module-level dictionary: one call at a
        # time, or concurrent requests would score against each other's names.
        with _ZXCVBN_LOCK:
            result = zxcvbn(
                password[: self.max_length],
                user_inputs=_user_inputs(user),
                max_length=self.max_length,
            )
        if result["score"] >= self.min_score:
            return
        feedback = result["feedback"]
        advice = [feedback["warning"], *feedback["suggestions"]]
        parts = [_("This password is too easy to guess.")]
        parts += [str(_FEEDBACK.get(text, text)) for text in advice if text]
        raise ValidationError(" ".join(parts), code="password_too_guessable")

    def get_help_text(self) -> str:
        return _("It must be hard to guess: several uncommon words work well.")
