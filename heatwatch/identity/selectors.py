"""Reading identities: candidates for a youth at intake, people, records, merges.

``find_candidates`` is what intake calls. It looks records up by the blind indexes of their
blocking keys, decrypts only the candidates' compact features, and scores them with the same
engine as the batch dedupe. It returns ids, probabilities and reasons, never names: a caller
that shows the records must check access and audit the read (see views.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import has_role
from heatwatch.identity import engine
from heatwatch.identity.indexing import (
    TOTAL_KEY,
    IdentityInput,
    block_key_ints,
    get_model,
    term_key_ints,
)
from heatwatch.identity.models import BlockingKey, IdentityRecord, Merge, Person, TermCount
from heatwatch.identity.names import Features
from heatwatch.lib.crypto import decrypt

# Which blocks a lookup reads (docs/identity.md, "Intake lookup"): blocks bigger than
# MAX_BLOCK are never read (the record's other keys still find it); the others are read
# smallest first, the most telling first, until MAX_KEY_ROWS index entries are reached, so a
# lookup reads a bounded number of entries however large the store grows. Of the records found,
# the MAX_SCORED sharing the most keys are scored.
MAX_BLOCK = 2000
MAX_KEY_ROWS = 3000
MAX_SCORED = 60


@dataclass(frozen=True)
class Reason:
    """One field's comparison: "Date of birth: day and month swapped"."""

    field: str
    level: str
    agrees: bool


@dataclass(frozen=True)
class Candidate:
    """A person who may be the youth being looked up, with the best-matching record."""

    person_id: int
    record_id: int
    probability: float
    reasons: tuple[Reason, ...]


def _features_of(text: str) -> Features:
    data: Any = json.loads(text)
    return Features.from_compact(data if isinstance(data, dict) else {})


def _score(
    query: Features,
    query_tf: tuple[float, float],
    candidates: Sequence[Features],
    *,
    stored: int,
) -> tuple[list[list[int]], list[float]]:
    vocabulary = engine.Vocabulary()
    left = engine.Table(
        [query], vocabulary=vocabulary, given_tf=[query_tf[0]], family_tf=[query_tf[1]]
    )
    right = engine.Table(candidates, vocabulary=vocabulary)
    li = np.zeros(len(candidates), dtype=np.int64)
    ri = np.arange(len(candidates), dtype=np.int64)
    model = get_model()
    levels, probability = engine.score_pairs(
        model, left, right, li, ri, lam=model.realtime_prior(stored)
    )
    return levels.tolist(), probability.tolist()


def _blocks_to_read(counts: dict[int, int], keys: set[int]) -> list[int]:
    """The keys whose blocks a lookup reads: smallest first, within MAX_KEY_ROWS entries."""
    sized = sorted((counts[k], k) for k in keys if 0 < counts.get(k, 0) <= MAX_BLOCK)
    chosen: list[int] = []
    budget = MAX_KEY_ROWS
    for size, key in sized:
        if chosen and size > budget:
            break
        chosen.append(key)
        budget -= size
    return chosen


def _weight(size: int, total: int) -> int:
    """How telling a shared key is: log2(register size / block size), in thousandths."""
    return max(1, round(1000 * math.log2(max(total, size) / size)))


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def find_candidates(
    person: IdentityInput,
    *,
    limit: int = 10,
    min_probability: float = 0.01,
    exclude_person_ids: Sequence[int] = (),
) -> list[Candidate]:
    """Ranked people who may be ``person``, most probable first, with the reasons.

    One candidate per person (their best-matching record). Runs two indexed queries (block
    sizes, then the best records of the chosen blocks with their encrypted features), decrypts
    at most ``MAX_SCORED`` (60) records; see docs/identity.md for timings.
    """
    return lookup_scored(
        person,
        limit=limit,
        min_probability=min_probability,
        exclude_person_ids=exclude_person_ids,
    ).candidates


@dataclass(frozen=True)
class Lookup:
    """What one lookup found, and how many stored records it scored (its comparisons)."""

    candidates: list[Candidate]
    comparisons: int


