"""Throttling of sign-in attempts (django-axes), built so that lockout is no weapon against staff.

Three limits are checked on every attempt (docs/security.md, "Signing in"):

1. **An account from one source.** ``AXES_FAILURE_LIMIT`` (5) failures lock that account *from
   that source* only; the owner still signs in from anywhere else. The cool-off doubles on each
   repeated lockout (10, 20, 40 … minutes, at most ``HEATWATCH_LOCKOUT_MAX_MINUTES``); a
   successful sign-in from that source starts the count again.
2. **One source across accounts.** Failures against ``HEATWATCH_LOCKOUT_SOURCE_ACCOUNTS`` (10)
   different accounts within ``HEATWATCH_LOCKOUT_WINDOW_MINUTES`` (60) pause every sign-in from
   that source, until that many are no longer that recent.
3. **One account across sources.** Failures from ``HEATWATCH_LOCKOUT_ACCOUNT_SOURCES`` (10)
   different sources within the same window lock the account from everywhere (a guessing
   attack spread over many machines).

Attempts refused during a lockout are not counted and do not extend it; the lockout itself is
announced once (``axes.signals.user_locked_out``), which the receivers audit and notify.

What django-axes stores is only what these limits need, for as long as they need it:

- the *source* is the opaque key of ``heatwatch.core.ratelimit.source_key`` (an HMAC under a
  key held only in memory), written as an IPv6 address of the documentation range
  2001:db8::/32 because axes' column is an address column; never the client address;
- an unknown username is stored as a keyed hash, never as typed (people type passwords there);
- no user agent, Accept header or request data (axes would otherwise keep the POST, i.e. the
  wrong password typed, in clear);
- rows are deleted once a day has passed since their last failure (the longest cool-off), by
  the handler on every attempt and by the periodic job ``accounts.purge_sign_in_attempts``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import salted_hmac

from heatwatch.accounts.models import User
from heatwatch.core.ratelimit import source_key

# A reserved range (RFC 3849), so that no stored value can be taken for a client's address.
_SOURCE_NETWORK = ipaddress.IPv6Network("2001:db8::/32")
UNKNOWN_PREFIX = "unknown:"

SCOPE_ACCOUNT_SOURCE = "account_source"
SCOPE_SOURCE = "source"
SCOPE_ACCOUNT = "account"


def _setting(name: str, default: int) -> int:
    # Read when used; the defaults live in settings.py (``default`` is for the type only).
    return int(getattr(settings, name, default))


def base_cool_off() -> timedelta:
    return timedelta(minutes=_setting("HEATWATCH_LOCKOUT_MINUTES", 10))


def longest_cool_off() -> timedelta:
    """The longest lock, and so how long a failed attempt is kept."""
    return timedelta(minutes=_setting("HEATWATCH_LOCKOUT_MAX_MINUTES", 24 * 60))


def window() -> timedelta:
    return timedelta(minutes=_setting("HEATWATCH_LOCKOUT_WINDOW_MINUTES", 60))


def cool_off_for(lockouts: int) -> timedelta:
    """The cool-off of the ``lockouts``-th lockout in a row: the base, doubled each time."""
    doubled = base_cool_off() * (2 ** max(lockouts - 1, 0))
    return min(doubled, longest_cool_off())


@dataclass(frozen=True)
class Lockout:
    scope: str  # SCOPE_ACCOUNT_SOURCE, SCOPE_SOURCE or SCOPE_ACCOUNT
    until: datetime
    cool_off: timedelta


# --- what axes is given to store ----------------------------------------------------------------


def source_address(request: HttpRequest) -> str:
    """``AXES_CLIENT_IP_CALLABLE``: the request's opaque source key, never its address."""
    cached: str | None = getattr(request, "_heatwatch_source", None)
    if cached is None:
        bits = int(source_key(request)[:24], 16)  # 96 bits of the HMAC
        cached = str(_SOURCE_NETWORK[bits])
        request._heatwatch_source = cached  # type: ignore[attr-defined]
    return cached


def _typed_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    if credentials and credentials.get("username"):
        return str(credentials["username"]).strip().lower()
    if request is not None:
        return str(request.POST.get("auth-username", "")).strip().lower()
    return ""


