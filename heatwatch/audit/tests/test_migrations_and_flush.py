"""The trigger migration reverses cleanly, and transactional tests can still be flushed."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from heatwatch.audit.models import GENESIS_HASH, AuditHead
from heatwatch.audit.selectors import EXPECTED_TRIGGERS, audit_verify, missing_triggers
from heatwatch.audit.services import audit_log
from heatwatch.audit.testing import audit_purge_for_tests


@pytest.fixture
def purge_audit_log(transactional_db: None) -> object:
    # Torn down before transactional_db, so its flush finds an empty (flushable) log.
    yield
    audit_purge_for_tests()


@pytest.mark.django_db(transaction=True)
def test_trigger_migration_is_reversible() -> None:
    from django.db import connection

    call_command("migrate", "audit", "0001", verbosity=0)
    assert sorted(missing_triggers()) == sorted(EXPECTED_TRIGGERS[connection.vendor])
    assert not AuditHead.objects.exists()

    call_command("migrate", "audit", verbosity=0)
    assert missing_triggers() == []
    head = AuditHead.objects.get()
    assert (head.seq, head.entry_hash) == (0, GENESIS_HASH)


def test_transactional_test_with_entries_can_be_flushed(purge_audit_log: object) -> None:
    audit_log(action="security", reason="written outside a test transaction")
    audit_log(action="security", reason="and committed")
    assert audit_verify().ok


def test_purge_refuses_a_non_test_environment(purge_audit_log: object, settings: object) -> None:
    settings.HEATWATCH_ENV = "production"  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="test database"):
        audit_purge_for_tests()
    settings.HEATWATCH_ENV = "test"  # type: ignore[attr-defined]
