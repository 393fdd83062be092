"""What intake hands to matching, and the blind indexes the database stores for it.

:class:`IdentityInput` is the small typed value a caller (the tip triage, a future ``cases``
intake form, a test) fills in; it needs no model instance. Blocking keys and name frequencies
are stored as the first 64 bits of a keyed HMAC (heatwatch.lib.crypto.blind_index), never as
text.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from heatwatch.identity import engine
from heatwatch.identity.names import Features, blocking_keys, features_of
from heatwatch.lib.crypto import blind_index

BLOCK_CONTEXT = "identity.blockingkey.key"
TERM_CONTEXT = "identity.termcount.key"
TOTAL_KEY = 0  # TermCount row counting every record


@dataclass(frozen=True)
class IdentityInput:
    """The identifying details of a youth as one source recorded them; any may be empty."""

    given_name: str = ""
    family_name: str = ""
    aliases: tuple[str, ...] = ()
    dob: datetime.date | None = None
    sex: str = ""
    city: str = ""
    postcode: str = ""
    phone: str = ""
    source: str = ""
    source_record_id: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    # An approximate age in years ("about 15"), when the date of birth is not known, as of
    # ``age_on`` (default: today). Matched as a range of birth years against dates of birth.
    age: int | None = None
    age_on: datetime.date | None = None

    def features(self) -> Features:
        """The normalised form matching compares."""
        return features_of(
            given_name=self.given_name,
            family_name=self.family_name,
            aliases=self.aliases,
            dob=self.dob,
            sex=self.sex,
            city=self.city,
            postcode=self.postcode,
            phone=self.phone,
            age=self.age,
            age_on=self.age_on,
        )


def key_int(value: str, *, context: str) -> int:
    """The blind index of ``value`` as a signed 64-bit integer (never 0)."""
    digest = int(blind_index(value, context=context)[:16], 16)
    if digest >= 1 << 63:
        digest -= 1 << 64
    return digest or 1


def block_key_ints(features: Features) -> set[int]:
    """The blind indexes of a record's blocking keys."""
    return {key_int(k, context=BLOCK_CONTEXT) for k in blocking_keys(features)}


def term_key_ints(features: Features) -> dict[str, int]:
    """Blind indexes of the given and family name, for their frequencies (empty ones left out)."""
    out: dict[str, int] = {}
    if features.given:
        out["given_name"] = key_int("g|" + features.given, context=TERM_CONTEXT)
    if features.family:
        out["family_name"] = key_int("f|" + features.family, context=TERM_CONTEXT)
    return out


@lru_cache(maxsize=4)
def _load_model(path: str) -> engine.Model:
    return engine.Model.load(Path(path))


def get_model() -> engine.Model:
    """The model used at intake: ``HEATWATCH_IDENTITY_MODEL`` or the one that ships."""
    configured: str = getattr(settings, "HEATWATCH_IDENTITY_MODEL", "") or ""
    return _load_model(configured or str(engine.default_model_path()))
