"""selectors.audit_verify and `heatwatch audit verify`: tampering is detected and reported."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from pytest_django import DjangoAssertNumQueries

from heatwatch.accounts.models import User
from heatwatch.audit import selectors
from heatwatch.audit.hashing import compute_entry_hash
from heatwatch.audit.models import GENESIS_HASH, Action, AuditEntry, AuditHead
from heatwatch.audit.selectors import audit_verify
from heatwatch.audit.services import audit_log
from heatwatch.audit.tests.tamper import append_only_triggers_suspended

pytestmark = pytest.mark.django_db

AttackerSql = Callable[..., None]


@pytest.fixture
def five(advocate: User) -> list[AuditEntry]:
    return [
        audit_log(action=Action.READ, actor=advocate, obj=advocate, reason=f"visit {n}")
        for n in range(1, 6)
    ]


def _verify_fails() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", stdout=out, stderr=err)
    assert excinfo.value.returncode == 1
    assert "FAILED" in str(excinfo.value)
    assert "Audit log OK" not in out.getvalue()
    return out.getvalue(), err.getvalue()


def _problem_seqs() -> set[int]:
    result = audit_verify()
    assert not result.ok
    return {int(p.split()[1].rstrip(":")) for p in result.problems if p.startswith("seq ")}


# --- intact logs -------------------------------------------------------------------------------


def test_empty_log_verifies(db: None) -> None:
    result = audit_verify()
    assert (result.ok, result.count, result.head_hash, result.problems) == (
        True,
        0,
        GENESIS_HASH,
        [],
    )


def test_command_reports_ok_with_head_hash(five: list[AuditEntry]) -> None:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().strip() == f"Audit log OK: 5 entries; head {five[-1].entry_hash}"


def test_command_quiet_prints_nothing_when_ok(five: list[AuditEntry]) -> None:
    out = StringIO()
    call_command("audit", "verify", "--quiet", stdout=out)
    assert out.getvalue() == ""


def test_command_needs_a_subcommand(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("audit")


def test_verify_reads_in_chunks_not_per_entry(
    advocate: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for _ in range(25):
        audit_log(action=Action.READ, actor=advocate)
    # 7 pages of 4 (the last one short), the head, the trigger check.
    with django_assert_max_num_queries(7 + 1 + 1):
        result = audit_verify(chunk_size=4)
    assert (result.ok, result.count) == (True, 25)


def test_entries_written_during_the_walk_are_not_a_false_alarm(
    five: list[AuditEntry], advocate: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_head = selectors._read_head
    calls = 0

    def head_after_a_concurrent_write() -> AuditHead | None:
        nonlocal calls
        calls += 1
        if calls == 1:  # another request logs while verify is between walk and head check
            audit_log(action=Action.LOGOUT, actor=advocate)
        return read_head()

    monkeypatch.setattr(selectors, "_read_head", head_after_a_concurrent_write)
    result = audit_verify(chunk_size=2)
    assert (result.ok, result.count) == (True, 6), result.problems


# --- tampering ---------------------------------------------------------------------------------


def test_edited_entry_is_detected(five: list[AuditEntry], attacker_sql: AttackerSql) -> None:
    attacker_sql("UPDATE audit_auditentry SET reason = %s WHERE seq = %s", ["nothing", 3])

    assert _problem_seqs() == {3}
    _out, err = _verify_fails()
    assert "seq 3: entry_hash does not match its contents" in err


@pytest.mark.parametrize(
    "column, value",
    [
        ("actor_username", "someone_else"),
        ("actor_id", None),
        ("object_id", "999"),
        ("action", "login"),
        ("outcome", "denied"),
        ("organisation_name", "Elsewhere"),
        ("fields", '["email"]'),
    ],
)
def test_any_edited_column_is_detected(
    column: str, value: object, five: list[AuditEntry], attacker_sql: AttackerSql
) -> None:
    attacker_sql(f"UPDATE audit_auditentry SET {column} = %s WHERE seq = 2", [value])  # noqa: S608
    assert _problem_seqs() == {2}


def test_edit_with_recomputed_hash_but_wrong_key_is_detected(
    five: list[AuditEntry], attacker_sql: AttackerSql
) -> None:
    entry = AuditEntry.objects.get(seq=4)
    values = {f.name: getattr(entry, f.attname) for f in AuditEntry._meta.concrete_fields}
    values["reason"] = "nothing"
    forged = compute_entry_hash(values, key=b"guessed key")
    attacker_sql(
        "UPDATE audit_auditentry SET reason = %s, entry_hash = %s WHERE seq = 4",
        ["nothing", forged],
    )
    # Seq 4 fails its HMAC and seq 5 no longer links to it.
    assert _problem_seqs() == {4, 5}


def test_deleted_middle_entry_is_detected(
    five: list[AuditEntry], attacker_sql: AttackerSql
) -> None:
    attacker_sql("DELETE FROM audit_auditentry WHERE seq = %s", [3])

    result = audit_verify()
    assert not result.ok and result.count == 4
    assert "seq 4: expected seq 3; entries 3..3 missing" in result.problems
    assert "seq 4: prev_hash does not match the entry before it" in result.problems
    _out, err = _verify_fails()
    assert "seq 4" in err


def test_deleted_tail_is_detected(five: list[AuditEntry], attacker_sql: AttackerSql) -> None:
    attacker_sql("DELETE FROM audit_auditentry WHERE seq >= %s", [4])

    result = audit_verify()
    assert not result.ok and result.count == 3
    assert result.problems == [
        "seq 5: the head records seq 5 but the log ends at seq 3; entries 4..5 missing "
        "(tail deleted)"
    ]
    _out, err = _verify_fails()
    assert "seq 5" in err


def test_swapped_entries_are_detected(five: list[AuditEntry], attacker_sql: AttackerSql) -> None:
    attacker_sql("UPDATE audit_auditentry SET seq = 1000 WHERE seq = 2")
    attacker_sql("UPDATE audit_auditentry SET seq = 2 WHERE seq = 3")
    attacker_sql("UPDATE audit_auditentry SET seq = 3 WHERE seq = 1000")

    assert _problem_seqs() == {2, 3, 4}
    _out, err = _verify_fails()
    assert "seq 2" in err and "seq 3" in err


def test_inserted_entry_is_detected(five: list[AuditEntry], attacker_sql: AttackerSql) -> None:
    # A well-formed row appended after the head, hashed without the key.
    entry = five[-1]
    attacker_sql(
        "INSERT INTO audit_auditentry (seq, created_at, actor_username, organisation_name, "
        "action, object_type, object_id, outcome, reason, fields, prev_hash, entry_hash) "
        "VALUES (6, %s, '', '', 'read', '', '', 'success', '', '[]', %s, %s)",
        [entry.created_at, entry.entry_hash, "b" * 64],
    )
    assert _problem_seqs() == {6}


def test_verify_with_another_key_fails_every_entry(
    five: list[AuditEntry], settings: object
) -> None:
    settings.HEATWATCH_AUDIT_KEY = "not the key the log was written with"  # type: ignore[attr-defined]
    assert _problem_seqs() == {1, 2, 3, 4, 5}


def test_missing_trigger_is_reported(five: list[AuditEntry]) -> None:
    with append_only_triggers_suspended():
        result = audit_verify()
        assert not result.ok
        assert any("audit_auditentry_no_update" in p for p in result.problems)
    assert audit_verify().ok


def test_problem_list_is_capped(
    advocate: User, attacker_sql: AttackerSql, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("heatwatch.audit.selectors.MAX_PROBLEMS", 3)
    for _ in range(6):
        audit_log(action=Action.READ, actor=advocate)
    attacker_sql("UPDATE audit_auditentry SET reason = 'x'")
    problems = audit_verify().problems
    assert len(problems) == 4
    assert problems[-1] == "... and 3 more problems"


def test_connection_vendor_is_supported() -> None:
    assert connection.vendor in {"sqlite", "postgresql"}
