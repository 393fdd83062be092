"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def program(request: HttpRequest) -> dict[str, Any]:
    """The installation's branding (DESIGN.md §7): name, area, tip-line number, contact."""
    return {"program": settings.HEATWATCH_PROGRAM}
