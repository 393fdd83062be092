"""Rate limits that never store a client address.

A request's *source* is an HMAC of its address with a random salt of the day (``RateSalt``);
salts older than two days are deleted by a periodic job, after which nobody (not even with the
database and every key) can tell which address a stored key came from. Counters live in the
database so several app servers share them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from heatwatch.core.models import RateCounter, RateSalt


def client_address(request: HttpRequest) -> str:
    """The client's address as the last trusted hop saw it (used only to derive a source key)."""
    if settings.HEATWATCH_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # Our own proxy appends the address it saw: the last entry is the one to trust.
            return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _salt_for(day: datetime) -> str:
    date = day.date()
    salt = RateSalt.objects.filter(day=date).values_list("salt", flat=True).first()
    if salt:
        return salt
    try:
        with transaction.atomic():
            return RateSalt.objects.create(day=date, salt=secrets.token_hex(32)).salt
    except IntegrityError:  # another process created today's salt first
        return RateSalt.objects.get(day=date).salt


def source_key(request: HttpRequest) -> str:
    """An opaque, daily-rotating key for the request's source; never the address itself."""
    salt = _salt_for(timezone.now())
    address = client_address(request).encode()
    return hmac.new(bytes.fromhex(salt), address, hashlib.sha256).hexdigest()


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
    """Delete counters older than two days and salts older than yesterday."""
    now = now or timezone.now()
    deleted, _ = RateCounter.objects.filter(window_start__lt=now - timedelta(days=2)).delete()
    RateSalt.objects.filter(day__lt=(now - timedelta(days=1)).date()).delete()
    return deleted
