"""Site-wide response hardening."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on staff, CMS, API and tip pages and for any signed-in user.

    Anything a signed-in user sees may be a person's record; shared or browser caches must
    never keep it. Views can also opt in with ``response.no_store = True``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes: tuple[str, ...] = tuple(settings.HEATWATCH_NO_STORE_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.path.startswith(self.prefixes)
            or getattr(response, "no_store", False)
            or (user is not None and user.is_authenticated)
        ):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response
