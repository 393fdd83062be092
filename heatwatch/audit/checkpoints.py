"""Signed checkpoints of the audit chain, kept outside the database (docs/audit.md, "Checkpoints").

A checkpoint says "the log had entry ``seq`` with hash ``hash`` at time ``at``" and is signed
with an Ed25519 key derived from ``HEATWATCH_AUDIT_KEY``, which the database never holds. Each
one is appended as one JSON line to ``HEATWATCH_AUDIT_CHECKPOINT_FILE`` (and optionally
e-mailed). Someone who can write to the database but does not hold the key can neither forge a
checkpoint nor make the log agree with one after deleting entries up to it. The public key
(``heatwatch audit checkpoint --public-key``) lets anyone check a checkpoint without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from heatwatch.audit.hashing import audit_key

#: Prefix of the signed bytes and of the key derivation: ties both to this purpose and version.
DOMAIN = b"heatwatch.audit.checkpoint.v1\n"
VERSION = 1
_HEX64 = frozenset("0123456789abcdef")


class CheckpointError(Exception):
    """A checkpoint cannot be written (no file configured, or the chain is not intact)."""


@dataclass(frozen=True)
class Checkpoint:
    """One signed statement: the log's entry ``seq`` had hash ``entry_hash``."""

    seq: int
    entry_hash: str
    at: str
    key_id: str
    signature: str

    def line(self) -> str:
        """The JSON line written to the checkpoint file."""
        return json.dumps(
            {
                **_signed_fields(self.seq, self.entry_hash, self.at, self.key_id),
                "sig": self.signature,
            },
            sort_keys=True,
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class CheckpointLine:
    """A line of the checkpoint file: a checkpoint whose signature holds, or why it does not."""

    number: int
    checkpoint: Checkpoint | None
    problem: str = ""


def _signed_fields(seq: int, entry_hash: str, at: str, key_id: str) -> dict[str, object]:
    return {"v": VERSION, "seq": seq, "hash": entry_hash, "at": at, "key": key_id}


def _message(seq: int, entry_hash: str, at: str, key_id: str) -> bytes:
    text = json.dumps(
        _signed_fields(seq, entry_hash, at, key_id), sort_keys=True, separators=(",", ":")
    )
    return DOMAIN + text.encode("ascii")


def _private_key() -> Ed25519PrivateKey:
    seed = hmac.new(audit_key(), DOMAIN + b"ed25519-seed", hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key() -> Ed25519PublicKey:
    """The key that checks checkpoints (safe to publish)."""
    return _private_key().public_key()


def public_key_text() -> str:
    """The public key as base64 of its 32 raw bytes."""
    raw = public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def key_id() -> str:
    """A short fingerprint of the public key, stored in each checkpoint."""
    raw = public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(*, seq: int, entry_hash: str, at: datetime) -> Checkpoint:
    """A signed checkpoint of entry ``seq`` with ``entry_hash``."""
    when = at.isoformat(timespec="seconds")
    kid = key_id()
    signature = _private_key().sign(_message(seq, entry_hash, when, kid))
    return Checkpoint(
        seq=seq,
        entry_hash=entry_hash,
        at=when,
        key_id=kid,
        signature=base64.b64encode(signature).decode("ascii"),
    )


def parse_line(text: str, *, number: int) -> CheckpointLine:
    """Read one line of the file; a line that is not a validly signed checkpoint is refused."""
    try:
        data = json.loads(text)
        seq, entry_hash, at, kid, sig = (
            data["seq"],
            data["hash"],
            data["at"],
            data["key"],
            data["sig"],
        )
        if data.get("v") != VERSION or set(data) != {"v", "seq", "hash", "at", "key", "sig"}:
            raise ValueError
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError
        if not (
            isinstance(entry_hash, str) and len(entry_hash) == 64 and set(entry_hash) <= _HEX64
        ):
            raise ValueError
        if not (isinstance(at, str) and isinstance(kid, str) and isinstance(sig, str)):
            raise ValueError
        signature = base64.b64decode(sig, validate=True)
    except (ValueError, KeyError, TypeError):
        return CheckpointLine(number, None, "not a checkpoint (file damaged or forged)")
    try:
        public_key().verify(signature, _message(seq, entry_hash, at, kid))
    except InvalidSignature:
        return CheckpointLine(
            number, None, "signature does not match (forged or altered checkpoint, or another key)"
        )
    return CheckpointLine(number, Checkpoint(seq, entry_hash, at, kid, sig))


def checkpoint_path() -> Path | None:
    """Where checkpoints are appended; None when switched off (an empty setting)."""
    value = getattr(settings, "HEATWATCH_AUDIT_CHECKPOINT_FILE", "") or ""
    return Path(value) if str(value) else None


def read_lines(path: Path | None = None) -> list[CheckpointLine]:
    """Every non-empty line of the checkpoint file, checked; [] when there is no file."""
    path = path if path is not None else checkpoint_path()
    if path is None or not path.exists():
        return []
    lines: list[CheckpointLine] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                lines.append(parse_line(text.strip(), number=number))
    return lines


def append(checkpoint: Checkpoint, path: Path) -> None:
    """Append one line and flush it to disk (O_APPEND: concurrent writers never interleave)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (checkpoint.line() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
