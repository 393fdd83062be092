"""Writes for organisations, users and memberships. Each one audits in the same transaction."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import django_otp
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from heatwatch.accounts.models import (
    EnrolmentLink,
    Membership,
    Organisation,
    Role,
    TOTPAuthenticator,
    User,
)
from heatwatch.accounts.permissions import CMS_ROLES, role_allowed_in
from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.lib.links import absolute_url
from heatwatch.lib.versioning import StaleEdit, assign, bump, locked

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


# --- two-factor enrolment and management ------------------------------------------------------
# Every change to a user's second factor is audited in its transaction and e-mailed to the user
# once it has committed. See docs/security.md, "Signing in".

BACKUP_CODE_COUNT = 10


def _keyed_hash(label: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` with HEATWATCH_INDEX_KEY, a secret never in the database."""
    secret = str(getattr(settings, "HEATWATCH_INDEX_KEY", "") or "").encode("utf-8")
    if len(secret) < 32:
        raise AccountError("HEATWATCH_INDEX_KEY is not configured.")
    message = label.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def enrolment_token_hash(token: str) -> str:
    """What is stored of an enrolment link's token."""
    return _keyed_hash("accounts.enrolmentlink.token", token)


def backup_code_hash(code: str) -> str:
    """What is stored of a backup code (StaticToken.token holds 16 characters)."""
    return _keyed_hash("accounts.backupcode", code.strip().lower().replace(" ", ""))[:16]


def enrolment_link_url(token: str) -> str:
    """The absolute address of an enrolment link."""
    return absolute_url(reverse("staff:enrol", kwargs={"token": token}))


def _link_hours() -> int:
    return int(settings.HEATWATCH_ENROLMENT_LINK_HOURS)


@transaction.atomic
def enrolment_link_issue(
    *, user: User, by: User | None, kind: str = "enrolment_link"
) -> tuple[EnrolmentLink, str]:
    """Issue a one-time, expiring link for ``user`` to set up two-factor authentication.

    Earlier unused links of the user stop working. Returns the link and its address; the
    address is e-mailed to the user once the transaction commits and is never stored (only a
    keyed hash of its token is), so show it to the administrator now or never.
    """
    if not user.is_active:
        raise AccountError(_("The account is disabled; enable it first."))
    now = timezone.now()
    EnrolmentLink.objects.filter(user=user, used_at=None, revoked_at=None).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    link = EnrolmentLink.objects.create(
        user=user,
        token_hash=enrolment_token_hash(token),
        issued_by=by,
        expires_at=now + timedelta(hours=_link_hours()),
    )
    audit_log(action=Action.SECURITY, actor=by, obj=user, reason="two-factor enrolment link issued")
    url = (
        absolute_url(reverse("staff:invitation", kwargs={"token": token}))
        if kind == "invitation"
        else enrolment_link_url(token)
    )
    _mail_on_commit(user, kind, url=url, hours=_link_hours())
    return link, url


def _delete_devices(user: User) -> int:
    deleted = 0
    for model in django_otp.device_classes():
        count, _rows = model.objects.filter(user=user).delete()
        deleted += count
    return deleted


@transaction.atomic
def two_factor_enrol(
    *,
    user: User,
    key: str,
    link: EnrolmentLink | None,
    digits: int = 6,
    step: int = 30,
    t0: int = 0,
    drift: int = 0,
    tolerance: int = 1,
) -> TOTPAuthenticator:
    """Record ``user``'s new authenticator (seed ``key``, hex), stored encrypted.

    The first enrolment needs a valid enrolment ``link``, which is used up here; ``link=None``
    is for a user who has just re-authenticated with password and code (the view checks). Any
    earlier device of the user is removed.
    """
    if link is not None:
        locked = (
            EnrolmentLink.objects.select_for_update()
            .filter(pk=link.pk, user=user, used_at=None, revoked_at=None)
            .first()
        )
        if locked is None or locked.expires_at <= timezone.now():
            raise AccountError(_("This enrolment link is no longer valid."))
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
    _delete_devices(user)
    device: TOTPAuthenticator = TOTPAuthenticator.objects.create(
        user=user,
        name="default",
        confirmed=True,
        key=key,
        digits=digits,
        step=step,
        t0=t0,
        drift=drift,
        tolerance=tolerance,
    )
    audit_log(
        action=Action.SECURITY,
        actor=user,
        obj=user,
        reason="two-factor authenticator enrolled" + (" with an enrolment link" if link else ""),
    )
    _notify_on_commit(user, "two_factor_enrolled")
    return device


