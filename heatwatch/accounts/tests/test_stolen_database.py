"""A copy of the database is not a login: no session row opens a session, no seed is readable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from heatwatch.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/staff/account/login/"


def sign_in(client: Client, user, clock) -> None:
    """Password, then the authenticator code, as a person at the login page does."""
    response = client.post(
        LOGIN,
        {
            "auth-username": user.username,
            "auth-password": PASSWORD,
            "login_view-current_step": "auth",
        },
    )
    assert b"token-otp_token" in response.content
    response = client.post(
        LOGIN, {"token-otp_token": totp_code(user), "login_view-current_step": "token"}
    )
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_no_session_row_opens_a_session_as_a_cookie(personas, clock):
    for user in (personas.coordinator, personas.administrator, personas.advocate):
        sign_in(Client(), user, clock)
        clock.shift(timedelta(seconds=31))  # a fresh TOTP step for the next sign-in
    rows = list(Session.objects.values_list("session_key", "session_data"))
    assert len(rows) >= 3
    for stored_key, stored_data in rows:
        thief = Client()
        thief.cookies[settings.SESSION_COOKIE_NAME] = stored_key
        response = thief.get("/staff/")
        assert response.status_code == 302, "a row of django_session opened a staff session"
        assert response["Location"].startswith(LOGIN)
        # The session contents are not readable either (user id, device, wizard data).
        assert "_auth_user_id" not in stored_data


def test_the_cookie_value_is_not_stored(client, personas, clock):
    sign_in(client, personas.coordinator, clock)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert not Session.objects.filter(session_key=cookie).exists()
    for key, data in Session.objects.values_list("session_key", "session_data"):
        assert cookie not in key and cookie not in data


def test_clearsessions_removes_expired_sessions(client, personas, clock):
    sign_in(client, personas.coordinator, clock)
    assert Session.objects.count() == 1
    call_command("clearsessions")
    assert Session.objects.count() == 1  # still valid
    clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE + 1))
    call_command("clearsessions")
    assert Session.objects.count() == 0


def test_sign_out_deletes_the_stored_session(client, personas, clock):
    sign_in(client, personas.coordinator, clock)
    assert Session.objects.count() == 1
    client.post("/staff/logout/")
    assert client.get("/staff/").status_code == 302
    assert not Session.objects.filter(session_data__contains="_auth_user_id").exists()


def _raw_column(sql: str, params: list) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def test_totp_seed_is_not_stored_readably_and_codes_still_work(client, personas, clock):
    from base64 import b32encode

    from heatwatch.accounts.models import TOTPAuthenticator

    device = TOTPAuthenticator.objects.get(user=personas.coordinator)
    seed_hex = device.key
    seed_b32 = b32encode(device.bin_key).decode()
    table = TOTPAuthenticator._meta.db_table
    stored = _raw_column(f"SELECT key FROM {table} WHERE id = %s", [device.pk])  # noqa: S608
    assert stored and stored[0].startswith("hw1$")
    for column_value in stored:
        assert seed_hex not in column_value.lower()
        assert seed_b32 not in column_value.upper()
    # Nothing else in the database holds it either (django-otp's plaintext table is empty).
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not TOTPDevice.objects.exists()
    sign_in(client, personas.coordinator, clock)


def test_keys_rotate_re_encrypts_totp_seeds(personas, settings, clock):
    from io import StringIO

    from heatwatch.accounts.models import TOTPAuthenticator
    from heatwatch.lib import crypto

    table = TOTPAuthenticator._meta.db_table
    old_id = crypto.get_keyring().primary_id
    before = dict(TOTPAuthenticator.objects.values_list("pk", "key"))
    new_entry = crypto.generate_key_entry(existing_ids=crypto.get_keyring().key_ids)
    settings.HEATWATCH_FIELD_KEYS = f"{new_entry},{settings.HEATWATCH_FIELD_KEYS}"
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "accounts.TOTPAuthenticator (key)" in out.getvalue()
    for token in _raw_column(f"SELECT key FROM {table}", []):  # noqa: S608
        assert crypto.key_id_of(token) == new_entry.partition(":")[0] != old_id
    assert dict(TOTPAuthenticator.objects.values_list("pk", "key")) == before
    sign_in(Client(), personas.advocate, clock)


def test_migration_encrypts_existing_seeds_hashes_backup_codes_and_drops_sessions(db, clock):
    import importlib

    from django.apps import apps
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from heatwatch.accounts import services
    from heatwatch.accounts.models import TOTPAuthenticator
    from heatwatch.conftest import make_user

    migration = importlib.import_module("heatwatch.accounts.migrations.0004_protect_second_factors")
    user = make_user("veteran", device=False)
    old = TOTPDevice.objects.create(user=user, name="default", confirmed=True, drift=1)
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    StaticToken.objects.create(device=backup, token="abcd2345")
    from django.utils import timezone

    Session.objects.create(
        session_key="k" * 32, session_data="x", expire_date=timezone.now() + timedelta(hours=1)
    )

    migration.forwards(apps, None)

    assert not TOTPDevice.objects.exists()
    moved = TOTPAuthenticator.objects.get(user=user)
    assert (moved.key, moved.name, moved.confirmed, moved.drift) == (old.key, "default", True, 1)
    stored = _raw_column(
        f"SELECT key FROM {TOTPAuthenticator._meta.db_table}",  # noqa: S608
        [],
    )
    assert old.key not in stored[0]
    assert list(StaticToken.objects.values_list("token", flat=True)) == [
        services.backup_code_hash("abcd2345")
    ]
    assert not Session.objects.exists()
