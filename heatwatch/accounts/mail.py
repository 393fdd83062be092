"""E-mail to a staff member in their own language (the profile's language preference).

Every e-mail to a user goes through :func:`send_to_user`: the subject and body are rendered
with the user's language active (``translation.override``), so lazy ``gettext_lazy`` strings
and templates come out in Spanish for a user who chose Spanish. See docs/staff.md for the
e-mails that still do not (tips and case alerts are built before this helper existed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.functional import Promise

from heatwatch.accounts.models import User


def user_language(user: Any) -> str:
    """The language the user chose, else the installation's default."""
    chosen = str(getattr(user, "language", "") or "")
    codes = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in codes else str(settings.LANGUAGE_CODE)


def render_for(user: User, render: Callable[[], tuple[str, str]]) -> tuple[str, str]:
    """Call ``render()`` (which returns subject and body) with ``user``'s language active."""
    with translation.override(user_language(user)):
        subject, body = render()
        return str(subject), str(body)


def send_to_user(
    *,
    user: User,
    subject: str | Promise,
    body: str | Promise,
    context: dict[str, object] | None = None,
) -> bool:
    """Send one e-mail to ``user`` in their language; ``subject`` and ``body`` are (lazy)
    translatable strings with ``{name}`` placeholders filled from ``context``. False when the
    user has no address."""
    if not user.email:
        return False
    values = {"program": settings.HEATWATCH_PROGRAM["name"], **(context or {})}
    rendered = render_for(user, lambda: (str(subject).format(**values), str(body).format(**values)))
    send_mail(rendered[0], rendered[1], None, [user.email])
    return True


def send_to_users(
    *,
    users: Iterable[User],
    subject: str | Promise,
    body: str | Promise,
    context: dict[str, object] | None = None,
) -> int:
    """:func:`send_to_user` for each user (one e-mail each, in each one's language); how many
    were sent."""
    sent = 0
    seen: set[str] = set()
    for user in users:
        if user.email and user.email.lower() not in seen:
            seen.add(user.email.lower())
            sent += send_to_user(user=user, subject=subject, body=body, context=context)
    return sent
