"""Signing in: password then TOTP, lockout per account, audit of every attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/staff/account/login/"


def password_step(client, username, password):
    return client.post(
        LOGIN,
        {"auth-username": username, "auth-password": password, "login_view-current_step": "auth"},
    )


def token_step(client, code):
    return client.post(LOGIN, {"token-otp_token": code, "login_view-current_step": "token"})


def test_staff_signs_in_with_password_and_totp(client, personas, clock):
    response = password_step(client, "advocate", PASSWORD)
    assert response.status_code == 200
    assert b"token-otp_token" in response.content  # asks for the second factor
    assert client.get("/staff/").status_code == 302  # not signed in yet

    response = token_step(client, totp_code(personas.advocate))
    assert response.status_code == 302
    home = client.get("/staff/")
    assert home.status_code == 200
    assert b"Test Advocacy Center" in home.content
    assert AuditEntry.objects.filter(action=Action.LOGIN, actor_id=personas.advocate.pk).exists()


def test_wrong_totp_code_does_not_sign_in(client, personas, clock):
    password_step(client, "advocate", PASSWORD)
    good = totp_code(personas.advocate)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = token_step(client, wrong)
    assert response.status_code == 200
    assert client.get("/staff/").status_code == 302


def test_wrong_password_is_refused_and_audited_without_what_was_typed(client, personas):
    response = password_step(client, "advocate", "not the password at all")
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content
    entry = AuditEntry.objects.filter(action=Action.LOGIN_FAILED).latest("seq")
    assert entry.actor_id == personas.advocate.pk
    assert entry.outcome == Outcome.FAILURE
    assert "not the password" not in entry.reason


def test_unknown_username_is_audited_without_storing_it(client, personas):
    password_step(client, "my secret password", "whatever whatever")
    entry = AuditEntry.objects.filter(action=Action.LOGIN_FAILED).latest("seq")
    assert entry.actor_id is None
    assert "secret" not in entry.reason and "secret" not in entry.actor_username


def test_five_failures_lock_the_account_for_ten_minutes(client, personas, clock):
    for _ in range(5):
        password_step(client, "advocate", "wrong wrong wrong wrong")
    # Even the right password is refused while locked.
    response = password_step(client, "advocate", PASSWORD)
    assert response.status_code == 429
    assert b"locked" in response.content.lower()
    assert AuditEntry.objects.filter(
        action=Action.SECURITY, actor_id=personas.advocate.pk, outcome=Outcome.DENIED
    ).exists()

    clock.shift(timedelta(minutes=9))
    assert password_step(client, "advocate", PASSWORD).status_code == 429

    clock.shift(timedelta(minutes=2))
    response = password_step(client, "advocate", PASSWORD)
    assert response.status_code == 200
    assert b"token-otp_token" in response.content


def test_lockout_is_per_account_not_global(client, personas, clock):
    for _ in range(5):
        password_step(client, "advocate", "wrong wrong wrong wrong")
    # Same browser, same address: another account still signs in.
    response = password_step(client, "officer", PASSWORD)
    assert response.status_code == 200
    assert b"token-otp_token" in response.content


def test_lockout_sends_the_user_a_notice(
    client, personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            password_step(client, "advocate", "wrong wrong wrong wrong")
    assert [m.to for m in mailoutbox] == [["advocate@example.test"]]
    assert "locked" in mailoutbox[0].subject


def test_user_without_device_is_told_to_ask_an_administrator(client, db):
    from heatwatch.conftest import make_user

    make_user("newcomer", device=False)
    response = password_step(client, "newcomer", PASSWORD)
    assert response.status_code == 302
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:enrolment_needed")


def test_session_without_second_factor_is_not_accepted(client, personas):
    client.force_login(personas.coordinator)  # password only, e.g. another login path
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert client.get("/cms/").status_code == 302


def test_wagtail_password_only_login_is_replaced(client):
    response = client.get("/cms/login/?next=/cms/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_django_admin_login_redirects_to_two_factor_login(client):
    response = client.get("/staff/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_demo_login_asks_for_the_code_and_signs_in(client, db, clock):
    from django.core.management import call_command

    from heatwatch.accounts.models import User
    from heatwatch.accounts.seed import DEMO_PASSWORD

    call_command("seed", "--demo", stdout=None)
    response = password_step(client, "coordinator", DEMO_PASSWORD)
    assert b"token-otp_token" in response.content  # the demo device is the default one
    token_step(client, totp_code(User.objects.get(username="coordinator")))
    assert client.get("/staff/").status_code == 200


def test_user_with_only_a_non_default_device_needs_an_enrolment_link(client, db):
    from heatwatch.accounts.models import TOTPAuthenticator
    from heatwatch.conftest import make_user

    user = make_user("oddball", device=False)
    TOTPAuthenticator.objects.create(user=user, name="phone", confirmed=True)
    password_step(client, "oddball", PASSWORD)
    response = client.get("/staff/")
    assert response["Location"] == reverse("staff:enrolment_needed")
