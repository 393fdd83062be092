"""The web security baseline of every response (issue #2, item 6)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from heatwatch.conftest import login_verified

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def test_csp_allows_only_our_own_origin_and_no_framing(client):
    response = client.get("/healthz")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "http" not in csp  # no third-party origin


def test_hardening_headers(client):
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/staff/account/login/", "/api/", "/staff/"])
def test_staff_and_api_responses_are_never_cached(client, path):
    response = client.get(path)
    assert "no-store" in response["Cache-Control"]


def test_every_page_seen_by_a_signed_in_user_is_no_store(client, personas):
    login_verified(client, personas.coordinator)
    response = client.get("/")
    assert "no-store" in response["Cache-Control"]


def test_forms_need_csrf(personas):
    from django.test import Client

    client = login_verified(Client(enforce_csrf_checks=True), personas.coordinator)
    response = client.post("/staff/logout-everywhere/")
    assert response.status_code == 403
    personas.coordinator.refresh_from_db()
    assert client.get("/staff/").status_code == 200  # nothing happened


def test_error_page_never_shows_a_stack_trace(client, settings):
    from django.test import Client

    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/cms/failwhale/")
    # Anonymous users are sent to the login page before any view runs.
    assert response.status_code == 302


def test_server_error_page_is_generic(personas):
    from django.test import Client

    client = login_verified(Client(raise_request_exception=False), personas.coordinator)
    response = client.get("/cms/failwhale/")  # Wagtail's deliberate error view
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body and "emergency broadcast" not in body
    assert "911" in body


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HEATWATCH_", "DJANGO_"))}
    clean.pop("SECRET_KEY", None)
    clean.pop("DATABASE_URL", None)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "heatwatch.cli", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_ENV = {
    "HEATWATCH_ENV": "production",
    "SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-0123456789",
    "HEATWATCH_FIELD_KEYS": "k1:" + "A" * 43 + "=",
    "HEATWATCH_INDEX_KEY": "index-key-for-the-deploy-check-0123456789",
    "HEATWATCH_AUDIT_KEY": "audit-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "heatwatch.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def test_production_settings_pass_the_deploy_check():
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_keys():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "HEATWATCH_FIELD_KEYS"}
    result = _run(["check"], env)
    assert result.returncode != 0
    assert "HEATWATCH_FIELD_KEYS" in result.stderr
    assert "Missing secrets in production" in result.stderr


def test_production_refuses_debug():
    result = _run(["check"], {**PRODUCTION_ENV, "DEBUG": "true"})
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_null_origin_from_our_own_pages_is_accepted_with_a_token(personas):
    from django.test import Client

    client = login_verified(Client(enforce_csrf_checks=True), personas.coordinator)
    client.get("/staff/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/staff/logout/",
        {"csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == 302


@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site", None])
def test_null_origin_from_elsewhere_is_refused(personas, fetch_site):
    from django.test import Client

    client = login_verified(Client(enforce_csrf_checks=True), personas.coordinator)
    client.get("/staff/")
    token = client.cookies["csrftoken"].value
    headers = {"HTTP_ORIGIN": "null"}
    if fetch_site:
        headers["HTTP_SEC_FETCH_SITE"] = fetch_site
    response = client.post("/staff/logout/", {"csrfmiddlewaretoken": token}, **headers)
    assert response.status_code == 403


def test_malformed_field_keys_stop_start_up_with_a_clear_message():
    result = _run(["check"], {**PRODUCTION_ENV, "HEATWATCH_FIELD_KEYS": "k1:not-base64!"})
    assert result.returncode != 0
    assert "HEATWATCH_FIELD_KEYS" in result.stderr
    assert "not-base64" not in result.stderr  # key material is never echoed