def lookup_scored(
    person: IdentityInput | Features,
    *,
    limit: int = 10,
    min_probability: float = 0.01,
    exclude_person_ids: Sequence[int] = (),
) -> Lookup:
    """:func:`find_candidates` with the number of records compared (the duplicates scan counts
    them). Takes an :class:`IdentityInput` or a stored record's :class:`Features`."""
    query = person if isinstance(person, Features) else person.features()
    keys = block_key_ints(query)
    term_keys = term_key_ints(query)
    if not keys:
        return Lookup([], 0)
    q = connection.ops.quote_name
    wanted = [*keys, *term_keys.values(), TOTAL_KEY]
    with connection.cursor() as cursor:
        # Raw SQL: the ORM's query building costs more than these index lookups themselves.
        cursor.execute(
            f"SELECT key, {q('count')} FROM {q(TermCount._meta.db_table)} "  # noqa: S608 - names from model metadata
            f"WHERE key IN ({_marks(len(wanted))})",
            wanted,
        )
        counts: dict[int, int] = dict(cursor.fetchall())
        usable = _blocks_to_read(counts, keys)
        if not usable:
            return Lookup([], 0)
        # The records sharing the most telling keys, ranked by the database (index-only): a
        # shared key weighs log2(register size / block size), so one small block shared (name
        # and date of birth) outranks several large ones (name and day of birth).
        total = max(counts.get(TOTAL_KEY, 0), 1)
        weights: list[int] = []
        for key in usable:
            weights += [key, _weight(counts[key], total)]
        cases = " ".join(["WHEN %s THEN %s"] * len(usable))
        cursor.execute(
            f"SELECT r.id, r.person_id, r.features FROM {q(IdentityRecord._meta.db_table)} r "  # noqa: S608
            f"JOIN (SELECT record_id, SUM(CASE key {cases} END) AS weight "
            f"FROM {q(BlockingKey._meta.db_table)} "
            f"WHERE key IN ({_marks(len(usable))}) GROUP BY record_id "
            "ORDER BY weight DESC, record_id LIMIT %s) h ON h.record_id = r.id "
            "ORDER BY h.weight DESC, r.id",
            [*weights, *usable, MAX_SCORED],
        )
        rows: list[tuple[int, int, str]] = cursor.fetchall()
    excluded = set(exclude_person_ids)
    features_field = IdentityRecord._meta.get_field("features")
    context: str = features_field.context
    found = [
        (record_id, person_id, decrypt(token, context=context))
        for record_id, person_id, token in rows
        if person_id not in excluded
    ]
    if not found:
        return Lookup([], 0)
    query_tf = (
        counts.get(term_keys.get("given_name", TOTAL_KEY), 0) / total
        if "given_name" in term_keys
        else 0.0,
        counts.get(term_keys.get("family_name", TOTAL_KEY), 0) / total
        if "family_name" in term_keys
        else 0.0,
    )
    levels, probability = _score(
        query, query_tf, [_features_of(f) for _, _, f in found], stored=total
    )
    best: dict[int, Candidate] = {}
    for (record_id, person_id, _), lv, p in zip(found, levels, probability, strict=True):
        if p < min_probability:
            continue
        current = best.get(person_id)
        if current is None or p > current.probability:
            reasons = tuple(Reason(f, lvl, ok) for f, lvl, ok in engine.reasons(lv))
            best[person_id] = Candidate(person_id, record_id, float(p), reasons)
    ranked = sorted(best.values(), key=lambda c: (-c.probability, c.person_id))
    return Lookup(ranked[:limit], len(found))


@dataclass(frozen=True)
class Comparison:
    """Two people's records side by side and their closest pair (None if either has none)."""

    left: list[IdentityRecord]
    right: list[IdentityRecord]
    best: Candidate | None


