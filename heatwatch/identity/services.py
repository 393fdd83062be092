"""Writing identities: records in, people merged, merges undone. Every change is audited.

The merge keeps everything: records move from one person to the other and the list of moved
records is kept on the :class:`Merge`, so ``merge_undo`` moves exactly those records back.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.identity.indexing import TOTAL_KEY, IdentityInput, block_key_ints, term_key_ints
from heatwatch.identity.models import BlockingKey, IdentityRecord, Merge, Person, TermCount

if TYPE_CHECKING:
    from heatwatch.accounts.models import User

_MAX_REASON = 2000


class MergeError(Exception):
    """A merge or an undo that cannot be done (the message says why, without personal data)."""


def _record_values(data: IdentityInput) -> dict[str, object]:
    features = data.features()
    return {
        "source": data.source[:200],
        "source_record_id": data.source_record_id,
        "given_name": data.given_name,
        "family_name": data.family_name,
        "aliases": ";".join(a.strip() for a in data.aliases if a.strip()),
        "dob": data.dob,
        "sex": data.sex,
        "city": data.city,
        "postcode": data.postcode,
        "phone": data.phone,
        "features": json.dumps(features.to_compact(), separators=(",", ":")),
    }


def _add_term_counts(counts: Counter[int]) -> None:
    """Add ``counts`` to the TermCount rows (creating missing ones)."""
    keys = list(counts)
    for start in range(0, len(keys), 5000):
        chunk = keys[start : start + 5000]
        existing = set(TermCount.objects.filter(key__in=chunk).values_list("key", flat=True))
        TermCount.objects.bulk_create(
            [TermCount(key=k, count=0) for k in chunk if k not in existing],
            ignore_conflicts=True,
        )
        by_amount: dict[int, list[int]] = {}
        for k in chunk:
            by_amount.setdefault(counts[k], []).append(k)
        for amount, ks in by_amount.items():
            TermCount.objects.filter(key__in=ks).update(count=F("count") + amount)


@transaction.atomic
def identity_record_create(
    *, data: IdentityInput, person: Person | None = None, by: User | None
) -> IdentityRecord:
    """Store one source record of a youth, for ``person`` or for a new person.

    Writes the encrypted record, its blocking keys and the name counts; audited.
    """
    if person is None:
        person = Person.objects.create()
    elif not person.is_active:
        raise MergeError("this person was merged into another; add the record there")
    record = IdentityRecord.objects.create(person=person, created_by=by, **_record_values(data))
    features = data.features()
    keys = block_key_ints(features)
    BlockingKey.objects.bulk_create([BlockingKey(record=record, key=k) for k in keys])
    counts: Counter[int] = Counter(keys)
    counts.update(term_key_ints(features).values())
    counts[TOTAL_KEY] += 1
    _add_term_counts(counts)
    audit_log(action=Action.CREATE, actor=by, obj=record)
    return record


def identity_records_bulk_create(
    *,
    items: Iterable[tuple[IdentityInput, str | None]],
    by: User | None,
    batch_size: int = 5000,
) -> int:
    """Store many records fast (seeding, migration from another system); return the count.

    Each item is (record, group): records with the same non-empty group become one person,
    the others one person each. One audit entry covers the load. Each batch is its own
    transaction, so a load of a million records does not hold one transaction for minutes.
    """
    total = 0
    people: dict[str, Person] = {}
    batch: list[tuple[IdentityInput, str | None]] = []

    def flush() -> None:
        nonlocal total
        with transaction.atomic():
            new_groups = [g for _, g in batch if g and g not in people]
            fresh = Person.objects.bulk_create(
                [Person() for _ in range(len(set(new_groups)) + sum(1 for _, g in batch if not g))]
            )
            iterator = iter(fresh)
            owners: list[Person] = []
            for _, group in batch:
                if group:
                    if group not in people:
                        people[group] = next(iterator)
                    owners.append(people[group])
                else:
                    owners.append(next(iterator))
            records = IdentityRecord.objects.bulk_create(
                [
                    IdentityRecord(person=owner, created_by=by, **_record_values(data))
                    for (data, _), owner in zip(batch, owners, strict=True)
                ]
            )
            counts: Counter[int] = Counter()
            keys: list[BlockingKey] = []
            for (data, _), record in zip(batch, records, strict=True):
                features = data.features()
                record_keys = block_key_ints(features)
                keys += [BlockingKey(record_id=record.pk, key=k) for k in record_keys]
                counts.update(record_keys)
                counts.update(term_key_ints(features).values())
            counts[TOTAL_KEY] += len(batch)
            BlockingKey.objects.bulk_create(keys, batch_size=20000)
            _add_term_counts(counts)
        total += len(batch)
        batch.clear()

    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    if total:
        audit_log(
            action=Action.CREATE,
            actor=by,
            object_type="identity.identityrecord",
            reason=f"bulk load of {total} identity records",
        )
    return total


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise MergeError("a reason is required")
    if len(reason) > _MAX_REASON:
        raise MergeError(f"the reason is longer than {_MAX_REASON} characters")
    return reason


@transaction.atomic
def person_merge(*, survivor: Person, absorbed: Person, reason: str, by: User) -> Merge:
    """Merge ``absorbed`` into ``survivor``: its records move over, the move is recorded.

    Raises :class:`MergeError` for a person merged with itself, a person already merged, or a
    missing reason. Audited: the merge, and an update of each person.
    """
    reason = _clean_reason(reason)
    if survivor.pk == absorbed.pk:
        raise MergeError("a person cannot be merged with themselves")
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update().filter(pk__in=[survivor.pk, absorbed.pk])
    }
    survivor, absorbed = locked[survivor.pk], locked[absorbed.pk]
    if not survivor.is_active or not absorbed.is_active:
        raise MergeError("one of these people was already merged into another")
    record_ids = sorted(IdentityRecord.objects.filter(person=absorbed).values_list("pk", flat=True))
    IdentityRecord.objects.filter(pk__in=record_ids).update(person=survivor)
    absorbed.merged_into = survivor
    absorbed.save(update_fields=["merged_into", "updated_at"])
    survivor.save(update_fields=["updated_at"])
    merge = Merge.objects.create(
        survivor=survivor,
        absorbed=absorbed,
        record_ids=record_ids,
        reason=reason,
        merged_by=by,
        created_at=timezone.now(),
    )
    note = f"identity merge {merge.pk}"
    audit_log(action=Action.CREATE, actor=by, obj=merge, reason=note)
    audit_log(action=Action.UPDATE, actor=by, obj=survivor, fields=["records"], reason=note)
    audit_log(
        action=Action.UPDATE, actor=by, obj=absorbed, fields=["merged_into", "records"], reason=note
    )
    return merge


@transaction.atomic
def merge_undo(*, merge: Merge, reason: str, by: User) -> Merge:
    """Undo ``merge`` exactly: the records it moved go back, the absorbed person returns.

    Refused when the merge was already undone, when the surviving person has since been merged
    into someone else (undo that merge first), or when a moved record has since moved again.
    """
    reason = _clean_reason(reason)
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.is_undone:
        raise MergeError("this merge was already undone")
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update().filter(
            pk__in=[merge.survivor_id, merge.absorbed_id]
        )
    }
    survivor, absorbed = locked[merge.survivor_id], locked[merge.absorbed_id]
    if not survivor.is_active:
        raise MergeError("the surviving person was merged again since; undo that merge first")
    record_ids: Sequence[int] = [int(r) for r in merge.record_ids]
    still_there = IdentityRecord.objects.filter(pk__in=record_ids, person=survivor).count()
    if still_there != len(record_ids):
        raise MergeError("some records of this merge have moved since; it cannot be undone")
    IdentityRecord.objects.filter(pk__in=record_ids).update(person=absorbed)
    absorbed.merged_into = None
    absorbed.save(update_fields=["merged_into", "updated_at"])
    survivor.save(update_fields=["updated_at"])
    merge.undone_at = timezone.now()
    merge.undone_by = by
    merge.undo_reason = reason
    merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    note = f"identity merge {merge.pk} undone"
    audit_log(
        action=Action.UPDATE,
        actor=by,
        obj=merge,
        fields=["undone_at", "undone_by", "undo_reason"],
        reason=note,
    )
    audit_log(action=Action.UPDATE, actor=by, obj=survivor, fields=["records"], reason=note)
    audit_log(
        action=Action.UPDATE, actor=by, obj=absorbed, fields=["merged_into", "records"], reason=note
    )
    return merge
