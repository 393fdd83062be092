"""``heatwatch api-token create|revoke|list``."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from heatwatch.api.models import ApiToken
from heatwatch.audit.models import AuditEntry
from heatwatch.cli import main

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_only_the_token_on_stdout(personas):
    out, err = run("create", "--organisation", personas.community.slug, "--name", "Hotline")
    plaintext = out.strip()
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.organisation == personas.community and token.scopes == ["tips:submit"]
    assert token.created_by is None
    assert "shown only now" in err and plaintext not in err


def test_create_records_the_administrator(personas):
    run(
        "create",
        "--organisation",
        personas.community.slug,
        "--name",
        "Hotline",
        "--scope",
        "tips:submit",
        "--by",
        "administrator",
    )
    token = ApiToken.objects.get()
    assert token.created_by == personas.administrator
    entry = AuditEntry.objects.get(object_type="api.apitoken")
    assert entry.actor_id == personas.administrator.pk


def test_create_refuses_an_unknown_organisation_or_scope(personas):
    with pytest.raises(CommandError, match="No organisation"):
        run("create", "--organisation", "nope", "--name", "Hotline")
    with pytest.raises(CommandError):
        run(
            "create",
            "--organisation",
            personas.community.slug,
            "--name",
            "Hotline",
            "--scope",
            "cases:read",
        )
    assert not ApiToken.objects.exists()


def test_list_shows_prefixes_never_tokens_and_revoke_by_prefix(personas):
    out, _ = run("create", "--organisation", personas.community.slug, "--name", "Hotline")
    plaintext = out.strip()
    token = ApiToken.objects.get()
    listing, _ = run("list")
    assert token.prefix in listing and "Hotline" in listing and "never" in listing
    assert plaintext not in listing and token.token_hash not in listing

    revoked, _ = run("revoke", token.prefix)
    assert "Revoked" in revoked
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "No tokens." in run("list")[0]
    assert token.prefix in run("list", "--all")[0]
    with pytest.raises(CommandError, match="already revoked"):
        run("revoke", token.prefix)
    with pytest.raises(CommandError, match="No token"):
        run("revoke", "hw_zzzzz")


def test_the_cli_accepts_the_dashed_name(personas, capsys):
    main(["heatwatch", "api-token", "list"])
    assert "No tokens." in capsys.readouterr().out
