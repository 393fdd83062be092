"""Public pages cached per address (and so per language: /es/ is part of it), purged on publish.

Only responses that a view marked cacheable (``mark_cacheable``: Wagtail pages, the feeds, the
posters) are kept, and only for visitors without a session cookie, with no cookie set and no
``no-store``/``private`` in the answer; the tip form and its follow-up never call
``mark_cacheable`` and sit under HEATWATCH_NO_STORE_PREFIXES, which this middleware refuses
too. Publishing, unpublishing, moving or deleting a page, saving the program settings, a
document or an image clears the cache (``purge``), so a change shows at once.

The middleware sits right after the CSP middleware, so a hit skips sessions, CSRF,
authentication and rendering, while the outer middleware still add the security headers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

CACHE_ALIAS = "pages"
_MARK = "_heatwatch_cacheable"
# Headers a cached answer keeps; the outer middleware add the security headers again.
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "Vary")


def mark_cacheable(request: HttpRequest) -> None:
    """Let this request's response be kept for later anonymous visitors."""
    setattr(request, _MARK, True)


def purge(*_args: Any, **_kwargs: Any) -> None:
    """Forget every cached page (all languages)."""
    caches[CACHE_ALIAS].clear()


def _key(request: HttpRequest) -> str | None:
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    digest = hashlib.sha256(f"{host}\n{request.get_full_path()}".encode()).hexdigest()
    return f"hw-page:{digest}"


class PublicPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.never: tuple[str, ...] = tuple(settings.HEATWATCH_NO_STORE_PREFIXES)

    def _eligible(self, request: HttpRequest) -> bool:
        return (
            request.method in {"GET", "HEAD"}
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(self.never)
            and len(request.get_full_path()) <= 1000
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._eligible(request):
            return self.get_response(request)
        key = _key(request)
        if key is None:
            return self.get_response(request)
        store = caches[CACHE_ALIAS]
        hit = store.get(key)
        if hit is not None:
            status, headers, content = hit
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Heatwatch-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self._storable(request, response):
            headers = [(n, response[n]) for n in _KEPT_HEADERS if response.has_header(n)]
            store.set(key, (response.status_code, headers, response.content))
            response["X-Heatwatch-Cache"] = "miss"
        return response

    def _storable(self, request: HttpRequest, response: HttpResponse) -> bool:
        if not getattr(request, _MARK, False) or response.status_code != 200:
            return False
        if response.streaming or response.cookies or getattr(response, "no_store", False):
            return False
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False  # the page holds a CSRF token
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        control = response.get("Cache-Control", "")
        return "no-store" not in control and "private" not in control
