"""The graded comparisons: for each field (:data:`COMPARISONS`) its levels from "missing" to
"exact", the labels shown to coordinators, and :func:`compare`, which computes the levels of many
pairs at once with numpy and rapidfuzz (on several threads for large inputs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

from heatwatch.identity.engine.table import FloatArray, IntArray, Table, _holds, _shares
from heatwatch.identity.names import MAX_GROUPS

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
