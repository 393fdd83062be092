"""``may_screen`` for the staff menu's "Screening" link (teachers and other professionals
screen by a grant, not a role, so ``staff_roles`` alone cannot tell). Add
``"heatwatch.screening.context_processors.screening"`` to the template context processors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from heatwatch.screening.permissions import may_screen


def screening(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/staff/"):
        return {"may_screen": False}
    return {"may_screen": may_screen(user)}
