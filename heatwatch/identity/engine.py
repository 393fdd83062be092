"""The matching engine: blocking, graded comparisons, a Fellegi–Sunter model trained by EM.

Records are held column-wise (:class:`Table`) and pairs are compared many at a time with numpy
and rapidfuzz, so the same code scores ten candidates at intake and ten million pairs in a batch
dedupe. See docs/identity.md for the model, its levels and how it is trained.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

from heatwatch.identity.names import (
    MAX_GROUPS,
    Features,
    canonical_forms,
    nickname_groups,
    phonetic,
)

IntArray = np.ndarray[Any, np.dtype[np.int64]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]

# Level 0 of every comparison is "missing" (no evidence either way, weight 0); level 1 is
# "different"; higher levels are stronger agreement. The labels are shown to coordinators as
# the reasons for a candidate.
COMPARISONS: dict[str, tuple[str, ...]] = {
    "given_name": (
        "missing",
        "different",
        "sounds alike or similar spelling",
        "close spelling",
        "alias, street name or swapped with family name",
        "nickname of the same name",
        "exact",
    ),
    "family_name": (
        "missing",
        "different",
        "sounds alike or similar spelling",
        "close spelling",
        "shares a part, an alias or swapped with given name",
        "exact",
    ),
    "dob": (
        "missing",
        "different",
        "approximate age fits",
        "within 30 days",
        "year off by one",
        "one digit wrong or transposed",
        "day and month swapped",
        "exact",
    ),
    "sex": ("missing", "different", "same"),
    "city": ("missing", "different", "similar", "exact"),
    "postcode": ("missing", "different", "same area", "exact"),
    "phone": ("missing", "different", "nearly the same", "exact"),
}
NAMES = tuple(COMPARISONS)
LABELS = {
    "given_name": "Given name",
    "family_name": "Family name",
    "dob": "Date of birth",
    "sex": "Sex",
    "city": "City",
    "postcode": "Postcode",
    "phone": "Phone",
}
TF_COMPARISONS = ("given_name", "family_name")
_BITS = 3  # every comparison has at most 8 levels
_TF_CLIP = (-6.0, 8.0)  # bits: a very common or very rare name moves the score this much at most
DEFAULT_MAX_BLOCK = 1000
# Blocks of keys without a date grow with the number of records ("Maria Garcia"): cap them lower.
BLOCK_CAPS = {"nf": 50, "sw": 50, "fm": 200, "nm": 200, "ny": 50, "nc": 50}


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


# --- comparisons ------------------------------------------------------------------------------


# Threads pay off only for large inputs: for the few dozen pairs of an intake lookup, starting
# them costs milliseconds (far more on a busy machine) for microseconds of work.
PARALLEL_PAIRS = 20_000


def _workers(n: int) -> int:
    return -1 if n >= PARALLEL_PAIRS else 1


def _jw(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> FloatArray:
    if len(a) == 0:
        return np.zeros(0)
    return np.asarray(
        process.cpdist(a, b, scorer=JaroWinkler.normalized_similarity, workers=_workers(len(a))),
        dtype=float,
    )


def _osa(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> IntArray:
    if len(a) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(
        process.cpdist(a, b, scorer=OSA.distance, workers=_workers(len(a))), dtype=np.int64
    )


def _select(conditions: list[tuple[np.ndarray[Any, Any], int]], default: int, n: int) -> IntArray:
    """The level of the first true condition (conditions ordered strongest first)."""
    out = np.full(n, default, dtype=np.int64)
    decided = np.zeros(n, dtype=bool)
    for condition, level in conditions:
        take = condition & ~decided
        out[take] = level
        decided |= take
    return out


def compare(left: Table, right: Table, li: IntArray, ri: IntArray) -> IntArray:
    """The comparison levels (pairs × comparisons) of the pairs ``left[li]``–``right[ri]``."""
    n = len(li)
    out = np.zeros((n, len(NAMES)), dtype=np.int64)
    if n == 0:
        return out

    # given name
    gl, gr = left.given_code[li], right.given_code[ri]
    g_null = (gl < 0) | (gr < 0)
    g_exact = (gl == gr) & ~g_null
    ll, rr = left.given_groups[li], right.given_groups[ri]
    nick = np.zeros(n, dtype=bool)
    for a in range(MAX_GROUPS):
        for b in range(MAX_GROUPS):
            nick |= (ll[:, a] >= 0) & (ll[:, a] == rr[:, b])
    fl, fr = left.family_code[li], right.family_code[ri]
    f_null = (fl < 0) | (fr < 0)
    swapped = (gl == fr) & (fl == gr) & ~g_null & ~f_null
    extra = left.has_extra[li] | right.has_extra[ri]
    alias = np.zeros(n, dtype=bool)
    fam_part = np.zeros(n, dtype=bool)
    g_open = ~g_null & (gl != gr) & ~nick
    f_open = ~f_null & (fl != fr)
    shared = (left.signature[li] & right.signature[ri]) != 0
    todo = np.flatnonzero(extra & (g_open | f_open) & shared)
    if len(todo):
        lt, rt = li[todo], ri[todo]
        ls, rs = left.sets, right.sets
        alias[todo] = (
            _shares(ls.form_ptr, ls.form_codes, lt, rs.form_keys, rt)
            | _holds(rs.token_keys, rt, left.given_code[lt])
            | _holds(ls.token_keys, lt, right.given_code[rt])
        )
        fam_part[todo] = (
            _shares(ls.token_ptr, ls.token_codes, lt, rs.token_keys, rt)
            | _holds(rs.token_keys, rt, left.family_code[lt])
            | _holds(ls.token_keys, lt, right.family_code[rt])
        )
    g_jw = np.zeros(n)
    g_need = np.flatnonzero(~g_null & ~g_exact & ~nick)
    g_jw[g_need] = _jw(left.given[li[g_need]], right.given[ri[g_need]])
    g_sound = (left.given_sound[li] == right.given_sound[ri]) & ~g_null
    f_exact = (fl == fr) & ~f_null
    f_jw = np.zeros(n)
    f_need = np.flatnonzero(~f_null & ~f_exact)
    f_jw[f_need] = _jw(left.family[li[f_need]], right.family[ri[f_need]])
    f_sound = (left.family_sound[li] == right.family_sound[ri]) & ~f_null
    # Names swapped and one of them misspelt: one crossed half agrees exactly or by sound, the
    # other closely (checked only for pairs where neither name agrees the straight way).
    cross_hint = (
        (gl == fr)
        | (fl == gr)
        | (left.given_sound[li] == right.family_sound[ri])
        | (left.family_sound[li] == right.given_sound[ri])
    )
    c_need = np.flatnonzero(
        ~g_null & ~f_null & ~swapped & ~nick & (g_jw < 0.8) & (f_jw < 0.8) & cross_hint
    )
    if len(c_need):
        cross_gf = _jw(left.given[li[c_need]], right.family[ri[c_need]])
        cross_fg = _jw(left.family[li[c_need]], right.given[ri[c_need]])
        low, high = np.minimum(cross_gf, cross_fg), np.maximum(cross_gf, cross_fg)
        swapped[c_need] = (low >= 0.85) & (high >= 0.92)
    out[:, 0] = _select(
        [
            (g_null, 0),
            (g_exact, 6),
            (nick, 5),
            (alias | swapped, 4),
            (g_jw >= 0.92, 3),
            ((g_jw >= 0.8) | g_sound, 2),
        ],
        1,
        n,
    )

    # family name
    out[:, 1] = _select(
        [
            (f_null, 0),
            (f_exact, 5),
            (fam_part | swapped, 4),
            (f_jw >= 0.92, 3),
            ((f_jw >= 0.8) | f_sound, 2),
        ],
        1,
        n,
    )

    # date of birth
    yl, yr = left.year[li], right.year[ri]
    ml, mr = left.month[li], right.month[ri]
    dl, dr = left.day[li], right.day[ri]
    d_null = (yl == 0) | (yr == 0)
    d_exact = (yl == yr) & (ml == mr) & (dl == dr) & ~d_null
    d_swap = (yl == yr) & (ml == dr) & (dl == mr) & (ml != dl) & ~d_null
    d_osa = np.full(n, 99, dtype=np.int64)
    d_need = np.flatnonzero(~d_null & ~d_exact & ~d_swap)
    d_osa[d_need] = _osa(left.dob_digits[li[d_need]], right.dob_digits[ri[d_need]])
    d_year = (ml == mr) & (dl == dr) & (np.abs(yl - yr) == 1)
    d_days = np.abs(left.ordinal[li] - right.ordinal[ri]) <= 30
    # An approximate age on either side (no date there): does its range of birth years meet
    # the other side's date or range?
    al, ah = left.year_lo[li], left.year_hi[li]
    bl, bh = right.year_lo[ri], right.year_hi[ri]
    a_known = (al > 0) & (bl > 0)
    a_fits = a_known & (al <= bh) & (bl <= ah)
    out[:, 2] = _select(
        [
            (d_null & ~a_known, 0),
            (d_null & a_fits, 2),
            (d_null, 1),
            (d_exact, 7),
            (d_swap, 6),
            (d_osa == 1, 5),
            (d_year, 4),
            (d_days, 3),
        ],
        1,
        n,
    )

    # sex
    sl, sr = left.sex_code[li], right.sex_code[ri]
    s_null = (sl < 0) | (sr < 0)
    out[:, 3] = _select([(s_null, 0), (sl == sr, 2)], 1, n)

    # city
    cl, cr = left.city_code[li], right.city_code[ri]
    c_null = (cl < 0) | (cr < 0)
    c_exact = (cl == cr) & ~c_null
    c_jw = np.zeros(n)
    c_need = np.flatnonzero(~c_null & ~c_exact)
    c_jw[c_need] = _jw(left.city[li[c_need]], right.city[ri[c_need]])
    out[:, 4] = _select([(c_null, 0), (c_exact, 3), (c_jw >= 0.88, 2)], 1, n)

    # postcode
    pl, pr = left.postcode_code[li], right.postcode_code[ri]
    p_null = (pl < 0) | (pr < 0)
    p_area = left.postcode_area[li] == right.postcode_area[ri]
    out[:, 5] = _select([(p_null, 0), (pl == pr, 3), (p_area, 2)], 1, n)

    # phone
    tl, tr = left.phone_code[li], right.phone_code[ri]
    t_null = (tl < 0) | (tr < 0)
    t_exact = (tl == tr) & ~t_null
    t_osa = np.full(n, 99, dtype=np.int64)
    t_need = np.flatnonzero(~t_null & ~t_exact)
    t_osa[t_need] = _osa(left.phone[li[t_need]], right.phone[ri[t_need]])
    t_near = (left.phone_tail[li] == right.phone_tail[ri]) | (t_osa <= 1)
    out[:, 6] = _select([(t_null, 0), (t_exact, 3), (t_near, 2)], 1, n)
    return out


# --- blocking ---------------------------------------------------------------------------------


def _explode(keys: Sequence[Iterable[str]], ids: dict[str, int]) -> tuple[IntArray, IntArray]:
    lists = [list(record_keys) for record_keys in keys]
    sizes = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    records = np.repeat(np.arange(len(lists), dtype=np.int64), sizes)
    setdefault = ids.setdefault
    # setdefault(key, len(ids)): a new key gets the next id, a known key keeps its own.
    key_ids = np.fromiter(
        (setdefault(key, len(ids)) for record_keys in lists for key in record_keys),
        dtype=np.int64,
        count=int(sizes.sum()),
    )
    return records, key_ids


def unique_ints(values: IntArray, *, counts: bool = False) -> tuple[IntArray, IntArray]:
    """The distinct values of an integer array, sorted, and (with ``counts``) how often each
    occurs. Sort-based: on tens of millions of values it is many times faster than
    ``np.unique``, whose hash-based path (numpy 2.3+) is slow on large int64 arrays."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered, np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[first, len(ordered)]) if counts else np.zeros(0, dtype=np.int64)
    return ordered[first], sizes


