"""Writes for API tokens: create, revoke, and authenticate a request's bearer token.

Creating and revoking are audited in the same transaction as the change. The plaintext token
exists only in the return value of ``api_token_create``: it is shown once and never stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from heatwatch.accounts.models import Organisation, User
from heatwatch.api.models import ApiToken, Scope
from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log

TOKEN_MARKER = "hw_"  # noqa: S105 - not a secret: lets scanners recognise a leaked token
TOKEN_BYTES = 32
PREFIX_LENGTH = 8
MAX_TOKEN_LENGTH = 200
# last_used_at is written at most once per this interval, so a busy hotline does not turn
# every request into an extra UPDATE of the same row.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenError(ValueError):
    """A token request that breaks a rule; the message is safe to show."""


class ApiTokenInvalid(ApiTokenError):
    """Unknown, malformed or revoked token, or its organisation is inactive (one error)."""


class ApiTokenScopeDenied(ApiTokenError):
    """A valid token without the scope the endpoint needs."""


def token_hash(plaintext: str) -> str:
    """The stored form of a token: hex SHA-256."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    organisation: Organisation,
    name: str,
    scopes: Sequence[str],
    by: User | None,
) -> tuple[ApiToken, str]:
    """Create a token for ``organisation``; return it with its plaintext (shown once)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ApiTokenError("Give the token a name of 1 to 100 characters.")
    wanted = sorted(set(scopes))
    if not wanted:
        raise ApiTokenError("Give the token at least one scope.")
    unknown = set(wanted) - set(Scope.values)
    if unknown:
        raise ApiTokenError(f"Unknown scope: {', '.join(sorted(unknown))}")
    if not organisation.is_active:
        raise ApiTokenError("The organisation is inactive.")
    for _attempt in range(20):
        plaintext = TOKEN_MARKER + secrets.token_urlsafe(TOKEN_BYTES)
        prefix = plaintext[:PREFIX_LENGTH]
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    else:  # pragma: no cover - 30 random bits colliding twenty times
        raise ApiTokenError("Could not allocate a token prefix.")
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name,
        prefix=prefix,
        token_hash=token_hash(plaintext),
        scopes=wanted,
        created_by=by,
    )
    audit_log(
        action=Action.SECURITY,
        actor=by,
        obj=token,
        organisation=organisation,
        reason=f"API token {prefix} created with scopes {', '.join(wanted)}",
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User | None) -> ApiToken:
    """Revoke a token at once; requests with it get 401 from now on."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        raise ApiTokenError(f"Token {locked.prefix} is already revoked.")
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(
        action=Action.SECURITY,
        actor=by,
        obj=locked,
        organisation=locked.organisation,
        reason=f"API token {locked.prefix} revoked",
    )
    return locked


def api_token_authenticate(*, plaintext: str, scope: str, now: datetime | None = None) -> ApiToken:
    """The active token for ``plaintext`` holding ``scope``; records when it was last used.

    Raises ApiTokenInvalid (unknown, revoked, inactive organisation) or ApiTokenScopeDenied.
    Use of a revoked token and a missing scope are audited; unknown tokens are not (anyone can
    send those, and the audit log must not be a way to flood the database).
    """
    if not plaintext or len(plaintext) > MAX_TOKEN_LENGTH:
        raise ApiTokenInvalid("invalid token")
    token = (
        ApiToken.objects.select_related("organisation")
        .filter(token_hash=token_hash(plaintext))
        .first()
    )
    if token is None:
        raise ApiTokenInvalid("invalid token")
    if token.revoked_at is not None or not token.organisation.is_active:
        audit_log(
            action=Action.ACCESS_DENIED,
            obj=token,
            outcome=Outcome.DENIED,
            organisation=token.organisation,
            reason=f"API token {token.prefix} used while revoked or its organisation inactive",
        )
        raise ApiTokenInvalid("invalid token")
    if scope not in token.scopes:
        audit_log(
            action=Action.ACCESS_DENIED,
            obj=token,
            outcome=Outcome.DENIED,
            organisation=token.organisation,
            reason=f"API token {token.prefix} lacks scope {scope}",
        )
        raise ApiTokenScopeDenied(f"This token does not have the {scope} scope.")
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
