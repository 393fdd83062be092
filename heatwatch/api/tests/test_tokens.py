"""API tokens: created with a plaintext shown once, stored hashed, revoked, audited."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection

from heatwatch.accounts.services import organisation_update
from heatwatch.api import services
from heatwatch.api.models import ApiToken, Scope
from heatwatch.audit.models import Action, AuditEntry, Outcome

pytestmark = pytest.mark.django_db


def everything_in_the_database() -> str:
    """Every value of every table, as text (what someone with a copy of the database sees)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from the DB
            for row in cursor.fetchall():
                chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


@pytest.fixture
def hotline(personas):
    return personas.community


def deactivate(organisation):
    organisation_update(
        organisation=organisation,
        name=organisation.name,
        type=organisation.type,
        is_active=False,
        by=None,
    )


def create(hotline, by=None, **kw):
    kw.setdefault("name", "Partner hotline")
    kw.setdefault("scopes", [Scope.TIPS_SUBMIT])
    return services.api_token_create(organisation=hotline, by=by, **kw)


def test_token_is_long_random_and_shown_once(hotline):
    token, plaintext = create(hotline)
    other, other_plaintext = create(hotline, name="Second line")
    assert plaintext.startswith("hw_") and len(plaintext) >= 43
    assert plaintext != other_plaintext
    assert token.prefix == plaintext[:8]
    assert token.scopes == ["tips:submit"]


def test_token_is_stored_only_as_its_sha256(hotline, personas):
    token, plaintext = create(hotline, by=personas.administrator)
    token.refresh_from_db()
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    dump = everything_in_the_database()
    assert plaintext not in dump
    assert plaintext[8:] not in dump  # not even the part after the visible prefix


def test_creation_is_audited_without_the_token(hotline, personas):
    token, plaintext = create(hotline, by=personas.administrator)
    entry = AuditEntry.objects.get(object_type="api.apitoken", object_id=str(token.pk))
    assert entry.action == Action.SECURITY
    assert entry.actor_id == personas.administrator.pk
    assert entry.organisation_id == hotline.pk
    assert token.prefix in entry.reason and plaintext not in entry.reason


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"scopes": []}, "at least one scope"),
        ({"scopes": ["tips:submit", "cases:read"]}, "Unknown scope: cases:read"),
    ],
)
def test_create_refuses_bad_input(hotline, kw, message):
    with pytest.raises(services.ApiTokenError, match=message):
        create(hotline, **kw)
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(object_type="api.apitoken").exists()


def test_create_refuses_an_inactive_organisation(hotline):
    deactivate(hotline)
    with pytest.raises(services.ApiTokenError, match="inactive"):
        create(hotline)
    assert not ApiToken.objects.exists()


def test_authenticate_finds_the_token_and_records_use(hotline):
    token, plaintext = create(hotline)
    found = services.api_token_authenticate(plaintext=plaintext, scope=Scope.TIPS_SUBMIT)
    assert found.pk == token.pk
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_used_is_written_at_most_once_a_minute(hotline, clock):
    token, plaintext = create(hotline)
    services.api_token_authenticate(plaintext=plaintext, scope=Scope.TIPS_SUBMIT)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    clock.shift(timedelta(seconds=30))
    services.api_token_authenticate(plaintext=plaintext, scope=Scope.TIPS_SUBMIT)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    clock.shift(timedelta(seconds=31))
    services.api_token_authenticate(plaintext=plaintext, scope=Scope.TIPS_SUBMIT)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


@pytest.mark.parametrize("plaintext", ["", "hw_nope", "x" * 500])
def test_unknown_token_is_invalid_and_not_audited(hotline, plaintext):
    create(hotline)
    before = AuditEntry.objects.count()
    with pytest.raises(services.ApiTokenInvalid):
        services.api_token_authenticate(plaintext=plaintext, scope=Scope.TIPS_SUBMIT)
    assert AuditEntry.objects.count() == before


def test_a_prefix_alone_is_not_a_token(hotline):
    token, _ = create(hotline)
    with pytest.raises(services.ApiTokenInvalid):
        services.api_token_authenticate(plaintext=token.prefix, scope=Scope.TIPS_SUBMIT)


def test_revoked_token_is_refused_and_the_attempt_audited(hotline, personas):
    token, plaintext = create(hotline)
    services.api_token_revoke(token=token, by=personas.administrator)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == personas.administrator
    revocation = AuditEntry.objects.filter(object_type="api.apitoken").last()
    assert revocation.reason == f"API token {token.prefix} revoked"
    with pytest.raises(services.ApiTokenInvalid):
        services.api_token_authenticate(plaintext=plaintext, scope=Scope.TIPS_SUBMIT)
    denied = AuditEntry.objects.last()
    assert (denied.action, denied.outcome) == (Action.ACCESS_DENIED, Outcome.DENIED)
    assert denied.object_id == str(token.pk)


def test_revoking_twice_is_an_error(hotline):
    token, _ = create(hotline)
    services.api_token_revoke(token=token, by=None)
    with pytest.raises(services.ApiTokenError, match="already revoked"):
        services.api_token_revoke(token=token, by=None)


def test_token_of_an_inactive_organisation_is_refused(hotline):
    _, plaintext = create(hotline)
    deactivate(hotline)
    with pytest.raises(services.ApiTokenInvalid):
        services.api_token_authenticate(plaintext=plaintext, scope=Scope.TIPS_SUBMIT)


def test_token_without_the_scope_is_denied_and_audited(hotline):
    token, plaintext = create(hotline)
    ApiToken.objects.filter(pk=token.pk).update(scopes=[])
    with pytest.raises(services.ApiTokenScopeDenied):
        services.api_token_authenticate(plaintext=plaintext, scope=Scope.TIPS_SUBMIT)
    denied = AuditEntry.objects.last()
    assert denied.action == Action.ACCESS_DENIED and "lacks scope tips:submit" in denied.reason
