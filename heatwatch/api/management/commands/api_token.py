"""``heatwatch api-token``: API tokens for partner hotlines.

``heatwatch api-token create --organisation SLUG --name NAME [--scope tips:submit]`` prints the
new token once (only the token goes to stdout, so it can be piped into a secret store);
``heatwatch api-token revoke PREFIX`` revokes one; ``heatwatch api-token list`` shows them
(prefix, organisation, name, scopes, dates; never the token or its hash). See docs/api.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from heatwatch.accounts.models import Organisation, User
from heatwatch.api import selectors, services
from heatwatch.api.models import Scope

CREATE_NOTE = """\
The line above is the API token for {org} ("{name}", scopes: {scopes}). It is shown only now:
give it to the partner through a secure channel. It is stored only as a hash; if it is lost,
revoke it with `heatwatch api-token revoke {prefix}` and create a new one."""


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


class Command(BaseCommand):
    help = "Manage API tokens of partner hotlines: create, revoke, list."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{create,revoke,list}"
        )
        create = actions.add_parser("create", help="Create a token and print it once.")
        create.add_argument("--organisation", required=True, help="slug of the organisation")
        create.add_argument("--name", required=True, help="what the token is for")
        create.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=Scope.values,
            help="a scope (repeat for several; default tips:submit)",
        )
        create.add_argument("--by", help="username of the administrator, for the audit log")
        revoke = actions.add_parser("revoke", help="Revoke the token with this prefix.")
        revoke.add_argument("prefix", help="the token's prefix, as `list` shows it")
        revoke.add_argument("--by", help="username of the administrator, for the audit log")
        listing = actions.add_parser("list", help="List tokens (never the tokens themselves).")
        listing.add_argument("--organisation", help="only this organisation's (slug)")
        listing.add_argument("--all", action="store_true", help="include revoked tokens")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options)
        elif action == "revoke":
            self._revoke(options)
        else:
            self._list(options)

    def _organisation(self, slug: str) -> Organisation:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise CommandError(f"No organisation with the slug {slug!r}.")
        return organisation

    def _by(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user

    def _create(self, options: dict[str, Any]) -> None:
        organisation = self._organisation(options["organisation"])
        try:
            token, plaintext = services.api_token_create(
                organisation=organisation,
                name=options["name"],
                scopes=options["scopes"] or [Scope.TIPS_SUBMIT],
                by=self._by(options["by"]),
            )
        except services.ApiTokenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(plaintext)
        self.stderr.write(
            CREATE_NOTE.format(
                org=organisation.name,
                name=token.name,
                scopes=", ".join(token.scopes),
                prefix=token.prefix,
            ),
            style_func=lambda text: text,
        )

    def _revoke(self, options: dict[str, Any]) -> None:
        token = selectors.api_token_by_prefix(prefix=options["prefix"])
        if token is None:
            raise CommandError(f"No token with the prefix {options['prefix']!r}.")
        try:
            services.api_token_revoke(token=token, by=self._by(options["by"]))
        except services.ApiTokenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Revoked {token.prefix} ({token.name}, {token.organisation.name}).")

    def _list(self, options: dict[str, Any]) -> None:
        organisation = (
            self._organisation(options["organisation"]) if options["organisation"] else None
        )
        tokens = selectors.api_tokens(organisation=organisation, include_revoked=options["all"])
        rows = [("PREFIX", "ORGANISATION", "NAME", "SCOPES", "CREATED", "LAST USED", "REVOKED")]
        for t in tokens:
            rows.append(
                (
                    t.prefix,
                    t.organisation.slug,
                    t.name,
                    ",".join(t.scopes),
                    _when(t.created_at),
                    _when(t.last_used_at) if t.last_used_at else "never",
                    _when(t.revoked_at) if t.revoked_at else "",
                )
            )
        if len(rows) == 1:
            self.stdout.write("No tokens.")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )
