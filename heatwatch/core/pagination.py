"""Pages of long lists: the staff pages' ``page_of`` (USWDS pagination links:
``includes/pagination.html``, which takes ``page`` and ``query``) and the API's
:class:`BoundedPageNumberPagination`."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import create_model

PAGE_SIZE = 50
# The API's deepest page. Page numbers and sizes are bounded in the schema, so an out-of-range
# value is a 422 naming the parameter, never an offset too large for the database (a 500).
MAX_PAGE = 100_000


def page_of(request: HttpRequest, items: Any, *, per_page: int = PAGE_SIZE) -> Page:
    """The requested page (``?page=N``) of ``items``; a bad or out-of-range number gives the
    nearest page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The request's other query parameters, so page links keep the filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


class BoundedPageNumberPagination(PageNumberPagination):
    """django-ninja's page-number pagination with both parameters bounded: ``page`` from 1 to
    :data:`MAX_PAGE` and ``page_size`` from 1 to ``max_page_size``; anything else is a 422
    (django-ninja's own class only clamps the size and lets any page through). Use it as
    ``@paginate(BoundedPageNumberPagination, page_size=50, max_page_size=100)``."""

    def __init__(self, page_size: int = PAGE_SIZE, max_page_size: int = 100, **kwargs: Any) -> None:
        super().__init__(page_size=page_size, max_page_size=max_page_size, **kwargs)
        # This instance's own input schema: django-ninja reads ``paginator.Input``.
        bounded: Any = create_model(
            f"PageInput{max_page_size}",
            __base__=Schema,
            page=(int, Field(1, ge=1, le=MAX_PAGE, description="From 1.")),
            page_size=(
                int | None,
                Field(
                    None,
                    ge=1,
                    le=max_page_size,
                    description=f"Default {page_size}, at most {max_page_size}.",
                ),
            ),
        )
        self.Input = bounded
