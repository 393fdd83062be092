"""Authentication for the API: staff sessions and partner hotlines' bearer tokens.

Staff use the same two-factor-verified session as the staff area (with CSRF on writes).
Partner systems send ``Authorization: Bearer <token>``; see docs/api.md.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer, SessionAuth

from heatwatch.accounts.permissions import is_verified
from heatwatch.api import services
from heatwatch.api.models import ApiToken


class StaffSessionAuth(SessionAuth):
    """A signed-in, two-factor-verified, active staff session (with CSRF on writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user and user.is_active and is_verified(user):
            return user
        return None


class ApiTokenAuth(HttpBearer):
    """A partner's API token holding ``scope``: 401 when missing, unknown or revoked; 403 when
    the token lacks the scope. ``request.auth`` is the ApiToken."""

    def __init__(self, *, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        try:
            return services.api_token_authenticate(plaintext=token.strip(), scope=self.scope)
        except services.ApiTokenScopeDenied as exc:
            raise AuthorizationError(message=str(exc)) from None
        except services.ApiTokenInvalid:
            return None
