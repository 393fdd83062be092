"""Database triggers that make the audit log append-only below the ORM.

Hand-written. On SQLite and PostgreSQL, every UPDATE or DELETE of an ``audit_auditentry`` row is
refused, and on PostgreSQL every TRUNCATE. The head row may only move forward, one entry at a
time, to the newest entry's hash, so the tail of the log cannot be cut off and hidden by
rewinding the head with ordinary SQL. Production's ``flush`` therefore fails once the log has
entries; the test settings' ``heatwatch.testing`` flush calls ``uninstall_triggers`` and
``install_triggers`` below (keep their names and signatures).

Someone who owns the tables can still drop these triggers: they stop mistakes and injected SQL,
and the HMAC chain (``heatwatch audit verify``) detects what gets past them. Keep the trigger
names in step with ``heatwatch.audit.selectors.EXPECTED_TRIGGERS``.

NOTE for future migrations: on SQLite, any operation that rebuilds ``audit_auditentry`` or
``audit_audithead`` (most AlterField/AddField/RemoveField) drops these triggers silently;
such a migration must create them again (the SQLITE_INSTALL statements below, copied, not
imported). ``heatwatch audit verify`` reports missing or disabled triggers.
"""

from django.db import migrations

ENTRY = "audit_auditentry"
HEAD = "audit_audithead"
ENTRY_MESSAGE = "audit_auditentry is append-only: {op} refused"
HEAD_MESSAGE = "audit_audithead only moves forward to the newest audit entry"

SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON {ENTRY}
    BEGIN SELECT RAISE(ABORT, '{ENTRY_MESSAGE.format(op="UPDATE")}'); END
    """,
    f"""
    CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON {ENTRY}
    BEGIN SELECT RAISE(ABORT, '{ENTRY_MESSAGE.format(op="DELETE")}'); END
    """,
    f"""
    CREATE TRIGGER audit_audithead_forward_only BEFORE UPDATE ON {HEAD}
    WHEN NEW.id IS NOT OLD.id
        OR NEW.seq IS NOT OLD.seq + 1
        OR NEW.entry_hash IS NOT (SELECT e.entry_hash FROM {ENTRY} e WHERE e.seq = NEW.seq)
    BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END
    """,
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS audit_audithead_forward_only",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_update",
]

# ERRCODE restrict_violation (23001) surfaces as IntegrityError, as SQLite's RAISE(ABORT) does.
POSTGRESQL_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION audit_auditentry_refuse_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $body$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit_auditentry is append-only: ' || TG_OP || ' refused',
            ERRCODE = 'restrict_violation';
        RETURN NULL;
    END;
    $body$
    """,
    f"""
    CREATE OR REPLACE FUNCTION audit_audithead_forward_only() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $body$
    BEGIN
        IF NEW.id IS DISTINCT FROM OLD.id
            OR NEW.seq IS DISTINCT FROM OLD.seq + 1
            OR NEW.entry_hash IS DISTINCT FROM
                (SELECT e.entry_hash FROM {ENTRY} e WHERE e.seq = NEW.seq)
        THEN
            RAISE EXCEPTION USING MESSAGE = '{HEAD_MESSAGE}', ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END;
    $body$
    """,
    f"""
    CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON {ENTRY}
    FOR EACH ROW EXECUTE FUNCTION audit_auditentry_refuse_change()
    """,
    f"""
    CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON {ENTRY}
    FOR EACH ROW EXECUTE FUNCTION audit_auditentry_refuse_change()
    """,
    f"""
    CREATE TRIGGER audit_auditentry_no_truncate BEFORE TRUNCATE ON {ENTRY}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditentry_refuse_change()
    """,
    f"""
    CREATE TRIGGER audit_audithead_forward_only BEFORE UPDATE ON {HEAD}
    FOR EACH ROW EXECUTE FUNCTION audit_audithead_forward_only()
    """,
]
POSTGRESQL_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS audit_audithead_forward_only ON {HEAD}",
    f"DROP TRIGGER IF EXISTS audit_auditentry_no_truncate ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS audit_auditentry_no_delete ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS audit_auditentry_no_update ON {ENTRY}",
    "DROP FUNCTION IF EXISTS audit_audithead_forward_only()",
    "DROP FUNCTION IF EXISTS audit_auditentry_refuse_change()",
]

STATEMENTS = {
    "sqlite": (SQLITE_INSTALL, SQLITE_UNINSTALL),
    "postgresql": (POSTGRESQL_INSTALL, POSTGRESQL_UNINSTALL),
}


def _statements(schema_editor, index):
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        # Fail closed: an audit log without append-only protection must not be installed.
        raise RuntimeError(f"No append-only audit triggers are defined for {vendor!r}.")
    return STATEMENTS[vendor][index]


def install_triggers(apps, schema_editor):
    for sql in _statements(schema_editor, 0):
        # params=None: the SQL is sent as is (no %-placeholder processing).
        schema_editor.execute(sql, params=None)


def uninstall_triggers(apps, schema_editor):
    for sql in _statements(schema_editor, 1):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(install_triggers, uninstall_triggers, elidable=False),
    ]
