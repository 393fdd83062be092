"""Training the model: u from random pairs, m and λ by expectation maximisation over pairs that
agree on the date of birth and on the phone (or the names), without labels (:func:`train`); then,
optionally, refining it with pairs coordinators reviewed (:func:`refine_with_labels`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from heatwatch.identity.engine.blocking import _pairs_within_groups, unique_ints
from heatwatch.identity.engine.comparison import (
    _BITS,
    COMPARISONS,
    NAMES,
    TF_COMPARISONS,
    compare,
)
from heatwatch.identity.engine.scoring import Model, match_weights
from heatwatch.identity.engine.table import IntArray, Table


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
