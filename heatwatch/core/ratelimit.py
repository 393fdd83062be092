"""Rate limits that never store anything linkable to a client address.

A request's *source* is ``HMAC-SHA256(day key, address)``. The day key never touches the
database, a backup or a log (docs/security.md, "Rate limits and tipster anonymity"):

- By default it lives only in process memory. A random key is drawn when this module is first
  imported and every later day's key is derived from the day before by a one-way step
  (``key(d+1) = HMAC(key(d), "next")``) after which the older key is dropped. ``heatwatch
  serve`` imports the module before gunicorn forks its workers, so every worker of one server
  shares the key; nobody can step a key backwards, so once a day has passed its counters cannot
  be linked to an address even with the memory of the running server.
- Several app servers share limits by reading one secret from ``HEATWATCH_RATELIMIT_SECRET``
  (or ``HEATWATCH_RATELIMIT_SECRET_FILE``); the day key is then ``HMAC(secret, date)``. Keep
  that file out of backups, like the other keys: whoever holds it and a copy of the counters
  (at most two days of them) can test addresses.

Counters live in the database so every process and server shares them; they hold only the
opaque key, the scope, the window and a count, and are deleted after two days.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from heatwatch.core.models import RateCounter

_DOMAIN = b"heatwatch.ratelimit.v2:"


def client_address(request: HttpRequest) -> str:
    """The client's address as the last trusted hop saw it (used only to derive a source key)."""
    if settings.HEATWATCH_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # Our own proxy appends the address it saw: the last entry is the one to trust.
            return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


@dataclass
class _Ratchet:
    day: date
    key: bytes


_lock = threading.Lock()
_ratchet = _Ratchet(day=timezone.now().date(), key=secrets.token_bytes(32))


def _shared_secret() -> bytes | None:
    secret: str | None = getattr(settings, "HEATWATCH_RATELIMIT_SECRET", None)
    return secret.encode("utf-8") if secret else None


def _day_key(day: date) -> bytes:
    """The keying secret of ``day``; held in memory only (see the module docstring)."""
    shared = _shared_secret()
    if shared is not None:
        return hmac.new(shared, _DOMAIN + day.isoformat().encode(), hashlib.sha256).digest()
    global _ratchet
    with _lock:
        if day < _ratchet.day:
            # The clock went back (or a test travelled in time): the dropped key cannot be
            # recovered, so that day gets a fresh random key in this process.
            _ratchet = _Ratchet(day=day, key=secrets.token_bytes(32))
        while _ratchet.day < day:
            _ratchet = _Ratchet(
                day=_ratchet.day + timedelta(days=1),
                key=hmac.new(_ratchet.key, _DOMAIN + b"next", hashlib.sha256).digest(),
            )
        return _ratchet.key


def source_key(request: HttpRequest) -> str:
    """An opaque, daily-rotating key for the request's source; never the address itself."""
    key = _day_key(timezone.now().date())
    return hmac.new(key, client_address(request).encode(), hashlib.sha256).hexdigest()


def _window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def hits(*, scope: str, key: str, window: timedelta) -> int:
    """How many hits (scope, key) has in the current window."""
    start = _window_start(timezone.now(), window)
    return (
        RateCounter.objects.filter(scope=scope, key=key, window_start=start)
        .values_list("count", flat=True)
        .first()
        or 0
    )


def hit(*, scope: str, key: str, window: timedelta) -> int:
    """Count one hit of (scope, key) in the current window; return the new count."""
    start = _window_start(timezone.now(), window)
    with transaction.atomic():
        updated = RateCounter.objects.filter(scope=scope, key=key, window_start=start).update(
            count=F("count") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(scope=scope, key=key, window_start=start, count=1)
                    return 1
            except IntegrityError:
                RateCounter.objects.filter(scope=scope, key=key, window_start=start).update(
                    count=F("count") + 1
                )
    return hits(scope=scope, key=key, window=window)


def prune(*, now: datetime | None = None) -> int:
    """Delete counters older than two days; return how many were deleted."""
    now = now or timezone.now()
    deleted, _ = RateCounter.objects.filter(window_start__lt=now - timedelta(days=2)).delete()
    return deleted
