"""Signed checkpoints outside the database catch a truncated log (issue 10, finding 7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from heatwatch.accounts.models import User
from heatwatch.audit import checkpoints
from heatwatch.audit.models import Action, AuditEntry
from heatwatch.audit.selectors import audit_verify
from heatwatch.audit.services import audit_log
from heatwatch.core import scheduling

pytestmark = pytest.mark.django_db

AttackerSql = Callable[..., None]


@pytest.fixture
def checkpoint_file(settings, tmp_path: Path) -> Path:
    path = tmp_path / "audit-checkpoints.log"
    settings.HEATWATCH_AUDIT_CHECKPOINT_FILE = str(path)
    return path


def _log(user: User, n: int) -> list[AuditEntry]:
    return [
        audit_log(action=Action.READ, actor=user, obj=user, reason=f"visit {i}") for i in range(n)
    ]


def _checkpoint() -> str:
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    return out.getvalue()


def _verify() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _verify_fails() -> str:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify", stdout=out, stderr=err)
    assert excinfo.value.returncode == 1
    assert "Audit log OK" not in out.getvalue()
    return err.getvalue()


def _truncate_and_rewind(attacker_sql: AttackerSql, *, keep: int) -> None:
    """What someone who can write to the database does: delete the newest entries and move the
    head back to the last one kept, so that the chain itself is consistent again."""
    kept = AuditEntry.objects.get(seq=keep)
    attacker_sql("DELETE FROM audit_auditentry WHERE seq > %s", [keep])
    attacker_sql(
        "UPDATE audit_audithead SET seq = %s, entry_hash = %s", [kept.seq, kept.entry_hash]
    )


def test_untouched_log_verifies_against_its_checkpoints(advocate, checkpoint_file):
    _log(advocate, 3)
    printed = _checkpoint()
    _log(advocate, 2)
    _checkpoint()
    assert "Checkpoint written to" in printed
    out, err = _verify()
    assert out.startswith("Audit log OK: 5 entries")
    assert "2 signed checkpoints (newest: seq 5)" in out
    assert err == ""
    lines = checkpoint_file.read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [3, 5]


def test_truncation_with_head_rewound_is_detected_after_a_checkpoint(
    advocate, checkpoint_file, attacker_sql
):
    _log(advocate, 6)
    _checkpoint()
    _truncate_and_rewind(attacker_sql, keep=4)
    # The database alone no longer shows it: the chain and the head agree.
    assert audit_verify(checkpoint_lines=[]).ok
    err = _verify_fails()
    assert (
        "checkpoint line 1: a signed checkpoint records seq 6 but the log ends at seq 4; "
        "entries 5..6 missing (log truncated)"
    ) in err


def test_truncation_and_refill_to_the_same_length_is_detected(
    advocate, checkpoint_file, attacker_sql
):
    _log(advocate, 4)
    _checkpoint()
    _truncate_and_rewind(attacker_sql, keep=2)
    _log(advocate, 3)  # the application writes new entries 3..5 over the gap
    err = _verify_fails()
    assert "seq 4: entry_hash differs from the signed checkpoint on line 1 (log rewritten)" in err


def test_forged_checkpoint_line_is_refused(advocate, checkpoint_file):
    _log(advocate, 2)
    _checkpoint()
    good = json.loads(checkpoint_file.read_text().splitlines()[0])
    # Someone without the audit key appends a checkpoint that vouches for a rewound log.
    forged = {**good, "seq": 1, "hash": AuditEntry.objects.get(seq=1).entry_hash}
    with checkpoint_file.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
        handle.write("not json at all\n")
    err = _verify_fails()
    assert "checkpoint line 2: signature does not match (forged or altered checkpoint" in err
    assert "checkpoint line 3: not a checkpoint (file damaged or forged)" in err


def test_checkpoint_signed_with_another_key_is_refused(advocate, checkpoint_file, settings):
    entries = _log(advocate, 2)
    original = settings.HEATWATCH_AUDIT_KEY
    settings.HEATWATCH_AUDIT_KEY = "another-key-that-the-attacker-chose-000000"
    forged = checkpoints.sign(seq=2, entry_hash=entries[-1].entry_hash, at=entries[-1].created_at)
    settings.HEATWATCH_AUDIT_KEY = original
    checkpoints.append(forged, checkpoint_file)
    [line] = checkpoints.read_lines(checkpoint_file)
    assert line.checkpoint is None and "signature does not match" in line.problem
    assert "checkpoint line 1: signature does not match" in _verify_fails()


def test_checkpoint_is_refused_when_the_log_was_tampered_since_the_last_one(
    advocate, checkpoint_file, attacker_sql
):
    _log(advocate, 3)
    _checkpoint()
    _log(advocate, 3)
    attacker_sql("UPDATE audit_auditentry SET reason = 'nothing to see' WHERE seq = 5")
    with pytest.raises(CommandError, match="not intact since the last checkpoint"):
        _checkpoint()
    assert len(checkpoint_file.read_text().splitlines()) == 1


def test_verify_warns_without_a_checkpoint(advocate, checkpoint_file):
    _log(advocate, 1)
    out, err = _verify()
    assert out.startswith("Audit log OK: 1 entries")
    assert "no signed checkpoint" in err


def test_periodic_job_writes_a_checkpoint_and_mails_it(
    advocate, checkpoint_file, settings, django_capture_on_commit_callbacks
):
    settings.HEATWATCH_AUDIT_CHECKPOINT_EMAILS = ["security@example.org"]
    _log(advocate, 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert "audit.write_checkpoint" in scheduling.run_due_jobs(force=True)
    [line] = checkpoint_file.read_text().splitlines()
    assert json.loads(line)["seq"] == 2
    [message] = [m for m in mail.outbox if m.subject == "Audit checkpoint #2"]
    assert line in message.body and message.to == ["security@example.org"]


def test_public_key_checks_a_checkpoint_without_the_audit_key(advocate, checkpoint_file):
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    _log(advocate, 1)
    _checkpoint()
    out = StringIO()
    call_command("audit", "checkpoint", "--public-key", stdout=out)
    raw = base64.b64decode(out.getvalue().split()[1])
    data = json.loads(checkpoint_file.read_text())
    signed = {k: data[k] for k in ("v", "seq", "hash", "at", "key")}
    message = (
        checkpoints.DOMAIN + json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()
    )
    Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(data["sig"]), message)
