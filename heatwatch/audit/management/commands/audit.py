"""``heatwatch audit verify``: check the audit log's hash chain.

Prints ``Audit log OK: N entries; head <hash>`` and exits 0, or prints every problem to stderr
and exits 1. Record the printed head hash somewhere the database's administrators cannot
change it (docs/audit.md, "Anchoring").
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heatwatch.audit.selectors import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` checks the tamper-evident hash chain."
    # Verification must not depend on (or print warnings about) unrelated configuration.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        verify = subcommands.add_parser(
            "verify", help="Recompute every entry's HMAC and check the chain and its head."
        )
        verify.add_argument(
            "--quiet", action="store_true", help="Print nothing when the log is intact."
        )
        verify.add_argument(
            "--chunk-size", type=int, default=2000, help="Rows fetched per database round trip."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify(quiet=options["quiet"], chunk_size=options["chunk_size"])

    def _verify(self, *, quiet: bool, chunk_size: int) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        result = audit_verify(chunk_size=chunk_size)
        if result.ok:
            if not quiet:
                self.stdout.write(f"Audit log OK: {result.count} entries; head {result.head_hash}")
            return
        for problem in result.problems:
            self.stderr.write(problem)
        raise CommandError(
            f"Audit log verification FAILED: {len(result.problems)} problem(s) in "
            f"{result.count} entries. Treat this as a security incident (docs/audit.md).",
            returncode=1,
        )
