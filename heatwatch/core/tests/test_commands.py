"""The `heatwatch` command line: seed, demo data, demo codes."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from heatwatch.accounts.models import Membership, Organisation, TOTPAuthenticator, User
from heatwatch.accounts.seed import DEMO_PASSWORD, PERSONAS
from heatwatch.conftest import totp_code

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def test_seed_creates_synthetic_organisations_and_staff():
    out = StringIO()
    call_command("seed", "--scale", "2", stdout=out)
    assert Organisation.objects.count() == 11
    assert User.objects.count() == 11 * 6
    assert Membership.objects.filter(is_active=True).count() == 11 * 6
    assert "generated staff accounts: 66" in out.getvalue()
    # Running it again adds nothing.
    call_command("seed", "--scale", "2", stdout=StringIO())
    assert User.objects.count() == 11 * 6
    assert all(u.email.endswith("@bayview.example") for u in User.objects.all())


def test_seed_rejects_a_bad_scale():
    with pytest.raises(CommandError, match="--scale"):
        call_command("seed", "--scale", "0")


def test_demo_logins_have_password_and_authenticator(clock):
    call_command("seed", "--demo", stdout=StringIO())
    for username, *_ in PERSONAS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert TOTPAuthenticator.objects.filter(user=user, confirmed=True).exists()
    out = StringIO()
    call_command("demo_code", "coordinator", stdout=out)
    assert out.getvalue().strip() == totp_code(User.objects.get(username="coordinator"))


def test_demo_code_for_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match="No demo authenticator"):
        call_command("demo_code", "nobody")


def test_demo_prepares_everything_without_serving(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    assert DEMO_PASSWORD in text
    assert "demo-code coordinator" in text
    assert User.objects.filter(username="coordinator").exists()


def test_cli_runs_django_and_project_commands():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "heatwatch.cli", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for command in (
        "migrate",
        "runserver",
        "db_worker",
        "demo",
        "serve",
        "worker",
        "seed",
        "audit",
        "keys",
        "demo_code",
    ):
        assert command in result.stdout
