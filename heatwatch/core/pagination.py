"""Pages of long lists (USWDS pagination links: ``includes/pagination.html``, which takes
``page`` and ``query``)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def page_of(request: HttpRequest, items: Any, *, per_page: int = PAGE_SIZE) -> Page:
    """The requested page (``?page=N``) of ``items``; a bad or out-of-range number gives the
    nearest page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The request's other query parameters, so page links keep the filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
