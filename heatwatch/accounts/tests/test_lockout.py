"""Lockout cannot be turned against staff, and keeps nothing that identifies a client.

Issue 10, findings 5 and 11: failures are throttled per account *and* source together, per
source across accounts and per account across sources; cool-offs grow on repeated lockouts; one
notice and one audit entry per lockout; django-axes stores an opaque source key, no user agent
and no typed unknown username, and a periodic job deletes old rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.test import Client

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/staff/account/login/"
SOURCE_A = "203.0.113.41"
SOURCE_B = "198.51.100.17"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) LockoutTestBrowser/77.1"
WRONG = "wrong wrong wrong wrong"


def sign_in(username, password, *, source, client=None):
    """The password step of the two-factor login, from ``source``; returns the response."""
    client = client or Client()
    return client.post(
        LOGIN,
        {"auth-username": username, "auth-password": password, "login_view-current_step": "auth"},
        REMOTE_ADDR=source,
        HTTP_USER_AGENT=BROWSER,
    )


def asks_for_code(response):
    return response.status_code == 200 and b"token-otp_token" in response.content


def fail(username, times, *, source):
    for _ in range(times):
        response = sign_in(username, WRONG, source=source)
        assert response.status_code in (200, 429)


def test_failures_from_one_source_do_not_lock_the_owner_out_from_another(personas, clock):
    fail("coordinator", 5, source=SOURCE_A)
    assert sign_in("coordinator", PASSWORD, source=SOURCE_A).status_code == 429
    # The coordinator, at the office, signs in as usual.
    assert asks_for_code(sign_in("coordinator", PASSWORD, source=SOURCE_B))


def test_the_owner_finishes_signing_in_from_another_source_during_an_attack(personas, clock):
    fail("coordinator", 12, source=SOURCE_A)
    client = Client()
    assert asks_for_code(sign_in("coordinator", PASSWORD, source=SOURCE_B, client=client))
    response = client.post(
        LOGIN,
        {"token-otp_token": totp_code(personas.coordinator), "login_view-current_step": "token"},
        REMOTE_ADDR=SOURCE_B,
    )
    assert response.status_code == 302
    # Signing in from B clears nothing of A's: A is still locked.
    assert sign_in("coordinator", PASSWORD, source=SOURCE_A).status_code == 429


def test_a_source_failing_against_many_accounts_is_throttled(personas, clock):
    names = [*personas.by_name(), "nobody-1", "nobody-2"][:10]
    for name in names:
        fail(name, 1, source=SOURCE_A)
    # Every account is paused from that source, even with the right password ...
    response = sign_in("officer", PASSWORD, source=SOURCE_A)
    assert response.status_code == 429
    assert b"paused" in response.content
    # ... and from anywhere else nobody is affected.
    assert asks_for_code(sign_in("officer", PASSWORD, source=SOURCE_B))
    # The pause ends an hour after the last failure.
    clock.shift(timedelta(minutes=61))
    assert asks_for_code(sign_in("officer", PASSWORD, source=SOURCE_A))


def test_nine_accounts_from_one_source_are_not_throttled(personas, clock):
    for name in list(personas.by_name())[:9]:
        fail(name, 1, source=SOURCE_A)
    assert asks_for_code(sign_in("officer", PASSWORD, source=SOURCE_A))


def test_an_account_failing_from_many_sources_is_locked_everywhere(personas, clock):
    for n in range(10):
        fail("advocate", 1, source=f"192.0.2.{n + 1}")
    assert sign_in("advocate", PASSWORD, source=SOURCE_B).status_code == 429
    assert asks_for_code(sign_in("officer", PASSWORD, source=SOURCE_B))


def test_a_lockout_sends_one_notice_and_writes_bounded_audit_entries(
    personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fail("advocate", 5, source=SOURCE_A)
        for _ in range(20):  # the attacker keeps going during the lockout
            assert sign_in("advocate", WRONG, source=SOURCE_A).status_code == 429
            assert sign_in("advocate", PASSWORD, source=SOURCE_A).status_code == 429
    assert [m.to for m in mailoutbox] == [["advocate@example.test"]]
    user = personas.advocate
    lockouts = AuditEntry.objects.filter(action=Action.SECURITY, object_id=str(user.pk))
    assert lockouts.count() == 1
    assert AuditEntry.objects.filter(action=Action.LOGIN_FAILED, actor_id=user.pk).count() == 5


def test_lockouts_from_many_sources_send_at_most_one_notice_an_hour(
    personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            fail("advocate", 5, source=f"192.0.2.{n + 1}")
    assert len(mailoutbox) == 1
    # Every lockout is still audited, once.
    lockouts = AuditEntry.objects.filter(
        action=Action.SECURITY, object_id=str(personas.advocate.pk)
    )
    assert lockouts.count() == 3
    clock.shift(timedelta(minutes=61))
    with django_capture_on_commit_callbacks(execute=True):
        fail("advocate", 5, source=SOURCE_A)
    assert len(mailoutbox) == 2


def test_the_cool_off_grows_on_repeated_lockouts(personas, clock):
    fail("analyst", 5, source=SOURCE_A)
    response = sign_in("analyst", PASSWORD, source=SOURCE_A)
    assert response.status_code == 429
    assert b"10 minutes" in response.content
    clock.shift(timedelta(minutes=11))

    for _ in range(4):  # the lock is over: four more tries are answered ...
        assert sign_in("analyst", WRONG, source=SOURCE_A).status_code == 200
    assert sign_in("analyst", WRONG, source=SOURCE_A).status_code == 429  # ... the fifth locks
    response = sign_in("analyst", PASSWORD, source=SOURCE_A)
    assert response.status_code == 429
    assert b"20 minutes" in response.content
    clock.shift(timedelta(minutes=15))
    assert sign_in("analyst", PASSWORD, source=SOURCE_A).status_code == 429  # 10 would be over
    clock.shift(timedelta(minutes=6))
    assert asks_for_code(sign_in("analyst", PASSWORD, source=SOURCE_A))


def test_a_success_from_the_source_starts_the_count_again(personas, clock):
    fail("prosecutor", 4, source=SOURCE_A)
    client = Client()
    sign_in("prosecutor", PASSWORD, source=SOURCE_A, client=client)
    client.post(
        LOGIN,
        {"token-otp_token": totp_code(personas.prosecutor), "login_view-current_step": "token"},
        REMOTE_ADDR=SOURCE_A,
    )
    fail("prosecutor", 4, source=SOURCE_A)
    assert asks_for_code(sign_in("prosecutor", PASSWORD, source=SOURCE_A))


# --- what django-axes keeps ------------------------------------------------------------------


def _every_value_of_every_axes_row():
    for model in (AccessAttempt, AccessLog, AccessFailureLog, AccessAttemptExpiration):
        for row in model.objects.values():
            yield from (str(value) for value in row.values())


def test_axes_keeps_no_address_user_agent_or_typed_unknown_username(personas, clock):
    typed = "marisol.typed-this-name"
    fail(typed, 3, source=SOURCE_A)
    fail("coordinator", 5, source=SOURCE_A)
    client = Client()
    sign_in("advocate", PASSWORD, source=SOURCE_A, client=client)
    client.post(
        LOGIN,
        {"token-otp_token": totp_code(personas.advocate), "login_view-current_step": "token"},
        REMOTE_ADDR=SOURCE_A,
        HTTP_USER_AGENT=BROWSER,
    )
    assert client.get("/staff/").status_code == 200  # signed in: the access log had a chance

    values = list(_every_value_of_every_axes_row())
    assert AccessAttempt.objects.count() == 2  # what lockout needs is there
    assert not AccessLog.objects.exists() and not AccessFailureLog.objects.exists()
    for value in values:
        assert SOURCE_A not in value
        assert "LockoutTestBrowser" not in value
        assert "marisol" not in value and "typed-this-name" not in value
        assert "wrong wrong" not in value
    sources = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert len(sources) == 1 and sources.pop().startswith("2001:db8:")  # documentation range


def test_the_periodic_clean_up_deletes_old_rows(
    personas, clock, django_capture_on_commit_callbacks
):
    fail("officer", 2, source=SOURCE_A)
    # A row as versions before this one wrote them: a real address and user agent.
    AccessLog.objects.create(
        username="officer", ip_address=SOURCE_B, user_agent=BROWSER, http_accept="*/*"
    )
    AccessAttempt.objects.create(
        username="officer",
        ip_address=SOURCE_B,
        user_agent=BROWSER,
        get_data="",
        post_data="auth-username=officer",
        failures_since_start=1,
    )
    clock.shift(timedelta(hours=23))
    fail("analyst", 1, source=SOURCE_A)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", stdout=None)
    assert not AccessLog.objects.exists()
    # The old-style row goes at once; the lockout's own rows stay while they may matter.
    assert sorted(AccessAttempt.objects.values_list("username", flat=True)) == [
        "analyst",
        "officer",
    ]
    assert not AccessAttempt.objects.filter(ip_address=SOURCE_B).exists()

    clock.shift(timedelta(hours=1, minutes=1))  # officer's failures are now over a day old
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", stdout=None)
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["analyst"]
