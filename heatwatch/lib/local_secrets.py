"""Generated secrets for a local (non-production) installation.

A fresh checkout must run with nothing configured, yet never with a secret that is the same on
every machine. The first start writes random secrets to ``var/local-secrets.json`` (mode 0600);
later starts reuse them so sessions and encrypted fields survive restarts. Production refuses to
start without real secrets from the environment (see settings.py).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path


def new_field_key(key_id: str | None = None) -> str:
    """Return a new ``id:base64key`` entry for HEATWATCH_FIELD_KEYS (256-bit AES-GCM key)."""
    kid = key_id or "k" + secrets.token_hex(4)
    return f"{kid}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode('ascii')}"


def load_or_create(var_dir: Path) -> dict[str, str]:
    """Return the local secrets, creating the file with fresh random values on first use."""
    path = var_dir / "local-secrets.json"
    if path.exists():
        data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return data
    var_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HEATWATCH_FIELD_KEYS": new_field_key(),
        "HEATWATCH_INDEX_KEY": secrets.token_urlsafe(32),
        "HEATWATCH_AUDIT_KEY": secrets.token_urlsafe(32),
    }
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process (server or worker) won the race
        return load_or_create(var_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
    return data