def _groups(records: IntArray, key_ids: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Records sorted by key, and each key group's start and size."""
    order = np.argsort(key_ids, kind="stable")
    sorted_records, sorted_keys = records[order], key_ids[order]
    if len(sorted_keys) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return sorted_records, empty, empty
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(sorted_keys)])
    return sorted_records, starts, sizes


def _key_caps(ids: dict[str, int], max_block: int) -> IntArray:
    caps = np.full(len(ids), max_block, dtype=np.int64)
    for key, kid in ids.items():
        cap = BLOCK_CAPS.get(key[:2])
        if cap is not None:
            caps[kid] = min(cap, max_block)
    return caps


def _pairs_within_groups(
    records: IntArray,
    key_ids: IntArray,
    n: int,
    *,
    max_block: int,
    caps: IntArray | None = None,
) -> tuple[IntArray, IntArray]:
    """Pairs ``i < j`` of records sharing a key id, each pair once (big blocks skipped)."""
    sorted_records, starts, sizes = _groups(records, key_ids)
    if caps is not None and len(starts):
        group_keys = np.sort(key_ids)[starts]
        allowed = caps[group_keys]
    else:
        allowed = np.full(len(starts), max_block, dtype=np.int64)
    chunks: list[IntArray] = []
    for size in unique_ints(sizes)[0].tolist():
        if size < 2 or size > max_block:
            continue
        first = starts[(sizes == size) & (allowed >= size)]
        if len(first) == 0:
            continue
        members = sorted_records[first[:, None] + np.arange(size)[None, :]]
        a, b = np.triu_indices(int(size), 1)
        left, right = members[:, a].ravel(), members[:, b].ravel()
        lo, hi = np.minimum(left, right), np.maximum(left, right)
        keep = lo != hi
        chunks.append(lo[keep] * n + hi[keep])
    if not chunks:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    codes, _ = unique_ints(np.concatenate(chunks))
    return codes // n, codes % n


