"""Entries can be neither changed nor deleted: not through the ORM, not with raw SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from heatwatch.accounts.models import User
from heatwatch.audit.models import (
    GENESIS_HASH,
    Action,
    AuditEntry,
    AuditEntryImmutableError,
    AuditHead,
)
from heatwatch.audit.selectors import audit_verify, missing_triggers
from heatwatch.audit.services import audit_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(advocate: User) -> list[AuditEntry]:
    return [
        audit_log(action=Action.LOGIN, actor=advocate),
        audit_log(action=Action.READ, actor=advocate, obj=advocate, reason="case review"),
        audit_log(action=Action.LOGOUT, actor=advocate),
    ]


def _unchanged(entries: list[AuditEntry]) -> None:
    stored = list(AuditEntry.objects.order_by("seq").values_list("seq", "reason", "entry_hash"))
    assert stored == [(e.seq, e.reason, e.entry_hash) for e in entries]
    assert audit_verify().ok


# --- the ORM -----------------------------------------------------------------------------------


def test_queryset_update_is_refused(entries: list[AuditEntry]) -> None:
    with pytest.raises(AuditEntryImmutableError):
        AuditEntry.objects.filter(seq=2).update(reason="nothing to see")
    with pytest.raises(AuditEntryImmutableError):
        AuditEntry.objects.update(reason="nothing to see")
    _unchanged(entries)


def test_queryset_delete_is_refused(entries: list[AuditEntry]) -> None:
    with pytest.raises(AuditEntryImmutableError):
        AuditEntry.objects.filter(seq=3).delete()
    with pytest.raises(AuditEntryImmutableError):
        AuditEntry.objects.all().delete()
    _unchanged(entries)


def test_saving_an_existing_entry_is_refused(entries: list[AuditEntry]) -> None:
    entry = entries[1]
    entry.reason = "nothing to see"
    with pytest.raises(AuditEntryImmutableError):
        entry.save()
    with pytest.raises(AuditEntryImmutableError):
        entry.save(update_fields=["reason"])
    loaded = AuditEntry.objects.get(seq=2)
    loaded.reason = "nothing to see"
    with pytest.raises(AuditEntryImmutableError):
        loaded.save()
    entries[1].reason = "case review"
    _unchanged(entries)


def test_deleting_an_entry_is_refused(entries: list[AuditEntry]) -> None:
    with pytest.raises(AuditEntryImmutableError):
        entries[2].delete()
    with pytest.raises(AuditEntryImmutableError):
        AuditEntry.objects.get(seq=1).delete()
    _unchanged(entries)


@pytest.mark.parametrize(
    "call",
    [
        lambda e: AuditEntry.objects.bulk_update([e], ["reason"]),
        lambda e: AuditEntry.objects.bulk_create([AuditEntry(seq=99)]),
        lambda e: AuditEntry.objects.update_or_create(seq=e.seq, defaults={"reason": "x"}),
    ],
    ids=["bulk_update", "bulk_create", "update_or_create"],
)
def test_other_bulk_paths_are_refused(
    call: Callable[[AuditEntry], Any], entries: list[AuditEntry]
) -> None:
    entries[1].reason = "nothing to see"
    with pytest.raises(AuditEntryImmutableError):
        call(entries[1])
    entries[1].reason = "case review"
    _unchanged(entries)


def test_a_new_instance_cannot_overwrite_an_entry(entries: list[AuditEntry]) -> None:
    forged = AuditEntry(
        id=entries[0].id,
        seq=entries[0].seq,
        created_at=entries[0].created_at,
        action=Action.LOGIN,
        prev_hash=GENESIS_HASH,
        entry_hash="0" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()  # always an INSERT, so it collides instead of updating
    _unchanged(entries)


# --- the database ------------------------------------------------------------------------------


def test_triggers_are_installed(db: None) -> None:
    assert missing_triggers() == []


def test_database_refuses_raw_update(entries: list[AuditEntry]) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditentry SET reason = %s WHERE seq = %s", ["x", 2])
    _unchanged(entries)


def test_database_refuses_raw_delete(entries: list[AuditEntry]) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [3])
    _unchanged(entries)


def test_database_refuses_truncate_on_postgresql(entries: list[AuditEntry]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE audit_auditentry")
    _unchanged(entries)


def test_database_refuses_to_rewind_the_head(entries: list[AuditEntry]) -> None:
    # Cutting off the tail would need the head moved back; the database refuses that too.
    with (
        pytest.raises(DatabaseError, match="only moves forward"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE audit_audithead SET seq = %s, entry_hash = %s", [2, entries[1].entry_hash]
        )
    with pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic():
        AuditHead.objects.update(seq=0, entry_hash=GENESIS_HASH)
    with pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic():
        AuditHead.objects.update(seq=4, entry_hash="a" * 64)  # no such entry
    head = AuditHead.objects.get()
    assert (head.seq, head.entry_hash) == (3, entries[2].entry_hash)
