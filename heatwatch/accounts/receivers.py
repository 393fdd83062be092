"""Audit every sign-in, failed sign-in, sign-out and lockout.

Signals are used only because Django and django-axes announce these events that way; the
handlers just record them. No IP address or user agent is ever recorded. A lockout is audited
once, when it begins; the attempts it refuses are not (heatwatch/accounts/lockout.py).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from heatwatch.accounts import lockout
from heatwatch.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from heatwatch.accounts.models import User
from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.audit.services import audit_log

_LOCKED_REASONS = {
    lockout.SCOPE_ACCOUNT_SOURCE: "locked from one source after repeated failed sign-ins",
    lockout.SCOPE_ACCOUNT: "locked from every source after failed sign-ins from many sources",
    lockout.SCOPE_SOURCE: "sign-ins from one source paused after failures against many accounts",
}
_NOTIFIED = "; the user was e-mailed"
# One e-mail per lockout when it begins (never for the attempts it refuses); however many
# sources lock an account, its owner gets at most one e-mail of each kind in this time.
NOTICE_INTERVAL = timedelta(hours=1)


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


def _refused_while_locked(request: Any) -> bool:
    # axes marks the request locked before the attempt when it refuses it, and during it when
    # this attempt is the one that starts the lockout (which is audited like any failure).
    return bool(
        getattr(request, "axes_locked_out", False)
        and not getattr(request, "heatwatch_lockout_began", False)
    )


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    if _refused_while_locked(request):
        return  # not even checked: the lockout has its own entry
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
    # LockoutHandler announces a lockout once, when it begins.
    state: lockout.Lockout | None = getattr(request, "heatwatch_lockout", None)
    scope = state.scope if state else lockout.SCOPE_ACCOUNT_SOURCE
    user = None if scope == lockout.SCOPE_SOURCE else _user_by_username(username)
    notify = user is not None and not _notified_recently(user, scope)
    audit_log(
        action=Action.SECURITY,
        actor=user,
        obj=user,
        object_type="" if user else "accounts.user",
        outcome=Outcome.DENIED,
        reason=_LOCKED_REASONS[scope] + (_NOTIFIED if notify else ""),
    )
    if notify and user is not None:
        from heatwatch.accounts.tasks import send_security_notice

        user_id = user.pk
        kind = "locked_out_everywhere" if scope == lockout.SCOPE_ACCOUNT else "locked_out"
        transaction.on_commit(lambda: send_security_notice.enqueue(user_id=user_id, kind=kind))


def _notified_recently(user: User, scope: str) -> bool:
    # Per kind of lockout: a lock "from everywhere" after one "from one place" is a new,
    # graver lockout and gets its own e-mail; lockouts of one kind are told once an hour.
    return AuditEntry.objects.filter(
        action=Action.SECURITY,
        object_type=User._meta.label_lower,
        object_id=str(user.pk),
        reason=_LOCKED_REASONS[scope] + _NOTIFIED,
        created_at__gte=timezone.now() - NOTICE_INTERVAL,
    ).exists()


@receiver(pre_save, sender=AccessAttempt)
def keep_no_request_data(sender: Any, instance: AccessAttempt, **kw: Any) -> None:
    # axes copies the request's query and POST into its row (the wrong password typed
    # included: it masks only a field named "password") and its user agent and Accept header.
    # Lockout needs none of it.
    instance.get_data = ""
    instance.post_data = ""
    instance.user_agent = ""
    instance.http_accept = ""
