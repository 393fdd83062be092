"""The REST API (django-ninja): ``/api/`` and its OpenAPI schema at ``/api/openapi.json``.

Each app adds a router here; endpoints stay thin over the apps' services and selectors.
Errors are JSON with a ``detail`` key and a 4xx status.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.security import SessionAuth

from heatwatch.accounts.permissions import is_verified, user_roles


class StaffSessionAuth(SessionAuth):
    """A signed-in, two-factor-verified, active staff session (with CSRF on writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user and user.is_active and is_verified(user):
            return user
        return None


api = NinjaAPI(
    title="heatwatch API",
    version="1",
    description="REST API of the heatwatch platform. Staff endpoints need a verified session.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


class IndexOut(Schema):
    name: str
    version: str
    openapi: str


class MeOut(Schema):
    username: str
    roles: list[str]


@api.get("/", response=IndexOut, auth=None, summary="API index")
def index(request: HttpRequest) -> dict[str, str]:
    """Where the schema lives; no data."""
    return {"name": "heatwatch", "version": "1", "openapi": "/api/openapi.json"}


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under /api/: a JSON 404 (no redirect to a slashed URL)."""
    return JsonResponse({"detail": "Not found."}, status=404)


@api.get("/me", response=MeOut, auth=StaffSessionAuth(), summary="The signed-in user")
def me(request: HttpRequest) -> dict[str, Any]:
    """The calling user's username and roles."""
    user = request.auth  # type: ignore[attr-defined]
    return {"username": user.username, "roles": sorted(user_roles(user))}
