"""Who may see and do what in prosecution (issue 17, "Who may do what"; docs/prosecution.md).

- **Prosecutions**: a prosecutor (role ``prosecutor``) sees and edits the prosecutions of the
  offices where they hold that role; a victim-witness advocate (an ``advocate`` membership in a
  prosecution office) sees the prosecutions assigned to them, read-only. Nobody else: analysts,
  coordinators, officers and other advocates get 403 on the pages, and a prosecution outside
  one's scope is 404 (audited).
- **Linked youth**: shown only to those who may see both the prosecution and the youth's case
  (``cases.permissions.cases_visible_to``: care team, coordinators, break-glass).
- **Docket**: prosecutors see every hearing; other case staff (coordinators, advocates,
  officers) the hearings of the cases they may open. Prosecutors and coordinators record
  hearings. The care team reads them on the case page, in its timeline and in its feed.
- **Entities**: officers and prosecutors only; every view audited.

Nothing here is consulted by cases: a care team's work never depends on a prosecution.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from heatwatch.accounts.models import Membership, OrganisationType, Role
from heatwatch.accounts.permissions import has_role, user_organisations
from heatwatch.cases.models import Case
from heatwatch.cases.permissions import CASE_ROLES, can_work_case, cases_visible_to
from heatwatch.prosecution.models import Hearing, Prosecution

DOCKET_ROLES = CASE_ROLES
HEARING_ROLES = frozenset({Role.PROSECUTOR, Role.COORDINATOR})
ENTITY_ROLES = frozenset({Role.OFFICER, Role.PROSECUTOR})


def is_prosecutor(user: Any) -> bool:
    return has_role(user, Role.PROSECUTOR)


def is_victim_witness_advocate(user: Any) -> bool:
    """An advocate membership held in a prosecution office (accounts has one role for both
    prosecutors and victim-witness advocates; this is how the two are told apart)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return Membership.objects.filter(
        user=user,
        role=Role.ADVOCATE,
        organisation__type=OrganisationType.PROSECUTION,
        is_active=True,
        organisation__is_active=True,
    ).exists()


def can_use_prosecutions(user: Any) -> bool:
    """May ``user`` open the prosecution pages at all?"""
    return is_prosecutor(user) or is_victim_witness_advocate(user)


def prosecution_offices(user: Any) -> list[Any]:
    return user_organisations(user, roles=[Role.PROSECUTOR])


def prosecutions_visible_to(user: Any) -> QuerySet[Prosecution]:
    """Prosecutors: their offices' prosecutions; victim-witness advocates: those assigned to
    them; everyone else: none."""
    scope = Q(pk__in=[])
    if is_prosecutor(user):
        scope |= Q(office__in=prosecution_offices(user))
    if is_victim_witness_advocate(user):
        scope |= Q(advocate=user)
    return Prosecution.objects.filter(scope)


def can_edit_prosecution(user: Any, prosecution: Prosecution) -> bool:
    """Prosecutors of the prosecution's office edit it; the advocate reads."""
    return is_prosecutor(user) and any(
        o.pk == prosecution.office_id for o in prosecution_offices(user)
    )


def youth_link_visible(user: Any, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def can_see_docket(user: Any) -> bool:
    return has_role(user, *DOCKET_ROLES)


def hearings_visible_to(user: Any) -> QuerySet[Hearing]:
    if not can_see_docket(user):
        return Hearing.objects.none()
    if is_prosecutor(user):
        return Hearing.objects.all()
    return Hearing.objects.filter(case__in=cases_visible_to(user).values("pk"))


def can_record_hearings(user: Any) -> bool:
    return has_role(user, *HEARING_ROLES)


def can_manage_feed(user: Any, case: Case) -> bool:
    """The care team (and coordinators) issue and revoke their case's calendar feed."""
    return can_work_case(user, case)


def can_use_entities(user: Any) -> bool:
    return has_role(user, *ENTITY_ROLES)
