"""Play an attacker with direct database access: drop the append-only triggers for a while.

Used to check that ``audit verify`` notices what such an attacker does. Refuses to run unless
HEATWATCH_ENV is "test" and the database is a test database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from heatwatch.audit.models import AuditEntry, AuditHead

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
