"""Site-wide views that belong to no domain: health check and error pages."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Load-balancer health check: is the database reachable? Returns no data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "unhealthy"
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: JSON for the API, a friendly page elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: every denied access by a signed-in user is audited (DESIGN.md §5)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        audit_log(
            action=Action.ACCESS_DENIED,
            actor=user,
            object_type="url",
            object_id=request.path[:200],
            outcome=Outcome.DENIED,
        )
    if _is_api(request):
        return JsonResponse({"detail": "Permission denied."}, status=403)
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: JSON for the API, a friendly page elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: never a stack trace; the template needs no context."""
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)
