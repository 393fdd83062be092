"""Receipt codes: 20 random digits, of which only a lookup part and an Argon2id hash are kept.

The first 8 digits find the tip; the whole code is verified against an Argon2id hash. The
parameters are OWASP's recommended minimum for Argon2id (19 MiB, 2 passes, 1 lane) rather
than Django's password defaults (100 MiB): a code is 20 random digits, guessing online is
throttled, and offline guessing of the 12 secret digits at 19 MiB per try is out of reach,
while the tip line stays fast enough to take a flood of real tips (benchmarks/tips.py).
"""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import Argon2PasswordHasher

LOOKUP_DIGITS = 8
SECRET_DIGITS = 12


class ReceiptHasher(Argon2PasswordHasher):
    algorithm = "receipt_argon2"
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


_HASHER = ReceiptHasher()


def new_code() -> str:
    """A fresh 20-digit code (lookup part first)."""
    return "".join(secrets.choice("0123456789") for _ in range(LOOKUP_DIGITS + SECRET_DIGITS))


def lookup_of(code: str) -> str:
    return code[:LOOKUP_DIGITS]


def hash_code(code: str) -> str:
    """The slow hash that is stored instead of the code."""
    return _HASHER.encode(code, _HASHER.salt())


def verify(code: str, encoded: str | None) -> bool:
    """Does ``code`` match ``encoded``? Costs one hash even when there is nothing to match,
    so a wrong lookup number takes as long as a wrong secret."""
    if not encoded or not encoded.startswith(f"{ReceiptHasher.algorithm}$"):
        _HASHER.encode(code or "0", _HASHER.salt())
        return False
    return bool(_HASHER.verify(code, encoded))


def normalise(code: str) -> str:
    """Digits only: dashes and spaces typed by people are ignored."""
    return "".join(ch for ch in code if ch.isdigit())


def format_code(code: str) -> str:
    """``12345678901234567890`` → ``1234-5678-9012-3456-7890`` (easier to read out)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
