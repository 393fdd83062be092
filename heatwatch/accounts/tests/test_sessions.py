"""Sessions: 15 minutes idle, 12 hours in all, disabling ends them, "log out everywhere"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from heatwatch.accounts import services
from heatwatch.audit.models import Action, AuditEntry
from heatwatch.conftest import PASSWORD, login_verified

pytestmark = pytest.mark.django_db


def signed_in(response) -> bool:
    return response.status_code == 200


def test_idle_session_ends_after_15_minutes(client, personas, clock):
    login_verified(client, personas.advocate)
    assert signed_in(client.get("/staff/"))
    clock.shift(timedelta(minutes=14))
    assert signed_in(client.get("/staff/"))  # activity keeps it alive
    clock.shift(timedelta(minutes=14))
    assert signed_in(client.get("/staff/"))
    clock.shift(timedelta(minutes=15, seconds=1))
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/account/login/")


def test_session_ends_after_12_hours_even_when_active(client, personas, clock):
    login_verified(client, personas.advocate)
    client.get("/staff/")
    statuses = []
    for _ in range(12 * 6 + 1):  # a request every 10 minutes for over 12 hours
        clock.shift(timedelta(minutes=10))
        statuses.append(client.get("/staff/").status_code)
    assert set(statuses[:-1]) == {200}
    assert statuses[-1] == 302


def test_disabling_a_user_ends_their_sessions(client, personas):
    login_verified(client, personas.advocate)
    assert signed_in(client.get("/staff/"))
    services.user_disable(
        user=personas.advocate, by=personas.administrator, reason="left the agency"
    )
    assert client.get("/staff/").status_code == 302
    entry = AuditEntry.objects.filter(action=Action.PERMISSION_CHANGE).latest("seq")
    assert entry.object_id == str(personas.advocate.pk)
    assert entry.actor_id == personas.administrator.pk


def test_disabled_user_cannot_sign_in(client, personas):
    services.user_disable(user=personas.advocate, by=personas.administrator, reason="left")
    response = client.post(
        "/staff/account/login/",
        {"auth-username": "advocate", "auth-password": PASSWORD, "login_view-current_step": "auth"},
    )
    assert b"token-otp_token" not in response.content


def test_disabling_needs_a_reason(personas):
    with pytest.raises(services.AccountError):
        services.user_disable(user=personas.advocate, by=personas.administrator, reason=" ")
    personas.advocate.refresh_from_db()
    assert personas.advocate.is_active


def test_log_out_everywhere_ends_every_session(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    laptop = login_verified(Client(), personas.coordinator)
    phone = login_verified(Client(), personas.coordinator)
    assert signed_in(laptop.get("/staff/")) and signed_in(phone.get("/staff/"))

    with django_capture_on_commit_callbacks(execute=True):
        response = laptop.post("/staff/logout-everywhere/")
    assert response.status_code == 302
    assert laptop.get("/staff/").status_code == 302
    assert phone.get("/staff/").status_code == 302
    assert AuditEntry.objects.filter(
        action=Action.SECURITY,
        object_id=str(personas.coordinator.pk),
        reason="logged out everywhere",
    ).exists()
    assert mailoutbox[0].to == ["coordinator@example.test"]


def test_log_out_everywhere_needs_post(client, personas):
    login_verified(client, personas.coordinator)
    assert client.get("/staff/logout-everywhere/").status_code == 405
    assert signed_in(client.get("/staff/"))


def test_logout_is_a_post_and_ends_the_session(client, personas):
    login_verified(client, personas.coordinator)
    assert client.post("/staff/logout/").status_code == 302
    assert client.get("/staff/").status_code == 302
    assert AuditEntry.objects.filter(
        action=Action.LOGOUT, actor_id=personas.coordinator.pk
    ).exists()


def test_changing_password_keeps_this_session_and_ends_others(personas):
    here = login_verified(Client(), personas.advocate)
    elsewhere = login_verified(Client(), personas.advocate)
    response = here.post(
        "/staff/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new long passphrase",
            "new_password2": "a brand new long passphrase",
        },
    )
    assert response.status_code == 302
    assert signed_in(here.get("/staff/"))
    assert elsewhere.get("/staff/").status_code == 302
    personas.advocate.refresh_from_db()
    assert personas.advocate.check_password("a brand new long passphrase")


def test_weak_new_password_is_refused_and_form_keeps_errors(client, personas):
    login_verified(client, personas.advocate)
    response = client.post(
        "/staff/account/password/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 200
    assert b"at least 15 characters" in response.content
    personas.advocate.refresh_from_db()
    assert personas.advocate.check_password(PASSWORD)
