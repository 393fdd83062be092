"""Reads for API tokens (administrators' listing; never the hash or the plaintext)."""

from __future__ import annotations

from django.db.models import QuerySet

from heatwatch.accounts.models import Organisation
from heatwatch.api.models import ApiToken


def api_tokens(
    *, organisation: Organisation | None = None, include_revoked: bool = False
) -> QuerySet[ApiToken]:
    """Tokens, newest first, optionally of one organisation."""
    qs = ApiToken.objects.select_related("organisation", "created_by")
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return qs.order_by("-created_at", "pk")


def api_token_by_prefix(*, prefix: str) -> ApiToken | None:
    """The token whose first characters are ``prefix`` (exact, as listed to administrators)."""
    return ApiToken.objects.select_related("organisation").filter(prefix=prefix).first()