def compare_persons(*, left: Person, right: Person) -> Comparison:
    """Both people's records and the probability and reasons of their closest pair of records.

    Every pair is scored in one call, with the register size read once (three queries however
    many records either person has). Of equally probable pairs the first (in record order, the
    left person's records outermost) is kept.
    """
    left_records = person_records(person=left)
    right_records = person_records(person=right)
    if not left_records or not right_records:
        return Comparison(left_records, right_records, None)
    stored = TermCount.objects.filter(key=TOTAL_KEY).values_list("count", flat=True).first()
    vocabulary = engine.Vocabulary()
    left_table = engine.Table(
        [_features_of(r.features) for r in left_records], vocabulary=vocabulary
    )
    right_table = engine.Table(
        [_features_of(r.features) for r in right_records], vocabulary=vocabulary
    )
    n, m = len(left_records), len(right_records)
    li = np.repeat(np.arange(n, dtype=np.int64), m)
    ri = np.tile(np.arange(m, dtype=np.int64), n)
    model = get_model()
    levels, probability = engine.score_pairs(
        model, left_table, right_table, li, ri, lam=model.realtime_prior(stored or 1)
    )
    at = int(np.argmax(probability))  # the first of the highest
    record = right_records[int(ri[at])]
    reasons = tuple(Reason(f, lvl, ok) for f, lvl, ok in engine.reasons(levels[at].tolist()))
    best = Candidate(record.person_id, record.pk, float(probability[at]), reasons)
    return Comparison(left_records, right_records, best)


def input_of(record: IdentityRecord) -> IdentityInput:
    """The stored record as an :class:`IdentityInput` (to look for its duplicates)."""
    return IdentityInput(
        given_name=record.given_name,
        family_name=record.family_name,
        aliases=tuple(a for a in record.aliases.split(";") if a),
        dob=record.dob,
        sex=record.sex,
        city=record.city,
        postcode=record.postcode,
        phone=record.phone,
        source=record.source,
    )


def person_duplicates(*, person: Person, limit: int = 10) -> list[Candidate]:
    """Other people who may be the same youth as ``person``, most probable first."""
    best: dict[int, Candidate] = {}
    for record in person_records(person=person):
        # The stored features, not input_of(record): they keep an approximate age.
        for candidate in lookup_scored(
            _features_of(record.features), limit=limit, exclude_person_ids=[person.pk]
        ).candidates:
            current = best.get(candidate.person_id)
            if current is None or candidate.probability > current.probability:
                best[candidate.person_id] = candidate
    return sorted(best.values(), key=lambda c: (-c.probability, c.person_id))[:limit]


def can_manage_identities(user: Any) -> bool:
    """Identity records and merges are for coordinators only (docs/identity.md)."""
    return has_role(user, Role.COORDINATOR)


def person_get_for_user(*, user: Any, person_id: int) -> Person:
    """The person, or 404 for anyone who may not see identities (or a wrong id)."""
    if not can_manage_identities(user):
        raise Http404
    try:
        return Person.objects.get(pk=person_id)
    except Person.DoesNotExist:
        raise Http404 from None


def person_records(*, person: Person) -> list[IdentityRecord]:
    """The person's source records, oldest first."""
    return list(IdentityRecord.objects.filter(person=person).order_by("pk"))


def merge_get_for_user(*, user: Any, merge_id: int) -> Merge:
    """The merge, or 404 for anyone who may not manage identities (or a wrong id)."""
    if not can_manage_identities(user):
        raise Http404
    try:
        return Merge.objects.select_related("survivor", "absorbed", "merged_by", "undone_by").get(
            pk=merge_id
        )
    except Merge.DoesNotExist:
        raise Http404 from None


def merges_recent(*, limit: int = 100) -> QuerySet[Merge]:
    """The newest merges (undone ones included), with who made them."""
    return Merge.objects.select_related("merged_by", "undone_by").order_by("-created_at", "-pk")[
        :limit
    ]


def record_of_source(
    *, person_id: int, source: str, source_record_id: str
) -> IdentityRecord | None:
    """The record a source keeps under its own id (e.g. ``cases.youth:12``), among the records
    of the person and of the people it was merged into. Source ids are encrypted, so the
    source's few records of those people are decrypted and compared."""
    people: list[int] = []
    current: Person | None = Person.objects.filter(pk=person_id).first()
    while current is not None and current.pk not in people:
        people.append(current.pk)
        current = current.merged_into
    for record in IdentityRecord.objects.filter(person_id__in=people, source=source).order_by("pk"):
        if record.source_record_id == source_record_id:
            return record
    return None
