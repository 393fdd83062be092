"""Test-suite support for the append-only audit log. Refuses to run against a real database.

The triggers that make the log append-only also stop Django's test-database ``flush`` from
emptying ``audit_auditentry`` once a transactional test (``transactional_db``,
``live_server``) has written an entry. ``audit_purge_for_tests`` empties the log so the flush
can proceed; wire it into the project's conftest as shown in docs/audit.md ("Tests").

``append_only_triggers_suspended`` lets tests play an attacker who has direct database access
(to check that ``audit verify`` notices what they do).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from heatwatch.audit.models import GENESIS_HASH, AuditEntry, AuditHead

_TABLES = (AuditEntry._meta.db_table, AuditHead._meta.db_table)


def _require_test_database(connection: BaseDatabaseWrapper) -> None:
    name = str(connection.settings_dict.get("NAME") or "")
    in_memory = connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name)
    is_test_db = in_memory or name.startswith("test_") or "/test_" in name
    if getattr(settings, "HEATWATCH_ENV", "") != "test" or not is_test_db:
        raise RuntimeError("heatwatch.audit.testing only runs against a test database.")


@contextmanager
def append_only_triggers_suspended(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Drop the audit tables' triggers for the duration of the block, then re-create them.

    Runs in a transaction (or savepoint): if the block raises, the rollback brings the triggers
    back (DDL is transactional on SQLite and PostgreSQL).
    """
    connection = connections[using]
    _require_test_database(connection)
    quote = connection.ops.quote_name
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, tbl_name, sql FROM sqlite_master "
                    "WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                    list(_TABLES),
                )
            else:
                cursor.execute(
                    "SELECT tgname, tgrelid::regclass::text, pg_get_triggerdef(oid) "
                    "FROM pg_trigger WHERE tgrelid IN (%s::regclass, %s::regclass) "
                    "AND NOT tgisinternal",
                    list(_TABLES),
                )
            triggers = [(str(n), str(t), str(sql)) for n, t, sql in cursor.fetchall()]
            for name, table, _sql in triggers:
                on_table = "" if connection.vendor == "sqlite" else f" ON {quote(table)}"
                cursor.execute(f"DROP TRIGGER {quote(name)}{on_table}")
        yield
        with connection.cursor() as cursor:
            for _name, _table, sql in triggers:
                cursor.execute(sql)


def audit_purge_for_tests(using: str = DEFAULT_DB_ALIAS) -> None:
    """Empty the audit log and reset its head to the genesis state. Test databases only."""
    connection = connections[using]
    entry_table, head_table = (connection.ops.quote_name(table) for table in _TABLES)
    with append_only_triggers_suspended(using), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {entry_table}")  # noqa: S608 (table names, not input)
        cursor.execute(f"UPDATE {head_table} SET seq = 0, entry_hash = %s", [GENESIS_HASH])  # noqa: S608
