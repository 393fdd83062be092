"""Reads for accounts."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet
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


def enrolment_link_by_token(*, token_hash: str) -> EnrolmentLink | None:
    """The unused, unexpired, unrevoked link with this token hash, of an active account."""
    return (
        EnrolmentLink.objects.filter(
            token_hash=token_hash,
            used_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .select_related("user")
        .first()
    )


def users_for_administration(*, query: str = "", include_inactive: bool = True) -> QuerySet[User]:
    """Accounts for the administrators' list, by username (search on username, name, e-mail)."""
    users = User.objects.all()
    if not include_inactive:
        users = users.filter(is_active=True)
    query = query.strip()[:100]
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    return users.order_by("username").prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(is_active=True).select_related("organisation"),
            to_attr="active_memberships",
        )
    )


def failed_sign_ins(*, user: User) -> tuple[int, int]:
    """Failed sign-ins recorded against ``user`` (for lockout) and from how many sources."""
    from axes.models import AccessAttempt

    rows = list(
        AccessAttempt.objects.filter(username__iexact=user.username).values_list(
            "failures_since_start", flat=True
        )
    )
    return sum(rows), len(rows)
