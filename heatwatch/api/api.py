"""The REST API (django-ninja): ``/api/`` and its OpenAPI schema at ``/api/openapi.json``.

Each app adds a router here; endpoints stay thin over the apps' services and selectors.
Errors are JSON with a ``detail`` key and a 4xx status, declared with the schemas of
heatwatch/api/errors.py (docs/api.md, "Errors").
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.urls import URLPattern, URLResolver
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError

from heatwatch.accounts.permissions import user_roles
from heatwatch.api.auth import ApiTokenAuth, StaffSessionAuth
from heatwatch.api.errors import errors
from heatwatch.cases.api import router as cases_router
from heatwatch.community.api import router as community_router
from heatwatch.core import views as core_views
from heatwatch.events.api import router as events_router
from heatwatch.insights.api import router as insights_router
from heatwatch.lib.versioning import StaleEdit
from heatwatch.prosecution.api import router as prosecution_router
from heatwatch.screening.api import router as screening_router
from heatwatch.tips.api import router as tips_router

__all__ = ["ApiTokenAuth", "StaffSessionAuth", "api"]

LENGTH_REQUIRED = "Send the body with a Content-Length header."


def _json_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap one of the API's views: refuse a body without a declared length, and answer a
    method the path does not take with a JSON 405 (django-ninja's own is plain text).

    A chunked body (``Transfer-Encoding``, no ``Content-Length``) is refused with 411 before
    anything reads it: Django reads a body only up to its Content-Length, so it would see an
    empty body, and reading to the end of the stream instead would be unbounded.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if "HTTP_TRANSFER_ENCODING" in request.META:
            return JsonResponse({"detail": LENGTH_REQUIRED}, status=411)
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allow = ", ".join(sorted(m.strip() for m in response["Allow"].split(",")))
            response = JsonResponse({"detail": "Method not allowed."}, status=405)
            response["Allow"] = allow
        return response

    return wrapped


class HeatwatchAPI(NinjaAPI):
    """django-ninja's API with every URL's view wrapped by :func:`_json_errors`."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        return [
            URLPattern(p.pattern, _json_errors(p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern)
            else p
            for p in patterns
        ]


api = HeatwatchAPI(
    title="heatwatch API",
    version="1",
    description=(
        "REST API of the heatwatch platform. Staff endpoints need a two-factor-verified "
        "session; partner hotlines authenticate with an API token (`Authorization: Bearer …`). "
        "Every error is JSON with a `detail` key: `Error` for every 4xx but 422, "
        "`ValidationError` for 422."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # django-ninja answers with a plain-text traceback when DEBUG is on; never do that (a
    # traceback can hold a tip's text). Django's handler500 gives the JSON 500.
    raise exc


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return core_views.permission_denied(request, exc)  # audited, JSON


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return JsonResponse({"detail": "Not found."}, status=404)


@api.exception_handler(StaleEdit)
def _stale(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A concurrent edit (lib.versioning): the same answer from every endpoint.
    return JsonResponse({"detail": str(exc)}, status=StaleEdit.http_status)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Only where and what: pydantic's "input" and "ctx" would echo the submitted text back.
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type"))}
        for e in exc.errors
    ]
    return JsonResponse({"detail": errors}, status=422)


class IndexOut(Schema):
    name: str
    version: str
    openapi: str


class MeOut(Schema):
    username: str
    roles: list[str]


@api.get("/", response={200: IndexOut}, auth=None, summary="API index")
def index(request: HttpRequest) -> dict[str, str]:
    """Where the schema lives; no data."""
    return {"name": "heatwatch", "version": "1", "openapi": "/api/openapi.json"}


@csrf_exempt  # it changes nothing; without this a POST would get the HTML CSRF page
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under /api/, with any method: a JSON 404 (no redirect to a slashed
    URL)."""
    return JsonResponse({"detail": "Not found."}, status=404)


@api.get(
    "/me",
    response={200: MeOut, **errors(401)},
    auth=StaffSessionAuth(),
    summary="The signed-in user",
)
def me(request: HttpRequest) -> dict[str, Any]:
    """The calling user's username and roles."""
    user = request.auth  # type: ignore[attr-defined]
    return {"username": user.username, "roles": sorted(user_roles(user))}


api.add_router("/tips", tips_router)
api.add_router("/cases", cases_router)
api.add_router("/events", events_router)
api.add_router("/screening", screening_router)
api.add_router("/prosecution", prosecution_router)
api.add_router("/community", community_router)
api.add_router("/insights", insights_router)
