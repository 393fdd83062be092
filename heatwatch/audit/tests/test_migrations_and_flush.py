"""Transactional tests: the trigger migration reverses, and flush cannot wipe the log.

Django's own ``flush`` is refused by the triggers once the log has entries (as it should be in
production); the test settings replace it with ``heatwatch.testing``'s flush, which lifts the
triggers through migration 0002's ``uninstall_triggers``/``install_triggers``.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connection

from heatwatch.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from heatwatch.audit.selectors import EXPECTED_TRIGGERS, audit_verify, missing_triggers
from heatwatch.audit.services import audit_log

pytestmark = pytest.mark.django_db(transaction=True)


def test_trigger_migration_is_reversible() -> None:
    call_command("migrate", "audit", "0001", verbosity=0)
    assert sorted(missing_triggers()) == sorted(EXPECTED_TRIGGERS[connection.vendor])
    assert not AuditHead.objects.exists()

    call_command("migrate", "audit", verbosity=0)
    assert missing_triggers() == []
    head = AuditHead.objects.get()
    assert (head.seq, head.entry_hash) == (0, GENESIS_HASH)


def test_migrating_back_refuses_to_drop_the_head_of_a_non_empty_log() -> None:
    audit_log(action="security", reason="committed")
    with pytest.raises(RuntimeError, match="has entries"):
        call_command("migrate", "audit", "0002", verbosity=0)
    assert missing_triggers() == []
    assert audit_verify().ok


def test_djangos_flush_cannot_wipe_the_log() -> None:
    audit_log(action="security", reason="committed")
    with pytest.raises(CommandError, match="couldn't be flushed"):
        call_command(DjangoFlush(), interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 1
    assert audit_verify().ok


def test_committed_entries_are_cleaned_up_by_the_test_flush() -> None:
    audit_log(action="security", reason="written outside a test transaction")
    audit_log(action="security", reason="and committed")
    assert audit_verify().ok


def test_after_the_test_flush_the_log_starts_again_protected() -> None:
    # Runs after the test above (same module, in order): its entries are gone, the triggers
    # are back, and the head (flushed too) is re-created for the empty log.
    assert not AuditEntry.objects.exists()
    assert missing_triggers() == []
    assert audit_log(action="security").seq == 1
    assert audit_verify().ok
