"""Enrolment needs an administrator's link; changing 2FA needs password and code, is audited
and e-mailed; an administrator's reset needs a reason."""

from __future__ import annotations

from base64 import b32decode
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken

from heatwatch.accounts import services
from heatwatch.accounts.models import EnrolmentLink, TOTPAuthenticator
from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.conftest import PASSWORD, login_verified, make_user, totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/staff/account/login/"
SETUP = "/staff/account/two_factor/setup/"
QR = "/staff/account/two_factor/qrcode/"
DISABLE = "/staff/account/two_factor/disable/"
BACKUP = "/staff/account/two_factor/backup/tokens/"
NEEDED = "/staff/account/two_factor/enrolment-needed/"


def password_step(client: Client, username: str, next_url: str = "") -> None:
    address = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    response = client.post(
        address,
        {
            "auth-username": username,
            "auth-password": PASSWORD,
            "login_view-current_step": "auth",
        },
    )
    assert response.status_code == 302


def run_setup_wizard(client: Client):
    """Walk the setup wizard as a person with an authenticator app; return the last response."""
    response = client.get(SETUP)
    if response.status_code != 200:
        return response
    response = client.post(SETUP, {"setup_view-current_step": "welcome"})
    if response.status_code != 200:
        return response
    seed = b32decode(client.session["django_two_factor-qr_secret_key"])
    code = f"{TOTP(seed).token():06d}"
    return client.post(SETUP, {"setup_view-current_step": "generator", "generator-token": code})


def audited(user, reason: str, outcome: str = Outcome.SUCCESS) -> bool:
    return AuditEntry.objects.filter(
        action=Action.SECURITY, object_id=str(user.pk), reason__startswith=reason, outcome=outcome
    ).exists()


# --- the first enrolment ----------------------------------------------------------------------


def test_password_alone_cannot_reach_the_setup(client, personas, clock):
    newcomer = make_user("newcomer", device=False)
    password_step(client, "newcomer")
    for address in ("/staff/", SETUP, QR, "/cms/"):
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"] == NEEDED
    page = client.get(NEEDED)
    assert page.status_code == 200
    assert b"Ask an administrator" in page.content
    # Posting the wizard directly does not create a device either.
    response = run_setup_wizard(client)
    assert response["Location"] == NEEDED
    assert not TOTPAuthenticator.objects.filter(user=newcomer).exists()


