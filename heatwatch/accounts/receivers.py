"""Audit every sign-in, failed sign-in, sign-out and lockout.

Signals are used only because Django and django-axes announce these events that way; the
handlers just record them. No IP address or user agent is ever recorded.
"""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from heatwatch.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from heatwatch.accounts.models import User
from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log


def _user_by_username(username: Any) -> User | None:
    if not isinstance(username, str) or not username:
        return None
    return User.objects.filter(username__iexact=username).first()


@receiver(user_logged_in)
def on_logged_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED_KEY] = now
        request.session[SESSION_SEEN_KEY] = now
    audit_log(action=Action.LOGIN, actor=user, obj=user)


@receiver(user_logged_out)
def on_logged_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_log(action=Action.LOGOUT, actor=user, obj=user)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    # Only a matching account is named; what was typed into the username box is never stored
    # (people sometimes type their password there).
    user = _user_by_username(credentials.get("username"))
    audit_log(
        action=Action.LOGIN_FAILED,
        actor=user,
        obj=user,
        object_type="" if user else "accounts.user",
        outcome=Outcome.FAILURE,
        reason="" if user else "unknown account",
    )


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: Any = None, username: Any = None, **kw: Any) -> None:
    user = _user_by_username(username)
    audit_log(
        action=Action.SECURITY,
        actor=user,
        obj=user,
        object_type="" if user else "accounts.user",
        outcome=Outcome.DENIED,
        reason="locked out after repeated failed sign-ins",
    )
    if user is not None:
        from heatwatch.accounts.tasks import send_security_notice

        user_id = user.pk
        transaction.on_commit(
            lambda: send_security_notice.enqueue(user_id=user_id, kind="locked_out")
        )
