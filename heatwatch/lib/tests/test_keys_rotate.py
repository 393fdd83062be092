import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from heatwatch.lib import crypto
from heatwatch.lib.keys import RotationError, rotate_field_keys
from heatwatch.lib.tests import NEW_KEY, OLD_KEY, OTHER_KEY
from heatwatch.lib.tests.encrypted_testapp.models import Secret

BORN_ON = datetime.date(2010, 3, 14)
BOTH_KEYS = f"{NEW_KEY},{OLD_KEY}"


def raw_values(pk):
    table = connection.ops.quote_name(Secret._meta.db_table)
    with connection.cursor() as cursor:
        # identifiers come from the model's metadata, the value is a parameter
        cursor.execute(f"SELECT name, born_on, note FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("keys", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def old_secrets():
    """Five rows written with the old key only, one with empty/NULL values."""
    with override_settings(HEATWATCH_FIELD_KEYS=OLD_KEY):
        rows = [
            Secret.objects.create(name=f"Youth {i}", born_on=BORN_ON, note=f"note {i}")
            for i in range(4)
        ]
        rows.append(Secret.objects.create(name="", born_on=None, note=None))
    return rows


@pytest.mark.django_db
def test_rotate_re_encrypts_with_the_new_primary_key(old_secrets):
    before = {s.pk: raw_values(s.pk) for s in old_secrets}
    assert all(v.startswith("hw1$old$") for row in before.values() for v in row if v)

    with override_settings(HEATWATCH_FIELD_KEYS=BOTH_KEYS):
        out, _ = run("rotate", "--batch-size", "2")

        assert "encrypted_testapp.Secret (name, born_on, note): 12 values scanned, " in out
        assert "12 re-encrypted" in out
        assert "Done: 12 of 12 values re-encrypted with key 'new'." in out
        for secret in old_secrets:
            row = raw_values(secret.pk)
            stored = [value for value in row if value]
            assert all(value.startswith("hw1$new$") for value in stored)
            assert not set(stored) & set(before[secret.pk])
        assert raw_values(old_secrets[-1].pk) == ("", None, None)

    # Readable with the new key alone: the old key can go.
    with override_settings(HEATWATCH_FIELD_KEYS=NEW_KEY):
        names = sorted(Secret.objects.values_list("name", flat=True))
        assert names == ["", "Youth 0", "Youth 1", "Youth 2", "Youth 3"]
        assert Secret.objects.get(pk=old_secrets[0].pk).born_on == BORN_ON
        assert Secret.objects.get(pk=old_secrets[0].pk).note == "note 0"


@pytest.mark.django_db
def test_second_rotation_changes_nothing(old_secrets):
    with override_settings(HEATWATCH_FIELD_KEYS=BOTH_KEYS):
        run("rotate")
        after_first = {s.pk: raw_values(s.pk) for s in old_secrets}
        out, _ = run("rotate")
        assert "Done: 0 of 12 values re-encrypted" in out
        assert {s.pk: raw_values(s.pk) for s in old_secrets} == after_first


@pytest.mark.django_db
def test_dry_run_counts_without_writing(old_secrets):
    before = {s.pk: raw_values(s.pk) for s in old_secrets}
    with override_settings(HEATWATCH_FIELD_KEYS=BOTH_KEYS):
        out, _ = run("rotate", "--dry-run")
    assert "12 to re-encrypt" in out
    assert "Dry run: 12 of 12 values would be re-encrypted with key 'new'." in out
    assert {s.pk: raw_values(s.pk) for s in old_secrets} == before


@pytest.mark.django_db
def test_rotation_only_touches_values_on_old_keys(old_secrets):
    with override_settings(HEATWATCH_FIELD_KEYS=BOTH_KEYS):
        fresh = Secret.objects.create(name="new row", born_on=BORN_ON, note="n")
        fresh_raw = raw_values(fresh.pk)
        report = rotate_field_keys(batch_size=3)
    assert raw_values(fresh.pk) == fresh_raw
    assert (report.scanned, report.reencrypted) == (15, 12)
    [secret_report] = [m for m in report.models if m.model == "encrypted_testapp.Secret"]
    assert (secret_report.scanned, secret_report.reencrypted) == (15, 12)


@pytest.mark.django_db
def test_rotation_without_the_old_key_fails_naming_the_row(old_secrets):
    before = {s.pk: raw_values(s.pk) for s in old_secrets}
    with override_settings(HEATWATCH_FIELD_KEYS=NEW_KEY):
        with pytest.raises(CommandError) as excinfo:
            run("rotate")
    message = str(excinfo.value)
    first = min(s.pk for s in old_secrets)
    assert f"encrypted_testapp.Secret.name of row pk={first}" in message
    assert "key id 'old'" in message
    assert "HEATWATCH_FIELD_KEYS" in message
    assert "Youth" not in message and "note" not in message.replace("Nothing", "")
    assert {s.pk: raw_values(s.pk) for s in old_secrets} == before


@pytest.mark.django_db
def test_rotation_error_carries_the_location(old_secrets):
    with override_settings(HEATWATCH_FIELD_KEYS=f"{NEW_KEY},{OTHER_KEY}"):
        with pytest.raises(RotationError) as excinfo:
            rotate_field_keys()
    assert excinfo.value.model_label == "encrypted_testapp.Secret"
    assert excinfo.value.field_name == "name"
    assert excinfo.value.pk == old_secrets[0].pk


@pytest.mark.django_db
def test_tampered_value_stops_rotation_without_showing_it(old_secrets):
    target = old_secrets[1]
    table = connection.ops.quote_name(Secret._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET note = %s WHERE id = %s",  # noqa: S608
            ["plaintext leaked in", target.pk],
        )
    with override_settings(HEATWATCH_FIELD_KEYS=BOTH_KEYS):
        with pytest.raises(CommandError, match=f"Secret.note of row pk={target.pk}") as excinfo:
            run("rotate")
    assert "plaintext leaked in" not in str(excinfo.value)


@pytest.mark.django_db
def test_value_changed_during_rotation_is_not_overwritten(old_secrets, monkeypatch):
    target = old_secrets[0]
    real_decrypt = crypto.KeyRing.decrypt

    def decrypt_while_the_app_writes(self, token, *, context):
        plaintext = real_decrypt(self, token, context=context)
        if context == "encrypted_testapp.secret.name" and plaintext == "Youth 0":
            Secret.objects.filter(pk=target.pk).update(name="changed by the app")
        return plaintext

    monkeypatch.setattr(crypto.KeyRing, "decrypt", decrypt_while_the_app_writes)
    with override_settings(HEATWATCH_FIELD_KEYS=BOTH_KEYS):
        out, _ = run("rotate")
        assert "1 changed during rotation (run again)" in out
        assert Secret.objects.get(pk=target.pk).name == "changed by the app"
        out, _ = run("rotate")
        assert "Done: 0 of 12" in out


@pytest.mark.django_db
def test_rotate_reports_bad_configuration():
    with override_settings(HEATWATCH_FIELD_KEYS="new:tooshort"):
        with pytest.raises(CommandError, match="Key configuration error: HEATWATCH_FIELD_KEYS"):
            run("rotate")


def test_rotate_refuses_a_silly_batch_size():
    with pytest.raises(CommandError, match="batch-size"):
        run("rotate", "--batch-size", "0")
    with pytest.raises(ValueError, match="batch_size"):
        rotate_field_keys(batch_size=0)


def test_generate_prints_only_a_valid_entry_on_stdout():
    with override_settings(HEATWATCH_FIELD_KEYS=BOTH_KEYS):
        out, err = run("generate")
    entry = out.strip()
    ring = crypto.KeyRing.from_string(entry)
    assert ring.primary_id not in {"new", "old"}
    assert crypto.KeyRing.from_string(f"{entry},{BOTH_KEYS}").primary_id == ring.primary_id
    assert "Prepend it to HEATWATCH_FIELD_KEYS" in err
    assert "heatwatch keys rotate" in err
    assert entry not in err


def test_generate_works_when_the_configuration_is_broken():
    with override_settings(HEATWATCH_FIELD_KEYS=""):
        out, _ = run("generate")
    crypto.KeyRing.from_string(out.strip())


def test_keys_requires_a_subcommand():
    with pytest.raises(CommandError):
        call_command("keys")
