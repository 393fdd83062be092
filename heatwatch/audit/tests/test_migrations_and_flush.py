"""The trigger migration reverses cleanly, and transactional tests can still be flushed."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from heatwatch.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from heatwatch.audit.selectors import EXPECTED_TRIGGERS, audit_verify, missing_triggers
from heatwatch.audit.services import audit_log
from heatwatch.audit.testing import audit_purge_for_tests


@pytest.mark.django_db(transaction=True)
def test_trigger_migration_is_reversible() -> None:
    call_command("migrate", "audit", "0001", verbosity=0)
    assert sorted(missing_triggers()) == sorted(EXPECTED_TRIGGERS[connection.vendor])
    assert not AuditHead.objects.exists()

    call_command("migrate", "audit", verbosity=0)
    assert missing_triggers() == []
    head = AuditHead.objects.get()
    assert (head.seq, head.entry_hash) == (0, GENESIS_HASH)


@pytest.mark.django_db(transaction=True)
def test_migrating_back_refuses_to_drop_the_head_of_a_non_empty_log() -> None:
    audit_log(action="security", reason="committed")
    with pytest.raises(RuntimeError, match="has entries"):
        call_command("migrate", "audit", "0002", verbosity=0)
    assert missing_triggers() == []
    assert audit_verify().ok


# These two commit entries; the conftest's _audit_log_flushable empties the log afterwards,
# or pytest-django's flush would fail on the append-only triggers.
@pytest.mark.django_db(transaction=True)
def test_committed_entries_with_transaction_marker(db: None) -> None:
    audit_log(action="security", reason="written outside a test transaction")
    assert audit_verify().ok


def test_committed_entries_with_transactional_db_fixture(transactional_db: None) -> None:
    audit_log(action="security", reason="and committed")
    audit_log(action="security", reason="twice")
    assert AuditEntry.objects.count() == 2


def test_purge_refuses_a_non_test_environment(settings: object) -> None:
    settings.HEATWATCH_ENV = "production"  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="test database"):
        audit_purge_for_tests()


def test_purge_refuses_a_non_test_database(settings: object) -> None:
    # HEATWATCH_ENV=test against a database whose name is not a test database's.
    real = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = "heatwatch"
    try:
        with pytest.raises(RuntimeError, match="test database"):
            audit_purge_for_tests()
    finally:
        connection.settings_dict["NAME"] = real
