"""Site-wide response hardening."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
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


class LengthRequiredMiddleware:
    """A body sent without a declared length (``Transfer-Encoding: chunked``) gets 411.

    Django reads a request body only up to its ``Content-Length``: a chunked form post would
    reach the view as an empty form, and the person would see every field "required" with their
    answers gone. Reading the stream to its end instead would be unbounded. Browsers always send
    a length; this answers the odd client clearly before anything reads the body. The API has the
    same rule with a JSON body (heatwatch/api/api.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_TRANSFER_ENCODING" in request.META:
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Send the body with a Content-Length header."}, status=411
                )
            # before LocaleMiddleware: the page's language is the one in its path (/es/…)
            language = translation.get_language_from_path(request.path_info) or "en"
            with translation.override(language):
                return render(request, "411.html", status=411)
        return self.get_response(request)
