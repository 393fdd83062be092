"""Who may see and act on tips.

Coordinators see every tip. Law-enforcement officers see only the tips referred to their own
agency (never the likely-spam queue) and record outcomes on those referrals. Nobody else sees
tips at all.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import has_role, user_organisations
from heatwatch.tips.models import Tip, TipReferral


def can_triage(user: Any) -> bool:
    """Coordinators triage, message tipsters, refer and close."""
    return has_role(user, Role.COORDINATOR)


def can_see_tips(user: Any) -> bool:
    return has_role(user, Role.COORDINATOR, Role.OFFICER)


def tips_visible_to(user: Any) -> QuerySet[Tip]:
    """The tips ``user`` may open."""
    if has_role(user, Role.COORDINATOR):
        return Tip.objects.all()
    if has_role(user, Role.OFFICER):
        agencies = user_organisations(user, roles=[Role.OFFICER])
        ids = TipReferral.objects.filter(organisation__in=agencies).values("tip_id")
        return Tip.objects.filter(pk__in=ids, likely_spam=False)
    return Tip.objects.none()


def referrals_workable_by(user: Any) -> QuerySet[TipReferral]:
    """Referrals whose outcome ``user`` may record (their own agency's)."""
    if not has_role(user, Role.OFFICER):
        return TipReferral.objects.none()
    agencies = user_organisations(user, roles=[Role.OFFICER])
    return TipReferral.objects.filter(organisation__in=agencies)
