"""Who may do what, derived from a user's active memberships.

Each role is held in one organisation (Membership). Staff areas check roles here; record-level
access (cases, tips) adds its own policy in the owning app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from heatwatch.accounts.models import Membership, Organisation, OrganisationType, Role, User

# Which organisation types a role may be held in (a youth lead in a police department is an
# error, not a configuration).
ROLE_ORGANISATION_TYPES: dict[str, frozenset[str]] = {
    Role.COORDINATOR: frozenset({OrganisationType.COORDINATING_OFFICE}),
    Role.OFFICER: frozenset({OrganisationType.LAW_ENFORCEMENT}),
    Role.ADVOCATE: frozenset(
        {
            OrganisationType.SERVICE_PROVIDER,
            OrganisationType.COMMUNITY,
            OrganisationType.PROBATION,
            OrganisationType.SOCIAL_SERVICES,
            OrganisationType.HEALTH,
            OrganisationType.SCHOOL,
            OrganisationType.COORDINATING_OFFICE,
            OrganisationType.PROSECUTION,
        }
    ),
    Role.PROSECUTOR: frozenset({OrganisationType.PROSECUTION}),
    Role.ANALYST: frozenset(OrganisationType.values),
    Role.YOUTH_LEAD: frozenset(
        {
            OrganisationType.COMMUNITY,
            OrganisationType.SCHOOL,
            OrganisationType.COORDINATING_OFFICE,
        }
    ),
    Role.ADMINISTRATOR: frozenset(OrganisationType.values),
}

# Roles that may edit public content in the CMS.
CMS_ROLES = frozenset({Role.COORDINATOR})


def role_allowed_in(role: str, organisation: Organisation) -> bool:
    """May ``role`` be held by a member of ``organisation``?"""
    return organisation.type in ROLE_ORGANISATION_TYPES.get(role, frozenset())


def user_roles(user: Any) -> frozenset[str]:
    """The roles of the user's active memberships in active organisations (cached per object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_heatwatch_roles", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.filter(
                user=user, is_active=True, organisation__is_active=True
            ).values_list("role", flat=True)
        )
        user._heatwatch_roles = cached
    return cached


def staff_user(request: HttpRequest) -> User:
    """The signed-in user of a staff view (the middleware has already turned others away)."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    return cast(User, user)


def is_verified(user: Any) -> bool:
    """Did the user sign in with a second factor in this session (django-otp)?"""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())


def has_role(user: Any, *roles: str) -> bool:
    """Does the user hold any of ``roles``?"""
    return bool(user_roles(user) & set(roles))


def user_organisations(user: Any, *, roles: Iterable[str] | None = None) -> list[Organisation]:
    """Organisations the user is an active member of (optionally only for some roles)."""
    qs = Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
    if roles is not None:
        qs = qs.filter(role__in=list(roles))
    return [m.organisation for m in qs.select_related("organisation")]


V = TypeVar("V", bound=Callable[..., Any])


def role_required(*roles: str) -> Callable[[V], V]:
    """View decorator: 403 (audited) unless the signed-in user holds one of ``roles``.

    Anonymous users never reach it: RequireTwoFactorMiddleware sends them to the login page.
    """

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
