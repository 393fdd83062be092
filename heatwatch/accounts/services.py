"""Writes for organisations, users and memberships. Each one audits in the same transaction."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.text import slugify

from heatwatch.accounts.models import Membership, Organisation, Role, User
from heatwatch.accounts.permissions import CMS_ROLES, role_allowed_in
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log

# Wagtail's own groups (created by its migrations); coordinators edit and publish pages.
CMS_GROUPS = ("Editors", "Moderators")


class AccountError(ValueError):
    """A request that breaks an account rule; the message is safe to show to the user."""


@transaction.atomic
def organisation_create(*, name: str, type: str, by: User | None) -> Organisation:
    """Create an organisation of the given type."""
    name = name.strip()
    if not name:
        raise AccountError("An organisation needs a name.")
    if Organisation.objects.filter(name__iexact=name).exists():
        raise AccountError(f"An organisation called {name!r} already exists.")
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    org = Organisation.objects.create(name=name, slug=slug, type=type)
    audit_log(action=Action.CREATE, actor=by, obj=org, fields=["name", "type"])
    return org


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    by: User | None,
) -> User:
    """Create an account. Without a password the account cannot sign in until one is set."""
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(f"The username {username!r} is taken.")
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError("An account with this e-mail address already exists.")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.save()
    audit_log(action=Action.CREATE, actor=by, obj=user, fields=["username", "email"])
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str, by: User | None) -> User:
    """Set a new password (validated) and end the user's other sessions."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password", "updated_at"])
    audit_log(action=Action.SECURITY, actor=by, obj=user, fields=["password"])
    return user


def _sync_cms_groups(user: User) -> None:
    """Give Wagtail editing rights to exactly the users holding a CMS role."""
    groups = list(Group.objects.filter(name__in=CMS_GROUPS))
    holds = Membership.objects.filter(
        user=user, role__in=list(CMS_ROLES), is_active=True, organisation__is_active=True
    ).exists()
    if holds:
        user.groups.add(*groups)
    else:
        user.groups.remove(*groups)


@transaction.atomic
def membership_grant(
    *, user: User, organisation: Organisation, role: str, by: User | None
) -> Membership:
    """Give ``user`` a role in ``organisation`` (or re-activate a revoked one)."""
    if role not in Role.values:
        raise AccountError(f"Unknown role {role!r}.")
    if not role_allowed_in(role, organisation):
        raise AccountError(
            f"The role {Role(role).label} cannot be held in a "
            f"{organisation.get_type_display()} organisation."
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    if not created and membership.is_active:
        return membership
    if not created:
        membership.is_active = True
        membership.save(update_fields=["is_active", "updated_at"])
    _sync_cms_groups(user)
    audit_log(
        action=Action.PERMISSION_CHANGE,
        actor=by,
        obj=membership,
        organisation=organisation,
        reason=f"granted {role}",
        fields=["role", "is_active"],
    )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, by: User | None, reason: str = "") -> Membership:
    """End a membership; the user loses the role at their next request."""
    if not membership.is_active:
        return membership
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    _sync_cms_groups(membership.user)
    audit_log(
        action=Action.PERMISSION_CHANGE,
        actor=by,
        obj=membership,
        organisation=membership.organisation,
        reason=reason or f"revoked {membership.role}",
        fields=["is_active"],
    )
    return membership


def _end_sessions(user: User) -> None:
    # The session hash mixes in session_epoch: a new epoch invalidates every session at once,
    # whatever session backend is used.
    user.session_epoch = secrets.token_hex(16)


@transaction.atomic
def user_logout_everywhere(*, user: User, by: User | None) -> User:
    """End every session of ``user`` on every device (including the current one)."""
    _end_sessions(user)
    user.save(update_fields=["session_epoch", "updated_at"])
    audit_log(action=Action.SECURITY, actor=by, obj=user, reason="logged out everywhere")
    _notify_on_commit(user, "logout_everywhere")
    return user


@transaction.atomic
def user_disable(*, user: User, by: User | None, reason: str) -> User:
    """Disable an account: it cannot sign in and all its sessions end now."""
    if not reason.strip():
        raise AccountError("Say why the account is being disabled.")
    user.is_active = False
    _end_sessions(user)
    user.save(update_fields=["is_active", "session_epoch", "updated_at"])
    audit_log(
        action=Action.PERMISSION_CHANGE,
        actor=by,
        obj=user,
        reason=f"disabled: {reason.strip()}",
        fields=["is_active"],
    )
    return user


@transaction.atomic
def user_enable(*, user: User, by: User | None, reason: str = "") -> User:
    """Re-enable a disabled account."""
    user.is_active = True
    user.save(update_fields=["is_active", "updated_at"])
    audit_log(
        action=Action.PERMISSION_CHANGE,
        actor=by,
        obj=user,
        reason=f"enabled: {reason.strip()}" if reason.strip() else "enabled",
        fields=["is_active"],
    )
    return user


def _notify_on_commit(user: User, kind: str) -> None:
    from heatwatch.accounts.tasks import send_security_notice

    user_id = user.pk
    transaction.on_commit(lambda: send_security_notice.enqueue(user_id=user_id, kind=kind))


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, name: str, type: str, is_active: bool, by: User | None
) -> Organisation:
    """Rename, re-type or (de)activate an organisation; members of an inactive one lose roles."""
    changed = []
    for field, value in (("name", name.strip()), ("type", type), ("is_active", is_active)):
        if getattr(organisation, field) != value:
            setattr(organisation, field, value)
            changed.append(field)
    if not changed:
        return organisation
    if "type" in changed:
        wrong = [
            m.get_role_display()
            for m in organisation.memberships.filter(is_active=True)
            if not role_allowed_in(m.role, organisation)
        ]
        if wrong:
            raise AccountError(
                "Members hold roles this type of organisation cannot have: " + ", ".join(wrong)
            )
    organisation.save()
    audit_log(action=Action.UPDATE, actor=by, obj=organisation, fields=changed)
    return organisation