def attempted_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """``AXES_USERNAME_CALLABLE``: the account an attempt is for (lockout is per account).

    An existing account's username, lower-cased; anything else as a keyed hash, so that what
    somebody typed into the username box is never stored.
    """
    typed = _typed_username(request, credentials)
    if typed and User.objects.filter(username__iexact=typed).exists():
        return typed
    digest = salted_hmac("heatwatch.accounts.lockout.username", typed, algorithm="sha256")
    return UNKNOWN_PREFIX + digest.hexdigest()[:40]


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """``AXES_COOLOFF_TIME``: the length of the lock that applies to this request.

    axes calls it with the request; the lock found by ``LockoutHandler`` decides, else the base.
    """
    lockout: Lockout | None = getattr(request, "heatwatch_lockout", None)
    return lockout.cool_off if lockout else base_cool_off()


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the "paused" page, with the minutes left (HTTP 429)."""
    lockout: Lockout | None = getattr(request, "heatwatch_lockout", None)
    left = (lockout.until - timezone.now()) if lockout else base_cool_off()
    minutes = max(1, ceil(left.total_seconds() / 60))
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "scope": lockout.scope if lockout else SCOPE_ACCOUNT_SOURCE},
        status=int(getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)),
    )


# --- the handler --------------------------------------------------------------------------------


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with the three limits above and nothing identifying stored."""

    def lockout(self, request: HttpRequest, credentials: dict[str, Any] | None) -> Lockout | None:
        """The lock that applies to this request now, if any."""
        now = timezone.now()
        limit = get_failure_limit(request, credentials)
        username = get_client_username(request, credentials)
        source = request.axes_ip_address  # type: ignore[attr-defined]

        row = (
            AccessAttempt.objects.filter(username=username, ip_address=source)
            .values_list("failures_since_start", "attempt_time")
            .first()
        )
        if row is not None:
            failures, last = row
            # Failures are kept across lockouts (for the growing cool-off); a lock starts on
            # each multiple of the limit and is not extended by the attempts it refuses.
            if failures >= limit and failures % limit == 0:
                length = cool_off_for(failures // limit)
                if now < last + length:
                    return Lockout(SCOPE_ACCOUNT_SOURCE, last + length, length)

        recent = AccessAttempt.objects.filter(attempt_time__gt=now - window())
        for scope, rows, threshold in (
            (
                SCOPE_SOURCE,
                recent.filter(ip_address=source),
                _setting("HEATWATCH_LOCKOUT_SOURCE_ACCOUNTS", 10),
            ),
            (
                SCOPE_ACCOUNT,
                recent.filter(username=username),
                _setting("HEATWATCH_LOCKOUT_ACCOUNT_SOURCES", 10),
            ),
        ):
            # One row per (account, source): the n-th most recent row says how long n stay.
            times = list(
                rows.order_by("-attempt_time").values_list("attempt_time", flat=True)[:threshold]
            )
            if len(times) >= threshold:
                return Lockout(scope, times[-1] + window(), window())
        return None

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # axes locks when this reaches AXES_FAILURE_LIMIT: return that while a lock applies,
        # else the failures since the last lockout of this account from this source.
        lockout = self.lockout(request, credentials)
        request.heatwatch_lockout = lockout  # type: ignore[attr-defined]
        limit: int = get_failure_limit(request, credentials)
        if lockout is not None:
            return limit
        failures = (
            AccessAttempt.objects.filter(
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
            )
            .values_list("failures_since_start", flat=True)
            .first()
        ) or 0
        return int(failures % limit)

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return
        if getattr(request, "axes_locked_out", False):
            # Refused by the backend during a lockout: nothing is counted and the lockout was
            # announced when it began (axes would announce it again on every attempt).
            request.axes_credentials = credentials  # type: ignore[attr-defined]
            return
        # Nothing that identifies the browser is stored or matched on.
        request.axes_user_agent = ""  # type: ignore[attr-defined]
        request.axes_http_accept = ""  # type: ignore[attr-defined]
        super().user_login_failed(sender, credentials, request, **kwargs)
        if getattr(request, "axes_locked_out", False):
            request.heatwatch_lockout_began = True  # type: ignore[attr-defined]

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        # A success clears this account's failures from this source only: neither another
        # source's failures against it nor this source's failures against other accounts.
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        ).delete()
        return int(count)

    def clean_expired_user_attempts(
        self, request: HttpRequest | None = None, credentials: dict[str, Any] | None = None
    ) -> int:
        # axes would use this request's cool-off for every row; each row may need the longest.
        return purge_attempts()


def purge_attempts(*, now: datetime | None = None) -> int:
    """Delete what lockout no longer needs; return how many attempts were deleted.

    Attempts whose last failure is older than the longest cool-off go, and so does every row
    not written the way ``LockoutHandler`` writes them (a real address or a user agent, from an
    earlier version); axes' access and failure logs are switched off and emptied.
    """
    now = now or timezone.now()
    stale = Q(attempt_time__lt=now - longest_cool_off()) | ~Q(user_agent="")
    stale |= ~Q(ip_address__startswith="2001:db8:")
    _, deleted = AccessAttempt.objects.filter(stale).delete()
    AccessLog.objects.all().delete()
    AccessFailureLog.objects.all().delete()
    return int(deleted.get(AccessAttempt._meta.label, 0))
