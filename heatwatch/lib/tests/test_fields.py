import datetime

import pytest
from django import forms
from django.core.exceptions import FieldError, ValidationError
from django.db import connection
from django.db.models import F
from django.test import override_settings

from heatwatch.lib import crypto
from heatwatch.lib.fields import (
    EncryptedDateField,
    EncryptedTextField,
    encrypted_fields_by_model,
)
from heatwatch.lib.tests import NEW_KEY, OLD_KEY
from heatwatch.lib.tests.encrypted_testapp.models import Secret

NAME = "Jessica Marie Doe"
BORN_ON = datetime.date(2010, 3, 14)


def raw_row(pk):
    """The stored columns of a Secret, read without the model fields' decryption."""
    table = connection.ops.quote_name(Secret._meta.db_table)
    with connection.cursor() as cursor:
        # identifiers come from the model's metadata, the value is a parameter
        cursor.execute(f"SELECT name, born_on, note FROM {table} WHERE id = %s", [pk])  # noqa: S608
        name, born_on, note = cursor.fetchone()
    return {"name": name, "born_on": born_on, "note": note}


# --- storage ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_values_round_trip_through_the_database():
    secret = Secret.objects.create(name=NAME, born_on=BORN_ON, note="Zoë 李 👩‍👧")
    secret = Secret.objects.get(pk=secret.pk)
    assert (secret.name, secret.born_on, secret.note) == (NAME, BORN_ON, "Zoë 李 👩‍👧")
    assert Secret.objects.values_list("name", "born_on").get(pk=secret.pk) == (NAME, BORN_ON)


@pytest.mark.django_db
def test_values_are_stored_encrypted_for_their_column():
    secret = Secret.objects.create(name=NAME, born_on=BORN_ON, note="a note for the file")
    row = raw_row(secret.pk)
    keyring = crypto.get_keyring()
    for column, plaintext in [("name", NAME), ("born_on", "2010-03-14"), ("note", "a note")]:
        assert row[column].startswith(f"hw1${keyring.primary_id}$")
        assert plaintext not in row[column]
    assert keyring.decrypt(row["name"], context="encrypted_testapp.secret.name") == NAME
    assert keyring.decrypt(row["born_on"], context="encrypted_testapp.secret.born_on") == (
        "2010-03-14"
    )


@pytest.mark.django_db
def test_saving_twice_gives_a_new_ciphertext():
    secret = Secret.objects.create(name=NAME)
    first = raw_row(secret.pk)["name"]
    secret.save()
    assert raw_row(secret.pk)["name"] != first


@pytest.mark.django_db
def test_none_is_null_and_empty_text_is_empty():
    secret = Secret.objects.create(name="", born_on=None, note=None)
    assert raw_row(secret.pk) == {"name": "", "born_on": None, "note": None}
    secret = Secret.objects.get(pk=secret.pk)
    assert (secret.name, secret.born_on, secret.note) == ("", None, None)


@pytest.mark.django_db
def test_empty_date_is_stored_as_null():
    secret = Secret.objects.create(name=NAME, born_on="")
    assert raw_row(secret.pk)["born_on"] is None


@pytest.mark.django_db
def test_a_string_that_looks_like_a_token_is_still_encrypted():
    token = crypto.encrypt("inner", context="encrypted_testapp.secret.name")
    secret = Secret.objects.create(name=token)
    assert Secret.objects.get(pk=secret.pk).name == token
    assert raw_row(secret.pk)["name"] != token


@pytest.mark.django_db
def test_update_bulk_create_and_bulk_update_encrypt():
    Secret.objects.bulk_create([Secret(name="one"), Secret(name="two")])
    Secret.objects.update(note="updated note")
    secrets = list(Secret.objects.order_by("pk"))
    for secret in secrets:
        secret.born_on = BORN_ON
    Secret.objects.bulk_update(secrets, ["born_on"])
    for secret in Secret.objects.order_by("pk"):
        row = raw_row(secret.pk)
        assert all(value.startswith("hw1$") for value in row.values())
        assert secret.note == "updated note"
        assert secret.born_on == BORN_ON
    assert [s.name for s in Secret.objects.order_by("pk")] == ["one", "two"]


@pytest.mark.django_db
def test_ciphertext_copied_to_another_column_does_not_decrypt():
    secret = Secret.objects.create(name=NAME, note="note")
    # Copying inside the database bypasses the fields, like an attacker with SQL access.
    Secret.objects.filter(pk=secret.pk).update(note=F("name"))
    with pytest.raises(crypto.DecryptionError, match="encrypted_testapp.secret.note"):
        Secret.objects.get(pk=secret.pk)


@pytest.mark.django_db
def test_value_written_with_a_removed_key_fails_clearly():
    with override_settings(HEATWATCH_FIELD_KEYS=OLD_KEY):
        secret = Secret.objects.create(name=NAME)
    with override_settings(HEATWATCH_FIELD_KEYS=NEW_KEY):
        with pytest.raises(crypto.DecryptionError, match="key id 'old'") as excinfo:
            Secret.objects.get(pk=secret.pk)
    assert NAME not in str(excinfo.value)


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [BORN_ON, "2010-03-14", " 2010-03-14 ", datetime.datetime(2010, 3, 14, 12, 0)],  # noqa: DTZ001
)
def test_date_field_accepts_dates_and_iso_strings(value):
    secret = Secret.objects.create(name=NAME, born_on=value)
    assert Secret.objects.get(pk=secret.pk).born_on == BORN_ON


