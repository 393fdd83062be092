"""Rate-limit keys cannot be linked to a tipster's address from the database (issue 10, #3).

The attacker of these tests holds the whole database (every column of every row of every
table, as a backup or a stolen file would give it), knows the code, and knows that the tipster
is one of 256 addresses. They try every stored value as the HMAC key (raw, hex-decoded, and
put through the day-key derivation) against every stored value that looks like a rate-limit
key. With a /24 they would win at once if any stored value were the key; with the full IPv4
space it would take hours (docs/security.md). The key lives only in process memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from heatwatch.core import ratelimit
from heatwatch.core.models import RateCounter
from heatwatch.tips.models import Tip
from heatwatch.tips.tests.conftest import VALID, receipt_from

pytestmark = pytest.mark.django_db

TIPSTER = "203.0.113.77"  # TEST-NET-3: never a real person's address
CANDIDATES = [str(a) for a in ipaddress.ip_network("203.0.113.0/24")]
_HEX64 = re.compile(r"[0-9a-f]{64}")


def every_stored_value() -> set[object]:
    """Every value of every column of every row of every table (what a backup holds)."""
    values: set[object] = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from the DB
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview):
                        value = bytes(value)
                    if value is not None:
                        values.add(value)
    return values


def key_candidates(values: set[object]) -> set[bytes]:
    """Each stored value as a key: as text, hex-decoded and base64-decoded."""
    keys: set[bytes] = set()
    for value in values:
        raw = value if isinstance(value, bytes) else str(value).encode()
        if len(raw) < 8 or len(raw) > 512:
            continue  # too short to be a secret, or a document
        keys.add(raw)
        text = raw.decode("latin-1").strip()
        for decode in (bytes.fromhex, base64.b64decode, base64.urlsafe_b64decode):
            try:
                keys.add(decode(text))
            except (ValueError, binascii.Error):
                pass
    return keys


def brute_force(*, targets: set[str], keys: set[bytes]) -> set[str]:
    """The candidate addresses whose HMAC under any key (or its day key) is a stored value."""
    today = timezone.now().date().isoformat().encode()
    found: set[str] = set()
    for key in keys:
        derived = hmac.new(key, b"heatwatch.ratelimit.v2:" + today, hashlib.sha256).digest()
        for k in (key, derived):
            base = hmac.new(k, digestmod=hashlib.sha256)
            for address in CANDIDATES:
                h = base.copy()
                h.update(address.encode())
                if h.hexdigest() in targets:
                    found.add(address)
    return found


def tips_from_the_tipster() -> None:
    client = Client(REMOTE_ADDR=TIPSTER)
    code = receipt_from(client.post("/report/", VALID))
    client.post("/report/", {**VALID, "narrative": "The same van came back tonight."})
    client.post("/report/follow-up/", {"code": code})
    client.post("/report/follow-up/", {"code": "1111-2222-3333-4444-5555"})
    assert Tip.objects.count() == 2


def test_tipster_address_cannot_be_recovered_from_the_database():
    tips_from_the_tipster()
    stored = every_stored_value()
    targets = {v for v in stored if isinstance(v, str) and _HEX64.fullmatch(v)}
    # The counters are there (the limits work) and hold opaque keys only.
    counter_keys = set(RateCounter.objects.values_list("key", flat=True))
    assert counter_keys and counter_keys <= targets

    assert brute_force(targets=targets, keys=key_candidates(stored)) == set()

    # The attack is real: with the key held in this process's memory it finds the tipster.
    in_memory = ratelimit._day_key(timezone.now().date())
    assert brute_force(targets=targets, keys={in_memory}) == {TIPSTER}


def request_from(address: str) -> HttpRequest:
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = address
    return request


def test_source_key_is_stable_within_a_day_and_rotates_daily(clock):
    first = ratelimit.source_key(request_from(TIPSTER))
    assert ratelimit.source_key(request_from(TIPSTER)) == first
    assert ratelimit.source_key(request_from("203.0.113.78")) != first
    clock.shift(timedelta(days=1))
    assert ratelimit.source_key(request_from(TIPSTER)) != first


def test_the_day_key_only_moves_forward():
    today = timezone.now().date()
    key_today = ratelimit._day_key(today)
    key_tomorrow = ratelimit._day_key(today + timedelta(days=1))
    # Tomorrow's key is derived from today's by a one-way step, and today's is then dropped.
    assert key_tomorrow == hmac.new(key_today, b"heatwatch.ratelimit.v2:next", "sha256").digest()
    assert ratelimit._ratchet.key == key_tomorrow


def test_a_shared_secret_gives_every_server_the_same_keys_and_is_not_stored(settings):
    settings.HEATWATCH_RATELIMIT_SECRET = "shared-secret-from-a-file-0123456789abcdef"
    key = ratelimit.source_key(request_from(TIPSTER))
    expected_day_key = hmac.new(
        settings.HEATWATCH_RATELIMIT_SECRET.encode(),
        b"heatwatch.ratelimit.v2:" + timezone.now().date().isoformat().encode(),
        hashlib.sha256,
    ).digest()
    assert key == hmac.new(expected_day_key, TIPSTER.encode(), hashlib.sha256).hexdigest()
    tips_from_the_tipster()
    stored = every_stored_value()
    assert not any(settings.HEATWATCH_RATELIMIT_SECRET in str(v) for v in stored)


def test_no_salt_table_is_left():
    assert not [t for t in connection.introspection.table_names() if "ratesalt" in t]
