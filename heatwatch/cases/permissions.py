"""Who may see and act on cases (need to know, DESIGN.md §5).

- A case is visible to the active members of its care team and to coordinators. Nobody else:
  an outsider gets 404, as if the case did not exist, and the attempt is audited.
- Break-glass: a member of staff with an active advocate, officer or prosecutor membership who
  is not on the team may open a case for ``HEATWATCH_CASES_BREAK_GLASS_MINUTES`` after giving a
  reason. Audited as BREAK_GLASS and listed for coordinators.
- Case pages are for case staff (coordinator, advocate, officer, prosecutor). Analysts, youth
  leads, administrators and accounts without a role get 403 on every case page: the analyst
  never sees a name.
- A referral is worked by the members of the receiving service's organisation (any case role
  held there), from their referral inbox; they see only the fields the sender shared.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from heatwatch.accounts.models import Membership, Role
from heatwatch.accounts.permissions import has_role, user_organisations
from heatwatch.cases.models import Case, Referral

CASE_ROLES = frozenset({Role.COORDINATOR, Role.ADVOCATE, Role.OFFICER, Role.PROSECUTOR})
# Roles that open cases, and so may see identity candidates at intake (an identity lookup shows
# how a known youth's details compare). Officers hand a recovered youth to the coordinators.
INTAKE_ROLES = frozenset({Role.COORDINATOR, Role.ADVOCATE})
BREAK_GLASS_ROLES = frozenset({Role.ADVOCATE, Role.OFFICER, Role.PROSECUTOR})
# Roles a care-team member must hold in the organisation they represent on the team.
TEAM_ROLES = CASE_ROLES


def can_use_cases(user: Any) -> bool:
    """May ``user`` open case pages at all?"""
    return has_role(user, *CASE_ROLES)


def can_open_cases(user: Any) -> bool:
    return has_role(user, *INTAKE_ROLES)


def is_coordinator(user: Any) -> bool:
    return has_role(user, Role.COORDINATOR)


def can_break_glass(user: Any) -> bool:
    return has_role(user, *BREAK_GLASS_ROLES)


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """The cases ``user`` may open: all for coordinators; else their care teams' cases and the
    cases of their unexpired break-glass grants."""
    if not can_use_cases(user):
        return Case.objects.none()
    if is_coordinator(user):
        return Case.objects.all()
    on_team = Q(team__user=user, team__removed_at__isnull=True)
    glass = Q(break_glass__user=user, break_glass__expires_at__gt=timezone.now())
    ids = Case.objects.filter(on_team | glass).values("pk")
    return Case.objects.filter(pk__in=ids)


def cases_on_team_of(user: Any) -> QuerySet[Case]:
    """The cases whose care team ``user`` is on (their own work; no break-glass)."""
    if not can_use_cases(user):
        return Case.objects.none()
    ids = Case.objects.filter(team__user=user, team__removed_at__isnull=True).values("pk")
    return Case.objects.filter(pk__in=ids)


def can_work_case(user: Any, case: Case) -> bool:
    """May ``user`` change the case (team, consent, referrals, contacts, closure)? Active team
    members and coordinators; a break-glass reader only reads."""
    if is_coordinator(user):
        return True
    return can_use_cases(user) and case.team.filter(user=user, removed_at__isnull=True).exists()


def referrals_workable_by(user: Any) -> QuerySet[Referral]:
    """Referrals to services of the organisations where ``user`` holds a case role."""
    if not can_use_cases(user):
        return Referral.objects.none()
    organisations = user_organisations(user, roles=CASE_ROLES)
    return Referral.objects.filter(service__organisation__in=organisations)


def may_represent(user: Any, organisation_id: int) -> bool:
    """Does ``user`` hold a case role in this organisation (to sit on a care team for it)?"""
    return Membership.objects.filter(
        user=user,
        organisation_id=organisation_id,
        role__in=list(TEAM_ROLES),
        is_active=True,
        organisation__is_active=True,
        user__is_active=True,
    ).exists()


# --- alerts handled by hand, deletion -------------------------------------------------------


def is_case_lead(user: Any, case: Case) -> bool:
    """Is ``user`` the active lead of the case's care team?"""
    return case.team.filter(user=user, removed_at__isnull=True, is_lead=True).exists()


def can_acknowledge_alert(user: Any, case: Case) -> bool:
    """Active team members and coordinators acknowledge an alert (it is then not escalated)."""
    return can_work_case(user, case)


def can_resolve_alert(user: Any, case: Case) -> bool:
    """Coordinators and the case lead resolve an alert by hand, with a note."""
    return can_use_cases(user) and (is_coordinator(user) or is_case_lead(user, case))


def can_delete_case_records(user: Any, case: Case) -> bool:
    """Deleting needs the restricted permission (granted by an administrator to named people;
    no role carries it) and being able to work the case."""
    return (
        bool(getattr(user, "is_active", False))
        and user.has_perm("cases.delete_case_records")
        and can_work_case(user, case)
    )
