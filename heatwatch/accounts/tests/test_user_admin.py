"""User administration in the staff area (issue 19): invite, edit, roles, deactivate (sessions
end at once), 2FA reset with a reason, unlock; all audited and versioned (409 when stale)."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client

from heatwatch.accounts.models import EnrolmentLink, Membership, Role, TOTPAuthenticator, User
from heatwatch.accounts.tests.test_lockout import SOURCE_A, WRONG, asks_for_code, sign_in
from heatwatch.audit.models import Action, AuditEntry
from heatwatch.conftest import PASSWORD

pytestmark = pytest.mark.django_db

USERS = "/staff/users/"


@pytest.fixture
def admin_client(personas, login):
    return login(Client(), personas.administrator)


def _entries(user, action):
    return AuditEntry.objects.filter(
        object_type="accounts.user", object_id=str(user.pk), action=action
    )


def test_only_administrators_reach_user_administration(personas, login):
    for name in ("coordinator", "analyst", "advocate"):
        client = login(Client(), getattr(personas, name))
        assert client.get(USERS).status_code == 403
        assert client.get(f"{USERS}{personas.advocate.pk}/").status_code == 403
        assert client.post(f"{USERS}{personas.advocate.pk}/unlock/").status_code == 403


def test_the_list_shows_accounts_and_roles(admin_client, personas):
    response = admin_client.get(USERS, {"q": "advoc"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "advocate_other" in html and "Test Youth Clinic" in html
    assert "officer" not in html


def test_an_administrator_invites_a_colleague(
    admin_client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"{USERS}invite/",
            {
                "username": "robin.shelter",
                "email": "robin@shelter.example",
                "first_name": "Robin",
                "last_name": "Vega",
                "organisation": personas.provider.pk,
                "role": Role.ADVOCATE,
                "language": "es",
            },
        )
    assert response.status_code == 201
    user = User.objects.get(username="robin.shelter")
    assert not user.has_usable_password() and user.language == "es"
    assert Membership.objects.filter(user=user, role=Role.ADVOCATE, is_active=True).exists()
    (mail,) = mailoutbox
    assert mail.to == ["robin@shelter.example"]
    link = re.search(r"http\S+/staff/account/invitation/\S+/", mail.body).group(0)
    assert link in response.content.decode()  # shown once to the administrator too
    assert EnrolmentLink.objects.filter(user=user, used_at=None).count() == 1
    assert _entries(user, Action.CREATE).exists()
    assert _entries(user, Action.SECURITY).filter(reason__contains="enrolment link").exists()


def test_a_bad_invitation_keeps_what_was_typed(admin_client, personas):
    response = admin_client.post(
        f"{USERS}invite/",
        {
            "username": "officer",  # taken
            "email": "someone@example.test",
            "organisation": personas.police.pk,
            "role": Role.YOUTH_LEAD,  # not in a police department
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "is taken" in html
    assert 'value="someone@example.test"' in html
    assert not User.objects.filter(email="someone@example.test").exists()


def test_deactivating_ends_the_users_sessions_at_once(admin_client, personas, login):
    advocate_client = login(Client(), personas.advocate)
    assert advocate_client.get("/staff/").status_code == 200
    version = User.objects.get(pk=personas.advocate.pk).version
    response = admin_client.post(
        f"{USERS}{personas.advocate.pk}/deactivate/",
        {"deactivate-version": version, "deactivate-reason": "left the agency"},
    )
    assert response.status_code == 302
    advocate = User.objects.get(pk=personas.advocate.pk)
    assert not advocate.is_active and advocate.version == version + 1
    response = advocate_client.get("/staff/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    entry = _entries(advocate, Action.PERMISSION_CHANGE).last()
    assert entry.actor_id == personas.administrator.pk and "left the agency" in entry.reason
    # and back
    response = admin_client.post(
        f"{USERS}{advocate.pk}/reactivate/",
        {"reactivate-version": advocate.version, "reactivate-reason": "came back"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=advocate.pk).is_active


def test_an_administrator_cannot_deactivate_themselves(admin_client, personas):
    me = personas.administrator
    response = admin_client.post(
        f"{USERS}{me.pk}/deactivate/",
        {"deactivate-version": me.version, "deactivate-reason": "testing this"},
    )
    assert response.status_code == 400
    assert User.objects.get(pk=me.pk).is_active


def test_a_stale_form_saves_nothing_and_answers_409(admin_client, personas):
    advocate = personas.advocate
    stale = advocate.version
    ok = admin_client.post(
        f"{USERS}{advocate.pk}/edit/",
        {"version": stale, "first_name": "Avery", "last_name": "Lin", "email": advocate.email},
    )
    assert ok.status_code == 302
    response = admin_client.post(
        f"{USERS}{advocate.pk}/edit/",
        {"version": stale, "first_name": "Someone", "last_name": "Else", "email": advocate.email},
    )
    assert response.status_code == 409
    assert 'value="Someone"' in response.content.decode()
    assert User.objects.get(pk=advocate.pk).first_name == "Avery"
    response = admin_client.post(
        f"{USERS}{advocate.pk}/deactivate/",
        {"deactivate-version": stale, "deactivate-reason": "left the agency"},
    )
    assert response.status_code == 409
    assert User.objects.get(pk=advocate.pk).is_active


def test_roles_are_given_and_taken_away(admin_client, personas):
    user = personas.advocate_other
    response = admin_client.post(
        f"{USERS}{user.pk}/roles/",
        {"version": user.version, "organisation": personas.clinic.pk, "role": Role.ANALYST},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=user, role=Role.ANALYST)
    user.refresh_from_db()
    stale = user.version
    response = admin_client.post(
        f"{USERS}{user.pk}/roles/{membership.pk}/revoke/", {"version": user.version}
    )
    assert response.status_code == 302
    assert not Membership.objects.get(pk=membership.pk).is_active
    wrong = admin_client.post(
        f"{USERS}{user.pk}/roles/",
        {"version": stale, "organisation": personas.clinic.pk, "role": Role.ANALYST},
    )
    assert wrong.status_code == 409


def test_a_two_factor_reset_needs_a_reason_and_ends_sessions(
    admin_client, personas, login, mailoutbox, django_capture_on_commit_callbacks
):
    officer = personas.officer
    officer_client = login(Client(), officer)
    missing = admin_client.post(
        f"{USERS}{officer.pk}/two-factor-reset/", {"reset-version": officer.version}
    )
    assert missing.status_code == 400
    assert TOTPAuthenticator.objects.filter(user=officer).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"{USERS}{officer.pk}/two-factor-reset/",
            {"reset-version": officer.version, "reset-reason": "lost phone, called in"},
        )
    assert response.status_code == 302
    assert not TOTPAuthenticator.objects.filter(user=officer).exists()
    assert officer_client.get("/staff/").status_code == 302
    assert _entries(officer, Action.SECURITY).filter(reason__contains="lost phone").exists()
    assert [m.to for m in mailoutbox] == [[officer.email]]


def test_an_administrator_unlocks_a_locked_out_account(
    admin_client, personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    for _ in range(5):
        sign_in("prosecutor", WRONG, source=SOURCE_A)
    assert sign_in("prosecutor", PASSWORD, source=SOURCE_A).status_code == 429
    page = admin_client.get(f"{USERS}{personas.prosecutor.pk}/")
    assert b"5 failed sign-ins recorded" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"{USERS}{personas.prosecutor.pk}/unlock/", {"reason": "called the help desk"}
        )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="prosecutor").exists()
    assert asks_for_code(sign_in("prosecutor", PASSWORD, source=SOURCE_A))
    entry = _entries(personas.prosecutor, Action.SECURITY).last()
    assert "lockout cleared" in entry.reason and entry.actor_id == personas.administrator.pk
    assert any("unlocked" in m.subject for m in mailoutbox)
