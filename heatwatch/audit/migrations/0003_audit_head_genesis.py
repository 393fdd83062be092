"""Create the single AuditHead row at the genesis of the chain (seq 0, 64 zeros). Hand-written."""

from django.db import migrations

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    AuditHead = apps.get_model("audit", "AuditHead")
    AuditHead.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"seq": 0, "entry_hash": GENESIS_HASH}
    )


def remove_head(apps, schema_editor):
    AuditHead = apps.get_model("audit", "AuditHead")
    heads = AuditHead.objects.using(schema_editor.connection.alias)
    if heads.exclude(seq=0).exists():
        raise RuntimeError("Refusing to remove the audit head: the audit log has entries.")
    heads.filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.RunPython(create_head, remove_head, elidable=False),
    ]
