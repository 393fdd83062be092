"""Fixed field-key entries for the tests (never used outside them)."""

import base64


def entry(key_id: str, seed: int) -> str:
    key = bytes((seed + i) % 256 for i in range(32))
    return f"{key_id}:{base64.urlsafe_b64encode(key).decode('ascii')}"


OLD = entry("old", 1)
NEW = entry("new", 101)
OTHER = entry("other", 201)