@transaction.atomic
def two_factor_disable(*, user: User, by: User) -> None:
    """Remove every second factor of ``user`` (the view has checked password and code)."""
    _delete_devices(user)
    audit_log(action=Action.SECURITY, actor=by, obj=user, reason="two-factor disabled")
    _notify_on_commit(user, "two_factor_disabled")


@transaction.atomic
def two_factor_reset(*, user: User, by: User | None, reason: str) -> None:
    """An administrator's reset: remove the user's second factors and end their sessions.

    The user then needs a new enrolment link (:func:`enrolment_link_issue`) to sign in again.
    """
    reason = reason.strip()
    if not reason:
        raise AccountError(_("Say why the two-factor authentication is being reset."))
    _delete_devices(user)
    EnrolmentLink.objects.filter(user=user, used_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    _end_sessions(user)
    user.save(update_fields=["session_epoch", "updated_at"])
    audit_log(action=Action.SECURITY, actor=by, obj=user, reason=f"two-factor reset: {reason}")
    _notify_on_commit(user, "two_factor_reset")


@transaction.atomic
def backup_codes_generate(*, user: User, by: User) -> list[str]:
    """Replace ``user``'s backup codes with new ones and return them (shown once).

    Only a keyed hash of each code is stored.
    """
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=backup_code_hash(code)) for code in codes]
    )
    audit_log(action=Action.SECURITY, actor=by, obj=user, reason="backup codes generated")
    _notify_on_commit(user, "backup_codes")
    return codes


def _mail_on_commit(user: User, kind: str, **context: object) -> None:
    # Sent straight away rather than through a task: a task's arguments are stored in the
    # database, and the enrolment link must not be.
    from heatwatch.accounts.tasks import render_notice

    recipient = user.email
    if not recipient:
        return
    subject, body = render_notice(user=user, kind=kind, **context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))


def reauthentication_failed(*, user: User, purpose: str) -> None:
    """Audit a wrong password or code given to change two-factor settings."""
    audit_log(
        action=Action.SECURITY,
        actor=user,
        obj=user,
        outcome=Outcome.FAILURE,
        reason=f"re-authentication failed ({purpose})",
    )


# --- user administration in the staff area (docs/staff.md) -----------------------------------
# An administrator invites, edits, deactivates, resets and unlocks accounts. Every edit made
# from a form carries the account's ``version`` (lib.versioning): a stale form saves nothing.


class StaleAccount(AccountError, StaleEdit):
    """The account changed since the administrator's form was loaded."""


def _locked_user(user: User, version: int | None) -> User:
    return locked(User, user.pk, version=version, stale=StaleAccount)


@transaction.atomic
def staff_invite(
    *,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    organisation: Organisation,
    role: str,
    language: str,
    by: User,
) -> tuple[User, str]:
    """Create an account without a password, give it ``role`` in ``organisation`` and e-mail
    it a one-time, expiring invitation (an enrolment link) to choose a password and set up
    two-factor authentication. Returns the user and the link (shown to the administrator
    once, never stored)."""
    user = user_create(
        username=username.strip(),
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        password=None,
        by=by,
    )
    if language:
        user.language = language
        user.save(update_fields=["language", "updated_at"])
    membership_grant(user=user, organisation=organisation, role=role, by=by)
    _link, url = enrolment_link_issue(user=user, by=by, kind="invitation")
    return user, url


