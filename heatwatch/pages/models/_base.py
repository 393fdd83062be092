"""What every public page shares: language fallback, its content's language, cacheability.

Pages are translated in the CMS (wagtail-localize). Under ``/es/`` a page that has no Spanish
translation yet is served in English with a notice in Spanish (``route`` falls back to the
default language's tree), so a stable address never 404s for want of a translation.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from wagtail.models import Locale, Page
from wagtail.url_routing import RouteResult

from heatwatch.pages import cache


def default_locale() -> Locale | None:
    return Locale.objects.filter(language_code=settings.LANGUAGE_CODE).first()


def active_language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def content_language(page: Page) -> str:
    """The language the page's text is written in (an alias shows its source's text)."""
    if page.alias_of_id:
        source = Page.objects.filter(pk=page.alias_of_id).select_related("locale").first()
        if source is not None:
            return cast(str, source.locale.language_code)
    return cast(str, page.locale.language_code)


class LocalizedPage(Page):
    """Base of every heatwatch page type."""

    class Meta:
        abstract = True

    def route(self, request: HttpRequest, path_components: list[str]) -> RouteResult:
        try:
            return cast(RouteResult, super().route(request, path_components))
        except Http404:
            # A child (or this page) not translated or not live in this language: serve the
            # default language's page at the same address, with the notice.
            if path_components and self.locale.language_code != settings.LANGUAGE_CODE:
                locale = default_locale()
                source = self.get_translation_or_none(locale) if locale else None
                if source is not None and source.live:
                    return cast(RouteResult, source.specific.route(request, path_components))
            raise

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        cache.mark_cacheable(request)
        return cast(HttpResponse, super().serve(request, *args, **kwargs))

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = cast("dict[str, Any]", super().get_context(request, *args, **kwargs))
        language = content_language(self)
        context["content_language"] = language
        context["only_in_other_language"] = language != active_language()
        return context


def localized_children(parent: Page, model: type[Page]) -> Any:
    """Live, public ``model`` pages under ``parent`` (in any language), one per translation
    key: the active language's where it exists, else the default language's.

    A queryset, so listings can filter and paginate it; order by ``path`` to keep the admin's
    order (a translation's path sorts after its source's, so order by ``-first_published_at``
    or a field when mixing languages matters).
    """
    from django.db.models import Q

    parents = list(parent.get_translations(inclusive=True).only("path", "depth"))
    under = Q()
    for each in parents:
        under |= Q(path__startswith=each.path)
    base = (
        model.objects.live().public().filter(under, depth=parent.depth + 1).select_related("locale")
    )
    active = Locale.get_active()
    default = default_locale()
    if default is None or active.pk == default.pk:
        return base.filter(locale=active)
    translated = base.filter(locale=active).values("translation_key")
    return base.filter(Q(locale=active) | (Q(locale=default) & ~Q(translation_key__in=translated)))
