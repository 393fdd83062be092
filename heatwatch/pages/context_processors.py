"""The program's branding for every template: the CMS site setting over the environment."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from heatwatch.pages.branding import program_for_request


def program(request: HttpRequest) -> dict[str, Any]:
    """``program``: name, area, tip-line phone, contact e-mail, logo, theme, social links."""
    return {"program": program_for_request(request)}
