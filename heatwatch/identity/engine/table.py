"""Records held column-wise for comparison: the shared string codes (:class:`Vocabulary`), the
:class:`Table` of a set of records with its name-token sets (:class:`TokenSets`) and the
vectorised set-membership helpers the name comparisons use, and the term frequencies of names.
The array type aliases every other part of the engine uses live here too.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from heatwatch.identity.names import (
    MAX_GROUPS,
    Features,
    canonical_forms,
    nickname_groups,
    phonetic,
)

IntArray = np.ndarray[Any, np.dtype[np.int64]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]


class Vocabulary:
    """Integer codes for strings, shared by the tables compared with each other."""

    def __init__(self) -> None:
        """Start with no strings; ``""`` is always code -1."""
        self._codes: dict[str, int] = {}

    def code(self, value: str) -> int:
        """The code of ``value`` (-1 for the empty string)."""
        if not value:
            return -1
        found = self._codes.get(value)
        if found is None:
            found = self._codes[value] = len(self._codes)
        return found

    def codes(self, values: Iterable[str]) -> IntArray:
        """Codes of many values as an array."""
        code = self.code
        return np.fromiter((code(v) for v in values), dtype=np.int64)


class Table:
    """Records as columns, ready to be compared pair by pair."""

    def __init__(
        self,
        features: Sequence[Features],
        *,
        vocabulary: Vocabulary,
        given_tf: Sequence[float] | np.ndarray[Any, Any] | None = None,
        family_tf: Sequence[float] | np.ndarray[Any, Any] | None = None,
    ) -> None:
        """Build the columns of ``features``; term frequencies default to 0 (unknown)."""
        self.features = features
        n = len(features)
        self.n = n
        voc = vocabulary
        groups = nickname_groups()
        self.given = np.array([f.given for f in features], dtype=object)
        self.given_code = voc.codes(f.given for f in features)
        group_pairs = np.full((n, MAX_GROUPS), -1, dtype=np.int64)
        for i, f in enumerate(features):
            ids = groups.get(f.given, ())
            for j, gid in enumerate(ids[:MAX_GROUPS]):
                group_pairs[i, j] = gid
        self.given_groups = group_pairs
        self.given_sound = voc.codes("~" + phonetic(f.given) if f.given else "" for f in features)
        self.family = np.array([f.family for f in features], dtype=object)
        self.family_code = voc.codes(f.family for f in features)
        self.family_sound = voc.codes(
            "~" + phonetic(f.family) if f.family else "" for f in features
        )
        # Records that need the set-based checks (aliases, double family names), and their
        # token codes (arrays in ``sets``, built on first use, check many pairs at once).
        self.has_extra = np.zeros(n, dtype=bool)
        # 64-bit signatures of the name tokens: two records can share a token only if their
        # signatures share a bit, which spares most pairs the set comparison.
        self.signature = np.zeros(n, dtype=np.uint64)
        form_codes: list[list[int]] = []
        token_codes: list[list[int]] = []
        code = voc.code
        for i, f in enumerate(features):
            extra = (*f.extra_given, *f.aliases)
            if extra or len(f.family_tokens) > 1:
                self.has_extra[i] = True
            forms: set[str] = set()
            for token in (f.given, *extra):
                forms.update(canonical_forms(token))
            tokens = {*extra, *f.family_tokens}
            forms.discard("")
            tokens.discard("")
            form_codes.append([code(t) for t in forms])
            token_codes.append([code(t) for t in tokens])
            bits = 0
            for token in (*forms, *tokens, f.given, f.family):
                bits |= 1 << _token_bit(token)
            self.signature[i] = bits
        self._form_lists, self._token_lists = form_codes, token_codes
        self.year = np.array([int(f.dob[0:4]) if f.dob else 0 for f in features], dtype=np.int64)
        self.month = np.array([int(f.dob[5:7]) if f.dob else 0 for f in features], dtype=np.int64)
        self.day = np.array([int(f.dob[8:10]) if f.dob else 0 for f in features], dtype=np.int64)
        self.dob_digits = np.array([f.dob.replace("-", "") for f in features], dtype=object)
        # Birth years allowed: the year of the date of birth, or an approximate age's range.
        spans = [f.birth_years() for f in features]
        self.year_lo = np.array([r.start if len(r) else 0 for r in spans], dtype=np.int64)
        self.year_hi = np.array([r.stop - 1 if len(r) else 0 for r in spans], dtype=np.int64)
        self.ordinal = _ordinals(self.year, self.month, self.day)
        self.sex_code = voc.codes(f.sex for f in features)
        self.city = np.array([f.city for f in features], dtype=object)
        self.city_code = voc.codes(f.city for f in features)
        self.postcode_code = voc.codes(f.postcode for f in features)
        self.postcode_area = voc.codes(
            "pa:" + f.postcode[:3] if f.postcode else "" for f in features
        )
        self.phone = np.array([f.phone for f in features], dtype=object)
        self.phone_code = voc.codes(f.phone for f in features)
        self.phone_tail = voc.codes("pt:" + f.phone[-7:] if f.phone else "" for f in features)
        self.given_tf = np.asarray(given_tf if given_tf is not None else np.zeros(n), dtype=float)
        self.family_tf = np.asarray(
            family_tf if family_tf is not None else np.zeros(n), dtype=float
        )

    @cached_property
    def sets(self) -> TokenSets:
        """The set arrays, built when a comparison first needs them (an intake lookup seldom
        does)."""
        return TokenSets(*_token_sets(self._form_lists), *_token_sets(self._token_lists))


def _token_sets(sets: list[list[int]]) -> tuple[IntArray, IntArray, IntArray]:
    """Sets of token codes as CSR arrays (pointers, codes) and sorted ``record << 32 | code``
    keys, for :func:`_shares` and :func:`_holds`."""
    sizes = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    ptr = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(sizes)))
    codes = np.fromiter((c for one in sets for c in one), dtype=np.int64, count=int(ptr[-1]))
    records = np.repeat(np.arange(len(sets), dtype=np.int64), sizes)
    return ptr, codes, np.sort((records << 32) | codes)


def _member(queries: IntArray, keys: IntArray) -> np.ndarray[Any, np.dtype[np.bool_]]:
    if len(keys) == 0:
        return np.zeros(len(queries), dtype=bool)
    at = np.minimum(np.searchsorted(keys, queries), len(keys) - 1)
    return np.asarray(keys[at] == queries)


def _shares(
    ptr: IntArray, codes: IntArray, li: IntArray, keys: IntArray, ri: IntArray
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """For each pair, does left record ``li``'s set (ptr/codes) share a code with right record
    ``ri``'s set (keys)?"""
    starts = ptr[li]
    sizes = ptr[li + 1] - starts
    pair = np.repeat(np.arange(len(li), dtype=np.int64), sizes)
    offsets = np.arange(len(pair), dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    found = _member((ri[pair] << 32) | codes[starts[pair] + offsets], keys)
    out = np.zeros(len(li), dtype=bool)
    out[pair[found]] = True
    return out


def _holds(keys: IntArray, ri: IntArray, code: IntArray) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """For each pair, does right record ``ri``'s set (keys) hold ``code`` (-1: no)?"""
    return (code >= 0) & _member((ri << 32) | np.maximum(code, 0), keys)


@dataclass
class TokenSets:
    """A table's name forms and alias tokens as :func:`_token_sets` arrays."""

    form_ptr: IntArray
    form_codes: IntArray
    form_keys: IntArray
    token_ptr: IntArray
    token_codes: IntArray
    token_keys: IntArray


@lru_cache(maxsize=100_000)
def _token_bit(token: str) -> int:
    return zlib.crc32(token.encode("utf-8")) & 63


def _ordinals(year: IntArray, month: IntArray, day: IntArray) -> IntArray:
    """Days since 1970 for valid dates, 0 where the date is missing."""
    valid = year > 0
    out = np.zeros(len(year), dtype=np.int64)
    if valid.any():
        text = [
            f"{y:04d}-{m:02d}-{d:02d}"
            for y, m, d in zip(year[valid], month[valid], day[valid], strict=True)
        ]
        out[valid] = np.array(text, dtype="datetime64[D]").astype(np.int64)
    return out


def term_frequencies(values: Sequence[str]) -> FloatArray:
    """For each value, the share of records holding it (0 for an empty value)."""
    counts: dict[str, int] = {}
    for v in values:
        if v:
            counts[v] = counts.get(v, 0) + 1
    total = max(len(values), 1)
    return np.array([counts.get(v, 0) / total for v in values], dtype=float)


def table_from_features(features: Sequence[Features], vocabulary: Vocabulary) -> Table:
    """A table whose term frequencies are computed from the records themselves."""
    return Table(
        features,
        vocabulary=vocabulary,
        given_tf=term_frequencies([f.given for f in features]),
        family_tf=term_frequencies([f.family for f in features]),
    )
