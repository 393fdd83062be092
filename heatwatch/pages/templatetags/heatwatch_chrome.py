"""Template tags for the site chrome (base.html): navigation, language switcher, links."""

from __future__ import annotations

from typing import Any

from django import template

from heatwatch.pages import chrome

register = template.Library()


@register.simple_tag(takes_context=True)
def primary_nav(context: template.Context) -> list[chrome.NavItem]:
    """``{% primary_nav as items %}``: home and the five point pages."""
    return chrome.primary_nav(request=context.get("request"))


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[chrome.LanguageLink]:
    """``{% language_links as links %}``: the current page in every configured language."""
    return chrome.language_links(request=context.get("request"), page=context.get("page"))


@register.simple_tag
def localized_url(path: str) -> str:
    """``{% localized_url "/report/" %}``: a stable address (DESIGN.md §8) in the active
    language, e.g. ``/es/report/`` on Spanish pages."""
    return chrome.localized_path(path)


@register.filter
def tel_href(number: Any) -> str:
    """``{{ program.tipline_phone|tel_href }}`` -> ``tel:15550100``."""
    return chrome.tel_href(str(number or ""))