def test_date_field_converts_aware_datetimes_in_the_current_time_zone():
    field = Secret._meta.get_field("born_on")
    late_utc = datetime.datetime(2010, 3, 15, 3, 0, tzinfo=datetime.UTC)
    with override_settings(TIME_ZONE="America/Los_Angeles"):
        assert field.to_python(late_utc) == BORN_ON


@pytest.mark.parametrize("value", ["14/03/2010", "2010-02-30", "yesterday", 20100314])
def test_invalid_date_is_refused_without_echoing_it(value):
    field = Secret._meta.get_field("born_on")
    with pytest.raises(ValidationError) as excinfo:
        field.to_python(value)
    assert str(value) not in str(excinfo.value)


def test_date_field_uses_a_date_form_field():
    assert isinstance(Secret._meta.get_field("born_on").formfield(), forms.DateField)
    assert isinstance(Secret._meta.get_field("name").formfield().widget, forms.Textarea)


def test_date_value_to_string_is_iso():
    field = Secret._meta.get_field("born_on")
    assert field.value_to_string(Secret(born_on=BORN_ON)) == "2010-03-14"
    assert field.value_to_string(Secret(born_on=None)) == ""


# --- queries ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lookup",
    [
        {"name": NAME},
        {"name__iexact": NAME},
        {"name__icontains": "Jess"},
        {"name__startswith": "J"},
        {"name__in": [NAME]},
        {"note": F("name")},
        {"born_on": BORN_ON},
        {"born_on__gte": BORN_ON},
        {"born_on__year": 2010},
        {"name__lower": "jess"},
    ],
)
def test_lookups_on_encrypted_fields_are_refused(lookup):
    Secret.objects.create(name=NAME, born_on=BORN_ON)
    with pytest.raises(FieldError, match="blind index"):
        list(Secret.objects.filter(**lookup))
    with pytest.raises(FieldError, match="encrypted"):
        list(Secret.objects.exclude(**lookup))


def test_refusal_names_the_field():
    with pytest.raises(FieldError, match="encrypted_testapp.secret.name is encrypted"):
        Secret.objects.filter(name=NAME)


@pytest.mark.django_db
def test_isnull_and_none_lookups_work():
    with_note = Secret.objects.create(name=NAME, note="note")
    without_note = Secret.objects.create(name=NAME, note=None)
    assert list(Secret.objects.filter(note__isnull=True)) == [without_note]
    assert list(Secret.objects.filter(note__isnull=False)) == [with_note]
    assert list(Secret.objects.filter(note=None)) == [without_note]
    assert list(Secret.objects.exclude(note=None)) == [with_note]


@pytest.mark.django_db
def test_blind_index_column_finds_the_row():
    context = "encrypted_testapp.secret.name"
    secret = Secret.objects.create(name=NAME, name_index=crypto.blind_index(NAME, context=context))
    Secret.objects.create(name="Someone Else", name_index=crypto.blind_index("x", context=context))
    query = crypto.blind_index("  jessica   MARIE doe ", context=context)
    assert list(Secret.objects.filter(name_index=query)) == [secret]


# --- definition -------------------------------------------------------------------------------


def test_context_comes_from_the_model():
    assert Secret._meta.get_field("name").context == "encrypted_testapp.secret.name"
    assert Secret._meta.get_field("born_on").context == "encrypted_testapp.secret.born_on"


def test_fields_deconstruct_for_migrations():
    name, path, args, kwargs = Secret._meta.get_field("note").deconstruct()
    assert (name, path, args) == ("note", "heatwatch.lib.fields.EncryptedTextField", [])
    assert kwargs == {"null": True, "blank": True}
    rebuilt = EncryptedTextField(*args, **kwargs)
    assert rebuilt.deconstruct()[1:] == (path, args, kwargs)
    _, path, _, kwargs = Secret._meta.get_field("born_on").deconstruct()
    assert path == "heatwatch.lib.fields.EncryptedDateField"
    assert kwargs == {"null": True, "blank": True}


def test_explicit_context_survives_deconstruction():
    field = EncryptedTextField(context="cases.youth.legal_name")
    field.set_attributes_from_name("renamed")
    _, _, _, kwargs = field.deconstruct()
    assert kwargs == {"context": "cases.youth.legal_name"}
    assert EncryptedTextField(**kwargs).context == "cases.youth.legal_name"


def test_unattached_field_refuses_to_encrypt():
    with pytest.raises(FieldError, match="not attached"):
        EncryptedTextField().get_prep_value("x")


@pytest.mark.parametrize(
    "options",
    [{"unique": True}, {"db_index": True}, {"primary_key": True}, {"db_default": "x"}],
)
def test_options_that_cannot_work_on_ciphertext_are_refused(options):
    with pytest.raises(TypeError, match="cannot"):
        EncryptedTextField(**options)
    with pytest.raises(TypeError, match="cannot"):
        EncryptedDateField(**options)


def test_empty_context_is_refused():
    with pytest.raises(ValueError, match="context"):
        EncryptedTextField(context="")


def test_encrypted_fields_by_model_lists_the_test_model():
    found = encrypted_fields_by_model()
    assert [f.name for f in found[Secret]] == ["name", "born_on", "note"]
    assert all(
        isinstance(f, EncryptedTextField | EncryptedDateField)
        for fields in found.values()
        for f in fields
    )
