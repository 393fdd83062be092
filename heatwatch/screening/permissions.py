"""Who may screen, who sees a result, who takes a referred screening to intake.

- **Screen**: coordinators and advocates by their role, and any professional with an active
  ``Screener`` grant (teachers, school and health staff, social workers), for the organisation
  of that role or grant.
- **See a result**: the professional who filled it, and the coordinators. A result attached to
  a case is also shown on the case page, to those who may open the case (the case page's own
  need-to-know check).
- **Take a referral to intake**: coordinators (who open cases and see identity candidates).

Nothing here decides whether a youth gets a service: a screening only informs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from heatwatch.accounts.models import Organisation, Role
from heatwatch.accounts.permissions import has_role, user_organisations
from heatwatch.screening.models import Screener, ScreeningResult

SCREENING_ROLES = frozenset({Role.COORDINATOR, Role.ADVOCATE})


def _grants(user: Any) -> QuerySet[Screener]:
    if user is None or not user.is_authenticated or not user.is_active:
        return Screener.objects.none()
    return Screener.objects.filter(user=user, is_active=True, organisation__is_active=True)


def may_screen(user: Any) -> bool:
    return has_role(user, *SCREENING_ROLES) or _grants(user).exists()


def screening_organisations(user: Any) -> list[Organisation]:
    """The organisations ``user`` may screen for (their roles' and grants')."""
    found = {o.pk: o for o in user_organisations(user, roles=SCREENING_ROLES)}
    for grant in _grants(user).select_related("organisation"):
        found.setdefault(grant.organisation_id, grant.organisation)
    return sorted(found.values(), key=lambda o: o.name)


def can_take_to_intake(user: Any) -> bool:
    return has_role(user, Role.COORDINATOR)


def results_visible_to(user: Any) -> QuerySet[ScreeningResult]:
    if has_role(user, Role.COORDINATOR):
        return ScreeningResult.objects.all()
    if not may_screen(user):
        return ScreeningResult.objects.none()
    return ScreeningResult.objects.filter(screener=user)
