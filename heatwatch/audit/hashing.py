"""The HMAC that chains audit entries together.

``entry_hash = HMAC-SHA256(HEATWATCH_AUDIT_KEY, DOMAIN + canonical JSON)`` where the canonical
JSON holds every stored field of the entry (except the database id and the hash itself),
including ``seq``, ``created_at`` in UTC ISO 8601 with microseconds, and ``prev_hash``. Keys
are sorted, separators fixed and output ASCII, so the bytes are the same on every database and
Python version. Because the key is secret, someone who can write to the database but does not
hold the key cannot produce a valid hash for an altered or inserted entry.

Changing anything here invalidates every existing entry: don't, without a versioned scheme.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: Prefix that ties the HMAC to this purpose and scheme version.
DOMAIN = b"heatwatch.audit.entry.v1\n"

#: The stored fields covered by ``entry_hash``, i.e. every field but ``id`` and ``entry_hash``.
HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "organisation_id",
    "organisation_name",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "reason",
    "fields",
    "prev_hash",
)


def audit_key() -> bytes:
    """Return the HMAC key from settings; refuse to run without one."""
    key: str = getattr(settings, "HEATWATCH_AUDIT_KEY", "") or ""
    if not key:
        raise ImproperlyConfigured("HEATWATCH_AUDIT_KEY is not set; the audit log cannot be used.")
    return key.encode("utf-8")


def canonical_payload(values: Mapping[str, Any]) -> bytes:
    """Return the bytes that are signed for an entry with these field values."""
    created_at = values["created_at"]
    if not isinstance(created_at, datetime) or created_at.utcoffset() is None:
        raise ValueError("created_at must be a timezone-aware datetime")
    payload: dict[str, Any] = {name: values[name] for name in HASHED_FIELDS}
    payload["created_at"] = created_at.astimezone(UTC).isoformat(timespec="microseconds")
    payload["fields"] = [str(name) for name in values["fields"]]
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return DOMAIN + text.encode("ascii")


def compute_entry_hash(values: Mapping[str, Any], *, key: bytes | None = None) -> str:
    """Return the 64-hex HMAC-SHA256 of an entry's values (see module docstring)."""
    return hmac.new(
        key if key is not None else audit_key(), canonical_payload(values), hashlib.sha256
    ).hexdigest()
