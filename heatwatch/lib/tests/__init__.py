"""Tests for heatwatch.lib, and fixed field-key entries they share (never used elsewhere)."""

import base64


def key_entry(key_id: str, seed: int) -> str:
    """Return a deterministic ``id:base64urlkey`` entry; different seeds give different keys."""
    key = bytes((seed + i) % 256 for i in range(32))
    return f"{key_id}:{base64.urlsafe_b64encode(key).decode('ascii')}"


OLD_KEY = key_entry("old", 1)
NEW_KEY = key_entry("new", 101)
OTHER_KEY = key_entry("other", 201)