@transaction.atomic
def invitation_set_password(*, link: EnrolmentLink, password: str) -> User:
    """The invited user chooses a password (validated like every password: zxcvbn and the
    lists). Only once: an account that has a password signs in instead. The link itself is
    used up when the authenticator is set up (:func:`two_factor_enrol`)."""
    user = User.objects.select_for_update().get(pk=link.user_id)
    if not user.is_active:
        raise AccountError(_("The account is disabled; enable it first."))
    if user.has_usable_password():
        raise AccountError(
            _("A password was already chosen with this invitation. Sign in with it instead.")
        )
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password", "updated_at"])
    audit_log(
        action=Action.SECURITY,
        actor=user,
        obj=user,
        reason="password chosen from an invitation",
        fields=["password"],
    )
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    version: int,
    first_name: str,
    last_name: str,
    email: str,
    language: str,
    by: User,
) -> User:
    """An administrator edits an account's name, address and language (versioned)."""
    record = _locked_user(user, version)
    email = email.strip()
    if User.objects.filter(email__iexact=email).exclude(pk=record.pk).exists():
        raise AccountError(_("An account with this e-mail address already exists."))
    changed = assign(
        record,
        {
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "email": email,
            "language": language,
        },
    )
    if changed:
        bump(record, changed)
        audit_log(action=Action.UPDATE, actor=by, obj=record, fields=changed)
    return record


@transaction.atomic
def user_set_language(*, user: User, version: int, language: str) -> User:
    """A user chooses the language of their staff pages and e-mails (profile, versioned)."""
    record = _locked_user(user, version)
    if assign(record, {"language": language}):
        bump(record, ["language"])
        audit_log(action=Action.UPDATE, actor=record, obj=record, fields=["language"])
    return record


@transaction.atomic
def account_deactivate(*, user: User, version: int, reason: str, by: User) -> User:
    """Deactivate an account from the staff area: every session ends now (versioned)."""
    if user.pk == by.pk:
        raise AccountError(_("You cannot deactivate your own account."))
    record = _locked_user(user, version)
    if not record.is_active:
        return record
    record = user_disable(user=record, by=by, reason=reason)
    bump(record)
    _notify_on_commit(record, "deactivated")
    return record


@transaction.atomic
def account_reactivate(*, user: User, version: int, reason: str, by: User) -> User:
    """Re-enable a deactivated account (versioned)."""
    record = _locked_user(user, version)
    if record.is_active:
        return record
    record = user_enable(user=record, by=by, reason=reason)
    bump(record)
    return record


@transaction.atomic
def account_two_factor_reset(*, user: User, version: int, reason: str, by: User) -> User:
    """An administrator's 2FA reset from the staff area (versioned); see two_factor_reset."""
    record = _locked_user(user, version)
    two_factor_reset(user=record, by=by, reason=reason)
    bump(record)
    return record


@transaction.atomic
def account_unlock(*, user: User, by: User, reason: str = "") -> int:
    """Clear the failed sign-ins recorded against ``user`` from every source (so a locked-out
    account signs in again at once); how many records were cleared. A pause of a whole source
    (failures against many accounts) is not lifted: it is about that source, not this user."""
    from axes.models import AccessAttempt

    count, _rows = AccessAttempt.objects.filter(username__iexact=user.username).delete()
    audit_log(
        action=Action.SECURITY,
        actor=by,
        obj=user,
        reason=("sign-in lockout cleared" + (f": {reason.strip()}" if reason.strip() else ""))[
            :500
        ],
    )
    _notify_on_commit(user, "unlocked")
    return int(count)


@transaction.atomic
def account_membership_grant(
    *, user: User, version: int, organisation: Organisation, role: str, by: User
) -> Membership:
    """Assign a role in an organisation from the staff area (versioned)."""
    record = _locked_user(user, version)
    membership = membership_grant(user=record, organisation=organisation, role=role, by=by)
    bump(record)
    return membership


@transaction.atomic
def account_membership_revoke(
    *, user: User, version: int, membership: Membership, by: User
) -> Membership:
    """Take a role away from the staff area (versioned)."""
    record = _locked_user(user, version)
    if membership.user_id != record.pk:
        raise AccountError(_("That role belongs to another account."))
    membership = membership_revoke(membership=membership, by=by)
    bump(record)
    return membership
