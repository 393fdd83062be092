"""How django-axes finds the account an attempt is for (lockout is per account)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def attempted_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The username from ``authenticate()`` credentials, or from the two-factor login form."""
    if credentials and credentials.get("username"):
        return str(credentials["username"]).strip().lower()
    if request is not None:
        return str(request.POST.get("auth-username", "")).strip().lower()
    return ""
