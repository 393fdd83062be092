"""Background work for accounts: security notices by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from heatwatch.accounts.mail import render_for
from heatwatch.accounts.models import User

# Notices that carry a link: sent straight from the service, never through a stored task.
_LINK_KINDS = frozenset({"enrolment_link", "invitation"})

_NOTICES: dict[str, tuple[str | Promise, str | Promise]] = {
    "logout_everywhere": (
        _("Your {program} sessions were ended"),
        _(
            "All sessions of your {program} account ({username}) were ended on every device."
            "\n\nIf you did not ask for this, tell your program coordinator straight away."
        ),
    ),
    "locked_out": (
        _("Your {program} account was locked from one place"),
        _(
            "Several wrong passwords were entered for your {program} account ({username}) from "
            "one place, so signing in to it from there is paused for a while (longer each time "
            "it happens). You can still sign in from your usual device.\n\n"
            "If this was not you, tell your program coordinator."
        ),
    ),
    "locked_out_everywhere": (
        _("Your {program} account was locked"),
        _(
            "Wrong passwords were entered for your {program} account ({username}) from many "
            "places, so it is locked everywhere for up to an hour.\n\n"
            "If this was not you, tell your program coordinator straight away."
        ),
    ),
    "deactivated": (
        _("Your {program} account was deactivated"),
        _(
            "An administrator deactivated your {program} account ({username}) and ended its "
            "sessions. If you did not expect this, tell your program coordinator."
        ),
    ),
    "unlocked": (
        _("Your {program} account was unlocked"),
        _(
            "An administrator cleared the failed sign-ins of your {program} account "
            "({username}); you can sign in again now.\n\n"
            "If you did not ask for this, tell your program coordinator."
        ),
    ),
    "invitation": (
        _("You are invited to {program}"),
        _(
            "An administrator of {program} created a staff account for you ({username}).\n\n"
            "Open this link to choose your password and set up an authenticator app on your "
            "phone (two-factor authentication):\n\n{url}\n\n"
            "The link works once and expires in {hours} hours.\n\n"
            "If you did not expect this, tell your program coordinator and do not use it."
        ),
    ),
    "two_factor_enrolled": (
        _("A new authenticator was set up for your {program} account"),
        _(
            "An authenticator app was just set up as the second factor of your {program} "
            "account ({username}). Any earlier one no longer works.\n\n"
            "If this was not you, tell your program coordinator straight away."
        ),
    ),
    "two_factor_disabled": (
        _("Two-factor authentication was turned off for your {program} account"),
        _(
            "Two-factor authentication was turned off for your {program} account ({username}) "
            "after your password and a current code were entered.\n\n"
            "If this was not you, tell your program coordinator straight away."
        ),
    ),
    "two_factor_reset": (
        _("An administrator reset the two-factor authentication of your {program} account"),
        _(
            "An administrator removed the authenticator of your {program} account ({username}) "
            "and ended its sessions. To sign in again you need a new enrolment link from an "
            "administrator.\n\nIf you did not expect this, tell your program coordinator."
        ),
    ),
    "backup_codes": (
        _("New backup codes for your {program} account"),
        _(
            "New backup codes were generated for your {program} account ({username}); the "
            "earlier ones no longer work.\n\n"
            "If this was not you, tell your program coordinator straight away."
        ),
    ),
    "enrolment_link": (
        _("Set up two-factor authentication for your {program} account"),
        _(
            "An administrator of {program} issued a one-time link for your account "
            "({username}) to set up an authenticator app:\n\n{url}\n\n"
            "Open it, sign in with your password and follow the steps. The link works once "
            "and expires in {hours} hours.\n\n"
            "If you did not expect this, tell your program coordinator and do not use it."
        ),
    ),
}


def render_notice(*, user: User, kind: str, **context: object) -> tuple[str, str]:
    """Subject and body of the notice ``kind`` for ``user``, in the user's language."""
    program = settings.HEATWATCH_PROGRAM["name"]
    subject, body = _NOTICES[kind]
    values = {"program": program, "username": user.username, **context}
    return render_for(user, lambda: (str(subject).format(**values), str(body).format(**values)))


@task()
def send_security_notice(*, user_id: int, kind: str) -> None:
    """E-mail a user about a security event on their account. Safe to run twice."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email or kind not in _NOTICES or kind in _LINK_KINDS:
        return
    subject, body = render_notice(user=user, kind=kind)
    send_mail(subject, body, None, [user.email])


@task()
def purge_sign_in_attempts() -> None:
    """Forget failed sign-ins that lockout no longer needs (heatwatch/accounts/lockout.py)."""
    from heatwatch.accounts.lockout import purge_attempts

    purge_attempts()
