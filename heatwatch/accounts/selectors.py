"""Reads for accounts."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from heatwatch.accounts.models import EnrolmentLink, Membership, Organisation, User


def users_with_role(
    *, role: str, organisations: Iterable[Organisation] | None = None
) -> QuerySet[User]:
    """Active users holding ``role`` in an active organisation (optionally only some)."""
    memberships = Membership.objects.filter(role=role, is_active=True, organisation__is_active=True)
    if organisations is not None:
        memberships = memberships.filter(organisation__in=list(organisations))
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))


def memberships_of(*, user: User) -> QuerySet[Membership]:
    """The user's active memberships with their organisations."""
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )


def enrolment_link_valid(
    *, user: User, token_hash: str | None = None, link_id: int | None = None
) -> EnrolmentLink | None:
    """The user's unused, unexpired, unrevoked enrolment link with this token hash or id."""
    links = EnrolmentLink.objects.filter(
        user=user, used_at=None, revoked_at=None, expires_at__gt=timezone.now()
    )
    if token_hash is not None:
        return links.filter(token_hash=token_hash).first()
    if link_id is not None:
        return links.filter(pk=link_id).first()
    return None