def dedupe_pairs(
    keys: Sequence[Iterable[str]], *, max_block: int = DEFAULT_MAX_BLOCK
) -> tuple[IntArray, IntArray]:
    """Pairs ``i < j`` of records sharing at least one blocking key, each pair once.

    Blocks larger than ``max_block`` are skipped: the other keys still bring their pairs
    together (see docs/identity.md).
    """
    ids: dict[str, int] = {}
    records, key_ids = _explode(keys, ids)
    return _pairs_within_groups(
        records, key_ids, len(keys), max_block=max_block, caps=_key_caps(ids, max_block)
    )


def link_pairs(
    left_keys: Sequence[Iterable[str]],
    right_keys: Sequence[Iterable[str]],
    *,
    max_block: int = DEFAULT_MAX_BLOCK,
) -> tuple[IntArray, IntArray]:
    """Pairs (left index, right index) sharing at least one blocking key, each pair once."""
    ids: dict[str, int] = {}
    lrec, lkey = _explode(left_keys, ids)
    rrec, rkey = _explode(right_keys, ids)
    n_right = max(len(right_keys), 1)
    ls, lstart, lsize = _groups(lrec, lkey)
    rs, rstart, rsize = _groups(rrec, rkey)
    lkeys_sorted = np.sort(lkey)[lstart] if len(lkey) else np.zeros(0, dtype=np.int64)
    rkeys_sorted = np.sort(rkey)[rstart] if len(rkey) else np.zeros(0, dtype=np.int64)
    common, li_idx, ri_idx = np.intersect1d(lkeys_sorted, rkeys_sorted, return_indices=True)
    caps = _key_caps(ids, max_block)
    chunks: list[IntArray] = []
    for key, a_i, b_i in zip(common.tolist(), li_idx.tolist(), ri_idx.tolist(), strict=True):
        sa, sb = int(lsize[a_i]), int(rsize[b_i])
        if sa + sb > caps[key]:
            continue
        left = ls[lstart[a_i] : lstart[a_i] + sa]
        right = rs[rstart[b_i] : rstart[b_i] + sb]
        chunks.append((left[:, None] * n_right + right[None, :]).ravel())
    if not chunks:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    codes, _ = unique_ints(np.concatenate(chunks))
    return codes // n_right, codes % n_right


