"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def program(request: HttpRequest) -> dict[str, Any]:
    """The installation's branding (DESIGN.md §7): name, area, tip-line number, contact."""
    return {"program": settings.HEATWATCH_PROGRAM}


def staff_roles(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's roles, for menus (permission checks happen in the views)."""
    from heatwatch.accounts.permissions import user_roles

    user = getattr(request, "user", None)
    return {"staff_roles": user_roles(user) if user is not None else frozenset()}
