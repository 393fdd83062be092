"""The program's branding: ``ProgramSettings`` (CMS) with ``settings.HEATWATCH_PROGRAM`` as the
defaults for every blank field (DESIGN.md §7)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from heatwatch.pages.models.choices import THEME_COLOURS, Theme
from heatwatch.pages.models.program import ProgramSettings

_TEXT_FIELDS = ("name", "area", "tipline_phone", "contact_email")
_SOCIAL = (
    ("facebook_url", "Facebook"),
    ("instagram_url", "Instagram"),
    ("x_url", "X"),
    ("youtube_url", "YouTube"),
)


def _defaults() -> dict[str, Any]:
    program: dict[str, Any] = dict(settings.HEATWATCH_PROGRAM)
    program.setdefault("theme", Theme.BLUE_WARM_80V.value)
    program.update(logo=None, social=[], theme_colour=THEME_COLOURS[Theme.BLUE_WARM_80V])
    return program


def merge(stored: ProgramSettings | None) -> dict[str, Any]:
    """The environment's values with the stored setting's non-blank fields over them."""
    program = _defaults()
    if stored is None:
        return program
    for field in _TEXT_FIELDS:
        value = getattr(stored, field)
        if value:
            program[field] = value
    program["theme"] = stored.theme or program["theme"]
    program["theme_colour"] = THEME_COLOURS.get(Theme(program["theme"]), "#162e51")
    program["logo"] = stored.logo
    program["social"] = [
        {"label": label, "url": getattr(stored, field)}
        for field, label in _SOCIAL
        if getattr(stored, field)
    ]
    return program


def program_for_request(request: HttpRequest | None) -> dict[str, Any]:
    """The branding for the request's site (the default site without a request)."""
    try:
        if request is not None:
            site = Site.find_for_request(request)
        else:
            site = Site.objects.filter(is_default_site=True).first()
        # Read, never create: Wagtail's for_request/for_site would insert an empty row on a
        # page view (a write, and a different query count on the first request).
        stored = (
            ProgramSettings.objects.filter(site=site).select_related("logo").first()
            if site is not None
            else None
        )
    except DatabaseError:  # before migrations (e.g. an error page on a fresh install)
        stored = None
    except Exception:  # noqa: BLE001 - DisallowedHost and the like: keep the defaults
        stored = None
    return merge(stored)


SOCIAL_LABEL = _("Follow us")
