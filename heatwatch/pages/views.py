"""Site search (/search/): every live public page, in the visitor's language where translated."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from wagtail.models import Locale, Page

from heatwatch.pages.models._base import default_locale
from heatwatch.pages.models.toolkit import page_number

MAX_QUERY = 200
RESULTS_PER_PAGE = 20
MAX_RESULTS = 200


def search_pages(query: str) -> list[Any]:
    """Pages matching ``query`` in the active language and the default one, one per
    translation key (the active language's first)."""
    active = Locale.get_active()
    locales = {active.pk}
    default = default_locale()
    if default is not None:
        locales.add(default.pk)
    found = (
        Page.objects.live()
        .public()
        .filter(locale_id__in=locales, depth__gt=1)
        .search(query, operator="and")[:MAX_RESULTS]
    )
    results: dict[Any, Any] = {}
    for page in found:
        key = page.translation_key
        if key not in results or page.locale_id == active.pk:
            results[key] = page
    pages = list(results.values())
    return [page.specific for page in pages]


def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    results = search_pages(query) if query else []
    page_obj = Paginator(results, RESULTS_PER_PAGE).get_page(page_number(request))
    return render(
        request,
        "pages/search.html",
        {"query": query, "page_obj": page_obj, "results": page_obj.object_list},
    )
