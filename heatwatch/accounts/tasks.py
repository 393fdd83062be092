"""Background work for accounts: security notices by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from heatwatch.accounts.models import User

_NOTICES = {
    "logout_everywhere": (
        "Your {program} sessions were ended",
        "All sessions of your {program} account ({username}) were ended on every device.\n\n"
        "If you did not ask for this, tell your program coordinator straight away.",
    ),
    "locked_out": (
        "Your {program} account was locked",
        "Several wrong passwords were entered for your {program} account ({username}), so it "
        "is locked for a few minutes.\n\nIf this was not you, tell your program coordinator.",
    ),
}


@task()
def send_security_notice(*, user_id: int, kind: str) -> None:
    """E-mail a user about a security event on their account. Safe to run twice."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email or kind not in _NOTICES:
        return
    program = settings.HEATWATCH_PROGRAM["name"]
    subject, body = _NOTICES[kind]
    send_mail(
        subject.format(program=program),
        body.format(program=program, username=user.username),
        None,
        [user.email],
    )
