"""Template tags for the public page types: links that stay in the visitor's language."""

from __future__ import annotations

from typing import Any

from django import template
from wagtail.models import Page

from heatwatch.pages import chrome
from heatwatch.pages.documents import type_and_size as _type_and_size

register = template.Library()


@register.simple_tag(takes_context=True)
def page_link(context: template.Context, page: Page) -> str:
    """The page's address in the active language: its own URL when it is in that language,
    else the same path under the language's prefix (served with the not-translated notice)."""
    return chrome.page_url(page, request=context.get("request"))


@register.filter
def type_and_size(document: Any) -> str:
    """``{{ page.document|type_and_size }}`` -> ``PowerPoint, 8.9 MB``."""
    return _type_and_size(document)


@register.filter
def red_flag_setting(value: str) -> str:
    """A red-flag setting's label in the active language."""
    from heatwatch.pages.models.choices import RedFlagSetting

    try:
        return str(RedFlagSetting(value).label)
    except ValueError:
        return value


@register.filter
def verbose_page_type(model: Any) -> str:
    """The page type's name in the active language (``toolkit resource``)."""
    meta = getattr(model, "_meta", None)
    return str(meta.verbose_name).capitalize() if meta is not None else ""
