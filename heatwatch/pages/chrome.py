"""What the site chrome needs to know about the request: navigation and language links.

Used by the template tags in ``templatetags/heatwatch_chrome.py`` so that every public page,
Wagtail or not, gets the same header and footer. Everything here degrades to something
sensible when there is no request (error pages) or no pages yet (a fresh database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.functional import Promise
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, Site

from heatwatch.pages.models import HomePage


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    current: bool


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    url: str
    current: bool


def _default_language() -> str:
    return settings.LANGUAGE_CODE.split("-")[0]


def _current_language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def strip_language_prefix(path: str) -> str:
    """``/es/community/`` -> ``/community/``; paths without a language prefix are unchanged."""
    for code in _language_codes():
        prefix = f"/{code}/"
        if path == f"/{code}" or path.startswith(prefix):
            return "/" + path[len(prefix) :]
    return path


def localized_path(path: str, language: str | None = None) -> str:
    """The address of ``path`` in ``language`` (default: the active one).

    Public pages are mounted with ``i18n_patterns(prefix_default_language=False)``: the
    default language has no prefix, every other language lives under ``/<code>/``
    (DESIGN.md §8).
    """
    language = (language or _current_language()).split("-")[0]
    # One leading slash only: "//host/" would be a link to another site.
    bare = "/" + strip_language_prefix("/" + path.lstrip("/")).lstrip("/")
    if language == _default_language():
        return bare
    return f"/{language}{bare}"


def _page_translation_urls(page: Page, request: HttpRequest) -> dict[str, str]:
    """Language code -> the address of ``page``'s live translation in it."""
    urls = {}
    for each in page.get_translations(inclusive=True).live().select_related("locale"):
        url = each.get_url(request=request)
        if url:
            urls[each.locale.language_code] = str(url)
    return urls


def language_links(*, request: HttpRequest | None, page: Page | None = None) -> list[LanguageLink]:
    """One plain link per configured language to the current page in that language.

    For a CMS page, the link goes to its translation (whose slug may differ); without one,
    to the same path under the language's prefix, which serves the page with a notice.
    """
    if request is None:
        return []
    current = _current_language()
    full_path = request.get_full_path()
    translated = _page_translation_urls(page, request) if isinstance(page, Page) else {}
    _path, _sep, query_string = full_path.partition("?")
    links = []
    for code in _language_codes():
        if code in translated:
            url = translated[code] + (f"?{query_string}" if query_string else "")
        else:
            url = translate_url(full_path, code)
        if code != current and url == full_path:
            # Not resolvable (e.g. an unknown address): switch the prefix by hand.
            path, sep, query = full_path.partition("?")
            url = localized_path(path, code) + sep + query
        if not url.startswith("/") or url.startswith("//"):
            url = "/" + url.lstrip("/")
        info = get_language_info(code)
        name = info["name_local"]
        links.append(
            LanguageLink(
                code=code,
                name=name[:1].upper() + name[1:],
                url=url,
                current=code == current,
            )
        )
    return links


def _site_for(request: HttpRequest | None) -> Site | None:
    if request is not None:
        try:
            site = Site.find_for_request(request)
        except DisallowedHost:
            site = None
        if site is not None:
            return site
    return Site.objects.filter(is_default_site=True).select_related("root_page").first()


def primary_nav(*, request: HttpRequest | None) -> list[NavItem]:
    """Home and the five point pages, labelled in the active language.

    Labels come from the point (translated chrome), not the page title, so the navigation is
    in Spanish under ``/es/`` even though page content is edited in one language.
    """
    current_path = request.path if request is not None else ""
    home_url = localized_path("/")
    items = [NavItem(label=_("Home"), url=home_url, current=current_path == home_url)]
    site = _site_for(request)
    if site is None:
        return items
    root = site.root_page.specific
    if not isinstance(root, HomePage):
        return items
    for page in root.point_pages():
        url = page_url(page, request=request)
        if not url:
            continue
        items.append(
            NavItem(
                label=page.get_point_display(),
                url=url,
                current=bool(current_path) and current_path.startswith(url),
            )
        )
    return items


_TEL_STRIP = re.compile(r"[^\d+]")


def tel_href(number: str) -> str:
    """``1-555-0100`` -> ``tel:15550100``: a dialable ``tel:`` address for a display number."""
    return "tel:" + _TEL_STRIP.sub("", number or "")


def page_url(page: Page, *, request: HttpRequest | None) -> str:
    """``page``'s address for a visitor reading in the active language."""
    url = page.get_url(request=request) or ""
    if not url:
        return ""
    if page.locale.language_code == _current_language():
        return str(url)
    return localized_path(strip_language_prefix(str(url)))