# --- the model --------------------------------------------------------------------------------


@dataclass
class Model:
    """Fellegi–Sunter parameters: m and u per comparison level, and the prior λ.

    ``lam`` is the share of matches among *blocked* pairs (the only pairs ever scored).
    ``tf_u`` holds, for the name comparisons, the chance that two random records agree exactly;
    an exact agreement on a value of frequency ``p`` adds ``log2(tf_u / p)`` to the weight
    (term-frequency adjustment: "Maria" counts for less than "Xiomara").
    """

    lam: float
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    tf_u: dict[str, float] = field(default_factory=dict)
    iterations: int = 0
    converged: bool = False
    trained_on: str = ""
    records: int = 0  # how many records it was trained on (see realtime_prior)

    def weights(self) -> FloatArray:
        """log2(m/u) per comparison (rows) and level (columns); 0 for "missing"."""
        table = np.zeros((len(NAMES), 1 << _BITS))
        for c, name in enumerate(NAMES):
            for level in range(1, len(COMPARISONS[name])):
                m = max(self.m[name][level], 1e-9)
                u = max(self.u[name][level], 1e-9)
                table[c, level] = math.log2(m / u)
        return table

    def to_json(self) -> str:
        """Serialise (parameters only: no names, no data)."""
        return json.dumps(
            {
                "format": "heatwatch.identity.model.v1",
                "comparisons": {name: list(levels) for name, levels in COMPARISONS.items()},
                "lam": self.lam,
                "m": self.m,
                "u": self.u,
                "tf_u": self.tf_u,
                "iterations": self.iterations,
                "converged": self.converged,
                "trained_on": self.trained_on,
                "records": self.records,
            },
            indent=1,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Model:
        """Load a model saved by :meth:`to_json`; ValueError if it does not fit this engine."""
        data = json.loads(text)
        if data.get("format") != "heatwatch.identity.model.v1":
            raise ValueError("not a heatwatch identity model (format v1)")
        if data.get("comparisons") != {k: list(v) for k, v in COMPARISONS.items()}:
            raise ValueError("the model was trained with other comparisons; train it again")
        return cls(
            lam=float(data["lam"]),
            m={k: [float(x) for x in v] for k, v in data["m"].items()},
            u={k: [float(x) for x in v] for k, v in data["u"].items()},
            tf_u={k: float(v) for k, v in data.get("tf_u", {}).items()},
            iterations=int(data.get("iterations", 0)),
            converged=bool(data.get("converged", False)),
            trained_on=str(data.get("trained_on", "")),
            records=int(data.get("records", 0)),
        )

    def realtime_prior(self, stored: int) -> float:
        """The chance that one stored record is the youth looked up, in a register of ``stored``.

        λ is "matches per pair" of the training data; λ × its size is how many other records
        one youth has on average, spread over the ``stored`` records now in the register.
        Capped at 1%: a small register must not make a thin resemblance look likely.
        """
        if self.records <= 0 or stored <= 0:
            return self.lam
        return min(self.lam * self.records / stored, 0.01)

    def save(self, path: Path) -> None:
        """Write the model to ``path``."""
        path.write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Model:
        """Read a model from ``path``."""
        return cls.from_json(path.read_text(encoding="utf-8"))


def match_weights(
    model: Model,
    levels: IntArray,
    *,
    left_tf: FloatArray | None,
    right_tf: FloatArray | None,
    lam: float | None = None,
) -> FloatArray:
    """The match weight (log2 odds) of each pair, with term-frequency adjustments.

    ``left_tf``/``right_tf`` are (pairs × 2) arrays of the given- and family-name frequencies
    of each side, or None to skip the adjustment.
    """
    table = model.weights()
    prior_p = model.lam if lam is None else lam
    prior = math.log2(prior_p / (1 - prior_p))
    total = np.full(len(levels), prior)
    for c in range(len(NAMES)):
        total += table[c, levels[:, c]]
    if left_tf is not None and right_tf is not None:
        for k, name in enumerate(TF_COMPARISONS):
            c = NAMES.index(name)
            exact = levels[:, c] == len(COMPARISONS[name]) - 1
            base = model.tf_u.get(name, 0.0)
            freq = np.maximum(left_tf[:, k], right_tf[:, k])
            use = exact & (freq > 0) & (base > 0)
            if use.any():
                adjust = np.log2(base / freq[use])
                total[use] += np.clip(adjust, *_TF_CLIP)
    return total


def probabilities(weights: FloatArray) -> FloatArray:
    """Match probability from match weight."""
    return 1.0 / (1.0 + np.exp2(-np.clip(weights, -60, 60)))


def score_pairs(
    model: Model,
    left: Table,
    right: Table,
    li: IntArray,
    ri: IntArray,
    *,
    lam: float | None = None,
) -> tuple[IntArray, FloatArray]:
    """Levels and match probability of each pair (``lam`` overrides the model's prior)."""
    levels = compare(left, right, li, ri)
    ltf = np.stack([left.given_tf[li], left.family_tf[li]], axis=1)
    rtf = np.stack([right.given_tf[ri], right.family_tf[ri]], axis=1)
    weights = match_weights(model, levels, left_tf=ltf, right_tf=rtf, lam=lam)
    return levels, probabilities(weights)


def reasons(levels: Sequence[int]) -> list[tuple[str, str, bool]]:
    """(field label, level label, agrees?) for one pair's levels, missing fields left out."""
    out: list[tuple[str, str, bool]] = []
    for name, level in zip(NAMES, levels, strict=True):
        if level == 0:
            continue
        out.append((LABELS[name], COMPARISONS[name][level], level >= 2))
    return out


# --- training ---------------------------------------------------------------------------------


def _pack(levels: IntArray) -> IntArray:
    code = np.zeros(len(levels), dtype=np.int64)
    for c in range(levels.shape[1]):
        code |= levels[:, c].astype(np.int64) << (_BITS * c)
    return code


def _unpack(codes: IntArray) -> IntArray:
    out = np.zeros((len(codes), len(NAMES)), dtype=np.int64)
    for c in range(len(NAMES)):
        out[:, c] = (codes >> (_BITS * c)) & ((1 << _BITS) - 1)
    return out


def estimate_u(
    left: Table, right: Table, *, rng: np.random.Generator, max_pairs: int = 1_000_000
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """u probabilities from random pairs (almost all non-matches), and the exact-name rates."""
    n_pairs = min(max_pairs, left.n * right.n)
    counts_by = [np.zeros(len(COMPARISONS[name]), dtype=np.int64) for name in NAMES]
    for start in range(0, n_pairs, 200_000):  # in chunks: memory stays flat
        size = min(200_000, n_pairs - start)
        li = rng.integers(0, left.n, size)
        ri = rng.integers(0, right.n, size)
        if left is right:
            keep = li != ri
            li, ri = li[keep], ri[keep]
        chunk = compare(left, right, li, ri)
        for c, name in enumerate(NAMES):
            counts_by[c] += np.bincount(chunk[:, c], minlength=len(COMPARISONS[name]))
    u: dict[str, list[float]] = {}
    for c, name in enumerate(NAMES):
        counts = counts_by[c].astype(float)
        observed = counts[1:].sum()
        # Every level keeps a little mass so that no agreement is ever "impossible by chance".
        smoothed = (counts[1:] + 0.5) / (observed + 0.5 * (len(counts) - 1))
        u[name] = [0.0, *smoothed.tolist()]
    tf_u = {name: u[name][-1] for name in TF_COMPARISONS}
    return u, tf_u


def _initial_m(name: str) -> list[float]:
    k = len(COMPARISONS[name]) - 1  # levels 1..k
    raw = [0.05] + [0.05 + 0.1 * i for i in range(1, k - 1)] + [0.7]
    raw = raw[:k]
    total = sum(raw)
    return [0.0, *[r / total for r in raw]]


def expectation_maximisation(
    levels: IntArray,
    *,
    u: dict[str, list[float]],
    lam: float = 0.05,
    skip: set[str] | frozenset[str] = frozenset(),
    max_iterations: int = 200,
    tolerance: float = 1e-6,
) -> tuple[float, dict[str, list[float]], int, bool]:
    """Fit λ and m to the comparison levels of training pairs, u fixed.

    Comparisons in ``skip`` (those the training pairs were chosen on) take no part and keep
    their initial m. Identical comparison vectors are counted once with a weight, so each
    iteration costs the number of distinct vectors, not the number of pairs. Returns (λ, m,
    iterations, converged).
    """
    codes, counts_i = unique_ints(_pack(levels), counts=True)
    patterns = _unpack(codes)
    counts = counts_i.astype(float)
    m = {name: _initial_m(name) for name in NAMES}
    active = [(c, name) for c, name in enumerate(NAMES) if name not in skip]
    converged = False
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported to the caller
        pm = np.ones(len(patterns))
        pu = np.ones(len(patterns))
        for c, name in active:
            col = patterns[:, c]
            m_arr = np.array(m[name])
            u_arr = np.array(u[name])
            m_arr[0] = u_arr[0] = 1.0
            pm *= m_arr[col]
            pu *= u_arr[col]
        post = lam * pm / (lam * pm + (1 - lam) * pu)
        matched = counts * post
        new_lam = float(matched.sum() / counts.sum())
        change = abs(new_lam - lam)
        new_m = dict(m)
        for c, name in active:
            col = patterns[:, c]
            k = len(COMPARISONS[name])
            mc = np.bincount(col, weights=matched, minlength=k)
            m_levels = (mc[1:] + 1e-6) / (mc[1:].sum() + 1e-6 * (k - 1))
            new_m[name] = [0.0, *m_levels.tolist()]
            change = max(change, float(np.max(np.abs(m_levels - np.array(m[name][1:])))))
        lam, m = min(max(new_lam, 1e-9), 1 - 1e-9), new_m
        if change < tolerance:
            converged = True
            break
    return lam, m, iteration, converged


def _sampled_pairs_on(
    left_key: IntArray,
    right_key: IntArray | None,
    *,
    rng: np.random.Generator,
    max_pairs: int,
) -> tuple[IntArray, IntArray, int]:
    """Pairs agreeing on a key (-1 = missing) among a random sample of records.

    ``right_key`` None means a dedupe (pairs within ``left_key``). The sample is drawn so that
    about ``max_pairs`` pairs come out. Returns (left indexes, right indexes, number of all
    pairs of sampled records, agreeing or not).
    """
    _, lcount = unique_ints(left_key[left_key >= 0], counts=True)
    if right_key is None:
        expected = float((lcount.astype(float) ** 2).sum() / 2)
    else:
        _, rcount = unique_ints(right_key[right_key >= 0], counts=True)
        expected = float(lcount.astype(float).sum() * rcount.astype(float).max(initial=1))
    fraction = 1.0 if expected <= max_pairs else math.sqrt(max_pairs / expected)
    lsample = np.flatnonzero(rng.random(len(left_key)) < fraction)
    if right_key is None:
        valid = lsample[left_key[lsample] >= 0]
        li, ri = _pairs_within_groups(valid, left_key[valid], len(left_key), max_block=1 << 30)
        return li, ri, len(lsample) * (len(lsample) - 1) // 2
    rsample = np.flatnonzero(rng.random(len(right_key)) < fraction)
    by_key: dict[int, list[int]] = {}
    for j in rsample[right_key[rsample] >= 0].tolist():
        by_key.setdefault(int(right_key[j]), []).append(j)
    out_l: list[int] = []
    out_r: list[int] = []
    for i in lsample[left_key[lsample] >= 0].tolist():
        for j in by_key.get(int(left_key[i]), ()):
            out_l.append(i)
            out_r.append(j)
    return (
        np.array(out_l, dtype=np.int64),
        np.array(out_r, dtype=np.int64),
        len(lsample) * len(rsample),
    )


_AGE_FITS = COMPARISONS["dob"].index("approximate age fits")


def _age_fit_m(
    left: Table,
    right: Table,
    m_dob: list[float],
    u_dob: list[float],
    *,
    rng: np.random.Generator,
    sample: int = 200_000,
) -> list[float]:
    """m of "approximate age fits", which EM cannot learn (records with only an age are too
    few in its training pairs): a youth's own records always fit their age range, while two
    random records fit with probability ``q`` (measured on random pairs where one side has an
    age), so m/u = 1/q. The other levels keep their shares of what is left."""
    li = rng.integers(0, left.n, sample)
    ri = rng.integers(0, right.n, sample)
    no_date = (left.year[li] == 0) | (right.year[ri] == 0)
    known = no_date & (left.year_lo[li] > 0) & (right.year_lo[ri] > 0)
    fits = known & (left.year_lo[li] <= right.year_hi[ri]) & (right.year_lo[ri] <= left.year_hi[li])
    if known.sum() < 20:
        q = 0.5  # too few ages to measure: a weak agreement (1 bit)
    else:
        q = max(float(fits.sum()) / float(known.sum()), 1e-3)
    target = min(u_dob[_AGE_FITS] / q, 0.5)
    rest = sum(v for i, v in enumerate(m_dob) if i not in (0, _AGE_FITS))
    out = [0.0] * len(m_dob)
    for i, v in enumerate(m_dob):
        if i not in (0, _AGE_FITS):
            out[i] = v / rest * (1 - target) if rest > 0 else 0.0
    out[_AGE_FITS] = target
    return out


def train(
    left: Table,
    right: Table,
    *,
    seed: int = 20261123,
    trained_on: str = "",
    max_pairs: int = 2_000_000,
) -> Model:
    """Train a model without labels, the way Fellegi–Sunter models usually are.

    1. u from random pairs (nearly all non-matches).
    2. EM over pairs with the same date of birth: m of the names and the phone.
    3. EM over pairs with the same phone (or, without phones, the same names): m of the date,
       sex, city and postcode.
    4. λ, the chance that two random records match, from session 2's share of matches and
       how often matches agree on the date of birth (session 3).
    u stays fixed in the EM sessions, as in Splink. See docs/identity.md.
    """
    rng = np.random.default_rng(seed)
    same = left is right
    u, tf_u = estimate_u(left, right, rng=rng, max_pairs=min(1_000_000, 30 * (left.n + right.n)))

    dob_l = np.where(left.ordinal != 0, left.ordinal, -1)
    dob_l[left.year == 0] = -1
    dob_r = np.where(right.ordinal != 0, right.ordinal, -1)
    dob_r[right.year == 0] = -1
    li, ri, frame = _sampled_pairs_on(dob_l, None if same else dob_r, rng=rng, max_pairs=max_pairs)
    # Only the names and the phone take part: low-cardinality fields (city, postcode, sex)
    # let EM mistake "same date and same town" for a match.
    skip_a = {"dob", "sex", "city", "postcode"}
    lam_a, m_a, it_a, ok_a = expectation_maximisation(
        compare(left, right, li, ri), u=u, skip=skip_a
    )

    # Session B: pairs with the same phone (few random collisions), or, when phones are rare,
    # the same given and family name.
    bl, br, _ = _sampled_pairs_on(
        left.phone_code, None if same else right.phone_code, rng=rng, max_pairs=max_pairs
    )
    skip_b = {"phone"}
    if len(bl) < 1000:

        def name_key(table: Table) -> IntArray:
            valid = (table.given_code >= 0) & (table.family_code >= 0)
            key = table.given_code * (1 << 31) + table.family_code
            return np.where(valid, key, -1)

        bl, br, _ = _sampled_pairs_on(
            name_key(left), None if same else name_key(right), rng=rng, max_pairs=max_pairs
        )
        skip_b = {"given_name", "family_name"}
    _, m_b, it_b, ok_b = expectation_maximisation(compare(left, right, bl, br), u=u, skip=skip_b)

    m: dict[str, list[float]] = {}
    for name in NAMES:
        m[name] = m_b[name] if name in skip_a else m_a[name]
    m["dob"] = _age_fit_m(left, right, m["dob"], u["dob"], rng=rng)
    dob_present = float(np.mean(left.year > 0) * np.mean(right.year > 0))
    dob_exact = m["dob"][-1] * dob_present
    matches = lam_a * len(li) / max(dob_exact, 1e-6)
    lam = min(max(matches / max(frame, 1), 1e-9), 0.5)
    return Model(
        lam=lam,
        m=m,
        u=u,
        tf_u=tf_u,
        iterations=it_a + it_b,
        converged=ok_a and ok_b,
        trained_on=trained_on,
        records=left.n if same else left.n + right.n,
    )


# How many pairs' worth of weight the unsupervised m keeps when reviewed pairs refine it: with
# a few dozen answers the model barely moves; with thousands the answers dominate.
LABEL_PRIOR_PAIRS = 200
MIN_LABELS = 20  # per class, below which the answers are not used at all


@dataclass(frozen=True)
class LabelFit:
    """What :func:`refine_with_labels` did."""

    model: Model
    same: int
    different: int
    m_updated: bool
    prior_shift_bits: float


def refine_with_labels(
    model: Model,
    same: Sequence[Sequence[int]],
    different: Sequence[Sequence[int]],
    *,
    prior_pairs: int = LABEL_PRIOR_PAIRS,
) -> LabelFit:
    """Re-estimate the model from pairs coordinators reviewed (docs/identity.md, "Training
    with reviewed pairs").

    - m, from the pairs answered "same youth" (at least ``MIN_LABELS``): the share of each
      level among them, blended with the unsupervised m as ``prior_pairs`` pseudo-pairs.
    - u is left alone: reviewed pairs were chosen because they looked alike, so their agreement
      rates say nothing about random pairs.
    - the prior: with both answers (``MIN_LABELS`` of each), one shift of the log-odds that
      makes the predicted probabilities of the reviewed pairs match their answers (logistic
      fit of the intercept only; being chosen by score does not bias P(same | score)), at
      most ±4 bits.
    """
    same_levels = np.asarray(same, dtype=np.int64).reshape(-1, len(NAMES))
    diff_levels = np.asarray(different, dtype=np.int64).reshape(-1, len(NAMES))
    m = {name: list(values) for name, values in model.m.items()}
    m_updated = False
    if len(same_levels) >= MIN_LABELS:
        for c, name in enumerate(NAMES):
            k = len(COMPARISONS[name])
            column = same_levels[:, c]
            counts = np.bincount(column[column > 0], minlength=k).astype(float)
            seen = counts[1:].sum()
            if seen == 0:
                continue
            old = np.array(model.m[name][1:], dtype=float)
            blended = (prior_pairs * old + counts[1:]) / (prior_pairs + seen)
            blended = np.maximum(blended, 1e-6)
            m[name] = [0.0, *(blended / blended.sum()).tolist()]
        m_updated = True
    refined = Model(
        lam=model.lam,
        m=m,
        u=model.u,
        tf_u=model.tf_u,
        iterations=model.iterations,
        converged=model.converged,
        trained_on=model.trained_on,
        records=model.records,
    )
    shift = 0.0
    if len(same_levels) >= MIN_LABELS and len(diff_levels) >= MIN_LABELS:
        levels = np.concatenate([same_levels, diff_levels])
        labels = np.concatenate([np.ones(len(same_levels)), np.zeros(len(diff_levels))])
        base = match_weights(refined, levels, left_tf=None, right_tf=None) * math.log(2)
        delta = 0.0  # natural log-odds
        for _ in range(50):  # Newton's method on the intercept
            p = 1.0 / (1.0 + np.exp(-(base + delta)))
            gradient = float(np.sum(labels - p))
            hessian = float(np.sum(p * (1 - p))) + 1e-9
            step = gradient / hessian
            delta += step
            if abs(step) < 1e-9:
                break
        shift = float(np.clip(delta / math.log(2), -4.0, 4.0))
        odds = math.log2(refined.lam / (1 - refined.lam)) + shift
        refined.lam = float(min(max(1.0 / (1.0 + 2.0**-odds), 1e-9), 0.5))
    if m_updated or shift:
        note = f"refined with {len(same_levels)} same / {len(diff_levels)} not-same reviewed pairs"
        refined.trained_on = f"{model.trained_on}; {note}" if model.trained_on else note
    return LabelFit(refined, len(same_levels), len(diff_levels), m_updated, shift)


def default_model_path() -> Path:
    """The model that ships with heatwatch (trained on the synthetic generator's data)."""
    return Path(__file__).with_name("data") / "model.json"


ProgressFn = Callable[[str, float], None]
