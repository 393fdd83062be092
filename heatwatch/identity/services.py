"""Writing identities: records in, people merged, merges undone. Every change is audited.

The merge keeps everything: records move from one person to the other and the list of moved
records is kept on the :class:`Merge`, so ``merge_undo`` moves exactly those records back.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.db import connection, transaction
from django.db.models import F, Field, Q
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.identity.indexing import TOTAL_KEY, IdentityInput, block_key_ints, term_key_ints
from heatwatch.identity.models import (
    BlockingKey,
    DuplicateCandidate,
    DuplicateStatus,
    IdentityRecord,
    Merge,
    Person,
    TermCount,
)
from heatwatch.identity.names import Features

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

    from heatwatch.accounts.models import User

_MAX_REASON = 2000


class MergeError(Exception):
    """A merge or an undo that cannot be done (the message says why, without personal data)."""


def _record_values(data: IdentityInput, features: Features | None = None) -> dict[str, object]:
    features = features or data.features()
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
    batch_size: int = 10_000,
    defer_indexes: bool = False,
) -> int:
    """Store many records fast (seeding, migration from another system); return the count.

    Each item is (record, group): records with the same non-empty group become one person,
    the others one person each. One audit entry covers the load. Each batch is its own
    transaction (records, keys and ``TermCount`` together), so a load of a million records
    does not hold one transaction for minutes and the counts always match the keys.

    The rows go in with raw multi-row statements (``COPY`` on PostgreSQL), not model
    instances: every personal field is still encrypted by its model field, the blind indexes
    are computed once per record. ``defer_indexes`` drops the blocking-key index during the
    load and builds it once at the end (much faster for a large load into a quiet database;
    lookups during the load are slow). See docs/identity.md, "Bulk loading".
    """
    loader = _BulkLoader(by=by)
    people: dict[str, int] = {}
    batch: list[tuple[IdentityInput, str | None]] = []
    total = 0
    if defer_indexes:
        _key_index(create=False)
    try:
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                total += loader.flush(batch, people)
                batch.clear()
        if batch:
            total += loader.flush(batch, people)
    finally:
        if defer_indexes:
            _key_index(create=True)
    if total:
        audit_log(
            action=Action.CREATE,
            actor=by,
            object_type="identity.identityrecord",
            reason=f"bulk load of {total} identity records",
        )
    return total


def _key_index(*, create: bool) -> None:
    """Drop or build the (key, record) index of BlockingKey (models.BlockingKey.Meta).

    Plain DDL rather than the schema editor, which SQLite refuses inside a transaction.
    """
    q = connection.ops.quote_name
    index = BlockingKey._meta.indexes[0]
    with connection.cursor() as cursor:
        if create:
            if connection.vendor == "postgresql":
                # Inside a caller's transaction, deferred foreign-key checks must run first.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            table = q(BlockingKey._meta.db_table)
            cursor.execute(f"CREATE INDEX {q(index.name)} ON {table} (key, record_id)")
        else:
            cursor.execute(f"DROP INDEX {q(index.name)}")


_RECORD_FIELDS = (
    "source",
    "source_record_id",
    "given_name",
    "family_name",
    "aliases",
    "dob",
    "sex",
    "city",
    "postcode",
    "phone",
    "features",
)


class _BulkLoader:
    """Raw inserts for :func:`identity_records_bulk_create` (SQLite and PostgreSQL)."""

    def __init__(self, *, by: User | None) -> None:
        self.by_id = by.pk if by is not None else None
        self.postgres = connection.vendor == "postgresql"
        self.q = connection.ops.quote_name
        record_meta = IdentityRecord._meta
        self.record_fields = [
            cast("Field[Any, Any]", record_meta.get_field(name)) for name in _RECORD_FIELDS
        ]
        self.tables = {
            "person": Person._meta.db_table,
            "record": record_meta.db_table,
            "key": BlockingKey._meta.db_table,
            "term": TermCount._meta.db_table,
        }

    def _ids(self, cursor: CursorWrapper, table: str, n: int) -> list[int]:
        """``n`` fresh primary keys for ``table``, reserved for this transaction."""
        if self.postgres:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, n],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the caller has already written in this transaction, so it holds the write
        # lock and no other connection can take these ids. AUTOINCREMENT never reuses an id,
        # hence sqlite_sequence as well as MAX(id).
        cursor.execute(
            f"SELECT MAX(x) FROM (SELECT MAX(id) AS x FROM {self.q(table)} UNION ALL "  # noqa: S608 - table names from model metadata
            "SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        start = (cursor.fetchone() or [None])[0] or 0
        return list(range(start + 1, start + 1 + n))

    def _insert(
        self,
        cursor: CursorWrapper,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
    ) -> None:
        names = ", ".join(self.q(c) for c in columns)
        if self.postgres:
            with cursor.copy(f"COPY {self.q(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {self.q(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608

    def _add_counts(self, cursor: CursorWrapper, counts: Counter[int]) -> None:
        term, count = self.q(self.tables["term"]), self.q("count")
        rows = sorted(counts.items())
        if self.postgres:
            # Kept for the connection; emptied first, as a batch nested in an outer transaction
            # (a test, a caller's atomic block) never reaches the commit that would empty it.
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS hw_term_delta (key bigint, n bigint) "
                "ON COMMIT DELETE ROWS"
            )
            cursor.execute("DELETE FROM hw_term_delta")
            self._insert(cursor, "hw_term_delta", ("key", "n"), rows)
            cursor.execute(
                f"INSERT INTO {term} (key, {count}) SELECT key, n FROM hw_term_delta "  # noqa: S608
                f"ON CONFLICT (key) DO UPDATE SET {count} = {term}.{count} + EXCLUDED.{count}"
            )
        else:
            cursor.executemany(
                f"INSERT INTO {term} (key, {count}) VALUES (%s, %s) "  # noqa: S608
                f"ON CONFLICT (key) DO UPDATE SET {count} = {count} + excluded.{count}",
                rows,
            )

    def flush(self, batch: list[tuple[IdentityInput, str | None]], people: dict[str, int]) -> int:
        """Store one batch in one transaction; return its size."""
        now = timezone.now()
        stamp = Person._meta.get_field("created_at").get_db_prep_save(now, connection)
        counts: Counter[int] = Counter()
        rows: list[tuple[object, ...]] = []
        key_rows: list[set[int]] = []
        for data, _ in batch:
            features = data.features()
            values = _record_values(data, features)
            rows.append(tuple(f.get_prep_value(values[f.name]) for f in self.record_fields))
            keys = block_key_ints(features)
            counts.update(keys)
            counts.update(term_key_ints(features).values())
            key_rows.append(keys)
        counts[TOTAL_KEY] += len(batch)
        with transaction.atomic(), connection.cursor() as cursor:
            # The counts first: on SQLite this write takes the lock that keeps _ids() safe.
            self._add_counts(cursor, counts)
            new_groups = {g for _, g in batch if g and g not in people}
            person_ids = iter(
                self._ids(
                    cursor,
                    self.tables["person"],
                    len(new_groups) + sum(1 for _, g in batch if not g),
                )
            )
            record_ids = self._ids(cursor, self.tables["record"], len(batch))
            fresh: list[tuple[object, ...]] = []
            owners: list[int] = []
            for _, group in batch:
                if group and group in people:
                    owners.append(people[group])
                    continue
                pid = next(person_ids)
                fresh.append((pid, stamp, stamp))
                if group:
                    people[group] = pid
                owners.append(pid)
            self._insert(cursor, self.tables["person"], ("id", "created_at", "updated_at"), fresh)
            self._insert(
                cursor,
                self.tables["record"],
                ("id", "person_id", *_RECORD_FIELDS, "created_at", "created_by_id", "changed_at"),
                [
                    (rid, owner, *row, stamp, self.by_id, stamp)
                    for rid, owner, row in zip(record_ids, owners, rows, strict=True)
                ],
            )
            self._insert(
                cursor,
                self.tables["key"],
                ("key", "record_id"),
                [(k, rid) for rid, keys in zip(record_ids, key_rows, strict=True) for k in keys],
            )
        return len(batch)


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
    # changed_at: the possible-duplicates scan looks at moved records again (the survivor now
    # holds them).
    IdentityRecord.objects.filter(pk__in=record_ids).update(
        person=survivor, changed_at=timezone.now()
    )
    absorbed.merged_into = survivor
    absorbed.save(update_fields=["merged_into", "updated_at"])
    # Pairs waiting in the possible-duplicates queue with the absorbed person no longer apply;
    # the next scan proposes the survivor's pairs from the moved records.
    DuplicateCandidate.objects.filter(
        Q(low=absorbed) | Q(high=absorbed),
        status__in=[DuplicateStatus.OPEN, DuplicateStatus.UNSURE],
    ).update(status=DuplicateStatus.GONE, updated_at=timezone.now())
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
    IdentityRecord.objects.filter(pk__in=record_ids).update(
        person=absorbed, changed_at=timezone.now()
    )
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


# --- updating and deleting one source record (cases: youth edited, case deleted in error) -----


def _key_counts(features: Features) -> Counter[int]:
    counts: Counter[int] = Counter(block_key_ints(features))
    counts.update(term_key_ints(features).values())
    counts[TOTAL_KEY] += 1
    return counts


def _remove_term_counts(counts: Counter[int]) -> None:
    by_amount: dict[int, list[int]] = {}
    for k, amount in counts.items():
        by_amount.setdefault(amount, []).append(k)
    for amount, ks in by_amount.items():
        TermCount.objects.filter(key__in=ks).update(count=F("count") - amount)


def _stored_features(record: IdentityRecord) -> Features:
    data: Any = json.loads(record.features)
    return Features.from_compact(data if isinstance(data, dict) else {})


@transaction.atomic
def identity_record_update(
    *, record: IdentityRecord, data: IdentityInput, by: User | None
) -> IdentityRecord:
    """Replace the details of one source record (the source corrected them), keeping its
    source, source id and person. Blocking keys and name counts follow, so matching finds the
    record by its new details and no longer by the old ones. Audited with the names of the
    changed fields, never their values."""
    record = IdentityRecord.objects.select_for_update().get(pk=record.pk)
    values = _record_values(data)
    values.pop("source")
    values.pop("source_record_id")
    changed = [
        name
        for name, value in values.items()
        if name != "features" and getattr(record, name) != value
    ]
    if not changed:
        return record
    _remove_term_counts(_key_counts(_stored_features(record)))
    record.keys.all().delete()
    for name, value in values.items():
        setattr(record, name, value)
    record.changed_at = timezone.now()
    record.save(update_fields=[*values, "changed_at"])
    features = data.features()
    keys = block_key_ints(features)
    BlockingKey.objects.bulk_create([BlockingKey(record=record, key=k) for k in keys])
    _add_term_counts(_key_counts(features))
    audit_log(action=Action.UPDATE, actor=by, obj=record, fields=changed)
    return record


@transaction.atomic
def identity_record_delete(*, record: IdentityRecord, by: User | None, reason: str = "") -> bool:
    """Delete one source record entered in error (its keys and counts go with it). The person
    is deleted too when nothing else refers to it (no other record, no merge, no youth).
    Returns whether the person was deleted. ``reason`` must not hold personal data."""
    record = IdentityRecord.objects.select_for_update().get(pk=record.pk)
    person = record.person
    _remove_term_counts(_key_counts(_stored_features(record)))
    audit_log(action=Action.DELETE, actor=by, obj=record, reason=reason[:_MAX_REASON])
    record.delete()
    orphan = (
        person.merged_into_id is None
        and not IdentityRecord.objects.filter(person=person).exists()
        and not Merge.objects.filter(Q(survivor=person) | Q(absorbed=person)).exists()
        and not Person.objects.filter(merged_into=person).exists()
    )
    if not orphan:
        return False
    try:
        with transaction.atomic():
            audit_log(action=Action.DELETE, actor=by, obj=person, reason=reason[:_MAX_REASON])
            person.delete()
    except ProtectedError:
        return False  # another app still refers to the person (e.g. a youth record)
    return True
