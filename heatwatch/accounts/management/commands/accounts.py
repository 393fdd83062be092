"""``heatwatch accounts``: account tasks for administrators at the command line.

``heatwatch accounts enrol-link USER`` issues a one-time, expiring two-factor enrolment link
(e-mailed to the user and printed), so a new installation's first administrator can enrol.
``heatwatch accounts reset-2fa USER --reason TEXT`` removes a user's second factors.
Both are audited like the same actions at /staff/admin/.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from heatwatch.accounts import services
from heatwatch.accounts.models import User


class Command(BaseCommand):
    help = "Account tasks: issue a two-factor enrolment link, reset a user's two-factor."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{enrol-link,reset-2fa}"
        )
        link = actions.add_parser("enrol-link", help="Issue a one-time two-factor enrolment link.")
        link.add_argument("username")
        reset = actions.add_parser("reset-2fa", help="Remove a user's two-factor devices.")
        reset.add_argument("username")
        reset.add_argument("--reason", required=True, help="Why (kept in the audit log).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account with the username {options['username']!r}.")
        try:
            if options["action"] == "enrol-link":
                link, url = services.enrolment_link_issue(user=user, by=None)
                self.stdout.write(url)
                self.stderr.write(
                    f"Works once, until {timezone.localtime(link.expires_at):%Y-%m-%d %H:%M %Z}; "
                    f"also e-mailed to "
                    f"{user.email}. Give it to {user.username} only.",
                    style_func=lambda text: text,
                )
            else:
                services.two_factor_reset(user=user, by=None, reason=options["reason"])
                self.stdout.write(
                    f"Two-factor reset for {user.username}; issue an enrolment link next."
                )
        except services.AccountError as exc:
            raise CommandError(str(exc)) from None
