"""Who may search and edit the partner service directory.

- The staff directory is for the people who refer youth to services: coordinators, advocates /
  case managers, law-enforcement officers and prosecutors / victim-witness advocates. It shows
  staff-only data (capacity, referral contacts, confidential shelter addresses).
- Analysts (aggregates only), youth leads and administrators (no case work by default) and
  accounts without a role do not use it; like anyone, they can read the public directory.
- Coordinators manage every service. A member of the organisation that offers a service, holding
  one of the directory roles there, edits that service's details and capacity and adds new
  services for that organisation.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from heatwatch.accounts.models import Organisation, Role
from heatwatch.accounts.permissions import has_role, user_organisations
from heatwatch.directory.models import Service

DIRECTORY_ROLES = frozenset({Role.COORDINATOR, Role.ADVOCATE, Role.OFFICER, Role.PROSECUTOR})


def can_use_directory(user: Any) -> bool:
    """May ``user`` search the staff directory (and see staff-only details)?"""
    return has_role(user, *DIRECTORY_ROLES)


def can_manage_all(user: Any) -> bool:
    """Coordinators edit every organisation's services."""
    return has_role(user, Role.COORDINATOR)


def services_visible_to(user: Any) -> QuerySet[Service]:
    """The services ``user`` may open in the staff area (every one, or none)."""
    if can_use_directory(user):
        return Service.objects.all()
    return Service.objects.none()


def editable_organisations(user: Any) -> list[Organisation]:
    """Organisations whose services ``user`` may add and edit."""
    if not can_use_directory(user):
        return []
    if can_manage_all(user):
        return list(Organisation.objects.filter(is_active=True))
    return user_organisations(user, roles=DIRECTORY_ROLES)


def can_edit_service(user: Any, service: Service) -> bool:
    """May ``user`` change ``service``'s details, capacity and status?"""
    if can_manage_all(user):
        return True
    if not can_use_directory(user):
        return False
    return any(org.pk == service.organisation_id for org in editable_organisations(user))


def can_add_services(user: Any) -> bool:
    return bool(editable_organisations(user))