def test_an_enrolment_link_allows_setup_once(
    personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    newcomer = make_user("newcomer", device=False)
    with django_capture_on_commit_callbacks(execute=True):
        _link, url = services.enrolment_link_issue(user=newcomer, by=personas.administrator)
    assert audited(newcomer, "two-factor enrolment link issued")
    assert mailoutbox[-1].to == ["newcomer@example.test"]
    assert url in mailoutbox[-1].body
    path = urlsplit(url).path
    # Only a keyed hash of the token is stored.
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert not EnrolmentLink.objects.filter(token_hash__contains=token).exists()

    client = Client()
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    password_step(client, "newcomer", next_url=path)
    response = client.get(path)
    assert response["Location"] == SETUP
    with django_capture_on_commit_callbacks(execute=True):
        response = run_setup_wizard(client)
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    device = TOTPAuthenticator.objects.get(user=newcomer, name="default")
    assert device.confirmed
    assert audited(newcomer, "two-factor authenticator enrolled with an enrolment link")
    assert "authenticator was set up" in mailoutbox[-1].subject

    # The link is used up: another browser with the password gets nowhere with it.
    services.two_factor_reset(user=newcomer, by=personas.administrator, reason="lost phone")
    again = Client()
    password_step(again, "newcomer", next_url=path)
    response = again.get(path)
    assert response.status_code == 404
    assert again.get(SETUP)["Location"] == NEEDED


def test_an_enrolment_link_expires(client, personas, clock, settings):
    make_user("newcomer", device=False)
    _link, url = services.enrolment_link_issue(
        user=personas.no_role.__class__.objects.get(username="newcomer"),
        by=personas.administrator,
    )
    clock.shift(timedelta(hours=settings.HEATWATCH_ENROLMENT_LINK_HOURS, seconds=1))
    password_step(client, "newcomer", next_url=urlsplit(url).path)
    assert client.get(urlsplit(url).path).status_code == 404
    assert client.get(SETUP)["Location"] == NEEDED


def test_a_link_for_another_account_does_not_work(client, personas, clock):
    make_user("newcomer", device=False)
    other = make_user("other", device=False)
    _link, url = services.enrolment_link_issue(user=other, by=personas.administrator)
    password_step(client, "newcomer", next_url=urlsplit(url).path)
    assert client.get(urlsplit(url).path).status_code == 404
    assert client.get(SETUP)["Location"] == NEEDED


def test_a_new_link_replaces_the_old_one(client, personas, clock):
    newcomer = make_user("newcomer", device=False)
    _old, old_url = services.enrolment_link_issue(user=newcomer, by=personas.administrator)
    services.enrolment_link_issue(user=newcomer, by=personas.administrator)
    password_step(client, "newcomer", next_url=urlsplit(old_url).path)
    assert client.get(urlsplit(old_url).path).status_code == 404


def test_enrol_link_command_prints_a_working_link(personas, clock):
    newcomer = make_user("newcomer", device=False)
    out = StringIO()
    call_command("accounts", "enrol-link", "newcomer", stdout=out, stderr=StringIO())
    path = urlsplit(out.getvalue().strip()).path
    client = Client()
    password_step(client, "newcomer", next_url=path)
    assert client.get(path)["Location"] == SETUP
    assert run_setup_wizard(client).status_code == 302
    assert TOTPAuthenticator.objects.filter(user=newcomer).exists()
    with pytest.raises(CommandError, match="No account"):
        call_command("accounts", "enrol-link", "nobody")


# --- changing and removing two-factor ---------------------------------------------------------


def test_disabling_needs_password_and_code_and_is_audited_and_mailed(
    client, personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    user = personas.advocate
    login_verified(client, user)
    assert client.get(DISABLE).status_code == 200
    # The checkbox alone (two-factor-auth's own form) is not enough.
    response = client.post(DISABLE, {"understand": "on"})
    assert response.status_code == 200
    assert TOTPAuthenticator.objects.filter(user=user).exists()
    # Nor the password with a wrong code.
    good = totp_code(user)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post(DISABLE, {"understand": "on", "password": PASSWORD, "otp_token": wrong})
    assert response.status_code == 200
    assert TOTPAuthenticator.objects.filter(user=user).exists()
    assert audited(user, "re-authentication failed", Outcome.FAILURE)
    # Nor a right code with a wrong password.
    response = client.post(
        DISABLE, {"understand": "on", "password": "not my password at all", "otp_token": good}
    )
    assert TOTPAuthenticator.objects.filter(user=user).exists()

    clock.shift(timedelta(seconds=31))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            DISABLE, {"understand": "on", "password": PASSWORD, "otp_token": totp_code(user)}
        )
    assert response.status_code == 302 and response["Location"] == SETUP
    assert not TOTPAuthenticator.objects.filter(user=user).exists()
    assert audited(user, "two-factor disabled")
    assert mailoutbox[-1].to == [user.email]
    assert "turned off" in mailoutbox[-1].subject
    # Having just re-authenticated, the person may set up a new authenticator at once.
    assert run_setup_wizard(client).status_code == 302
    assert TOTPAuthenticator.objects.filter(user=user, name="default").exists()
    assert audited(user, "two-factor authenticator enrolled")


def test_setup_is_refused_while_a_device_exists(client, personas, clock):
    login_verified(client, personas.advocate)
    before = list(TOTPAuthenticator.objects.filter(user=personas.advocate).values_list("pk"))
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"] != SETUP
    run_setup_wizard(client)
    after = list(TOTPAuthenticator.objects.filter(user=personas.advocate).values_list("pk"))
    assert before == after


def test_backup_codes_need_reauthentication_and_are_stored_hashed(
    personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    user = personas.coordinator
    client = login_verified(Client(), user)
    response = client.post(BACKUP, {})
    assert response.status_code == 200
    assert not StaticToken.objects.filter(device__user=user).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BACKUP, {"password": PASSWORD, "otp_token": totp_code(user)})
    codes = response.context["codes"]
    assert len(codes) == services.BACKUP_CODE_COUNT
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == len(codes) and not stored & set(codes)
    assert audited(user, "backup codes generated")
    assert "backup codes" in mailoutbox[-1].subject

    # A backup code signs in (once) at the login's backup step.
    browser = Client()
    password_step_response = browser.post(
        LOGIN,
        {
            "auth-username": user.username,
            "auth-password": PASSWORD,
            "login_view-current_step": "auth",
        },
    )
    assert b"token-otp_token" in password_step_response.content
    browser.post(LOGIN, {"wizard_goto_step": "backup", "login_view-current_step": "token"})
    response = browser.post(
        LOGIN, {"backup-otp_token": codes[0], "login_view-current_step": "backup"}
    )
    assert response.status_code == 302
    assert browser.get("/staff/").status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == len(codes) - 1


# --- an administrator's reset -----------------------------------------------------------------


def test_reset_needs_a_reason(personas):
    with pytest.raises(services.AccountError):
        services.two_factor_reset(user=personas.advocate, by=personas.administrator, reason=" ")
    assert TOTPAuthenticator.objects.filter(user=personas.advocate).exists()


def test_admin_resets_two_factor_with_a_reason(
    personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    target = personas.advocate
    victim_session = login_verified(Client(), target)
    admin = login_verified(Client(), personas.administrator)
    changelist = "/staff/admin/accounts/user/"
    chosen = {"action": "reset_two_factor", "_selected_action": [str(target.pk)]}
    # Without a reason: the page asks for one and nothing changes.
    response = admin.post(changelist, chosen)
    assert response.status_code == 200
    assert b"Why is two-factor authentication being reset?" in response.content
    response = admin.post(changelist, {**chosen, "apply": "1", "reason": ""})
    assert response.status_code == 200
    assert TOTPAuthenticator.objects.filter(user=target).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(changelist, {**chosen, "apply": "1", "reason": "phone stolen"})
    assert response.status_code == 302
    assert not TOTPAuthenticator.objects.filter(user=target).exists()
    entry = AuditEntry.objects.filter(action=Action.SECURITY, object_id=str(target.pk)).latest(
        "seq"
    )
    assert entry.reason == "two-factor reset: phone stolen"
    assert entry.actor_id == personas.administrator.pk
    assert "reset" in mailoutbox[-1].subject and mailoutbox[-1].to == [target.email]
    assert victim_session.get("/staff/").status_code == 302  # their sessions ended


def test_admin_issues_an_enrolment_link(
    personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    newcomer = make_user("newcomer", device=False)
    admin = login_verified(Client(), personas.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/staff/admin/accounts/user/",
            {"action": "issue_enrolment_links", "_selected_action": [str(newcomer.pk)]},
            follow=True,
        )
    assert b"/staff/account/enrol/" in response.content
    assert mailoutbox[-1].to == ["newcomer@example.test"]
    assert EnrolmentLink.objects.filter(user=newcomer, used_at=None).count() == 1
    assert audited(newcomer, "two-factor enrolment link issued")


def test_demo_accounts_all_have_an_authenticator(clock):
    from heatwatch.accounts.models import User

    call_command("seed", "--demo", stdout=StringIO())
    users = User.objects.all()
    assert users.count() == 49  # 8 personas, 7 partner logins, the teacher, 33 generated
    without = [u.username for u in users if not TOTPAuthenticator.objects.filter(user=u).exists()]
    assert without == []
    generated = users.exclude(username__in=["coordinator", "admin"]).order_by("pk").first()
    out = StringIO()
    call_command("demo_code", generated.username, stdout=out)
    assert out.getvalue().strip() == totp_code(generated)


def test_reset_command_needs_a_reason_and_resets(personas, clock):
    with pytest.raises(CommandError):
        call_command("accounts", "reset-2fa", "advocate", "--reason", " ", stdout=StringIO())
    assert TOTPAuthenticator.objects.filter(user=personas.advocate).exists()
    call_command("accounts", "reset-2fa", "advocate", "--reason", "left phone", stdout=StringIO())
    assert not TOTPAuthenticator.objects.filter(user=personas.advocate).exists()
    assert audited(personas.advocate, "two-factor reset: left phone")
