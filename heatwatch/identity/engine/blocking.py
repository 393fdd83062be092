"""Blocking: which pairs of records are compared at all. Records sharing a blocking key form a
block; :func:`dedupe_pairs` and :func:`link_pairs` list each pair of a block once, skipping blocks
larger than their cap (:data:`DEFAULT_MAX_BLOCK`, lower for the keys in :data:`BLOCK_CAPS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from heatwatch.identity.engine.table import IntArray

DEFAULT_MAX_BLOCK = 1000
# Blocks of keys without a date grow with the number of records ("Maria Garcia"): cap them lower.
BLOCK_CAPS = {"nf": 50, "sw": 50, "fm": 200, "nm": 200, "ny": 50, "nc": 50}


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
