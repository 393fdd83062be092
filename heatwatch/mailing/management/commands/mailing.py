"""``heatwatch mailing bounces|import|export``: the mailing list from the command line.

    heatwatch mailing bounces FILE [--trust-unsigned]
    heatwatch mailing import FILE.csv --consent "where the consent comes from" [--dry-run]
    heatwatch mailing export OUT.csv [--status confirmed ...]

``bounces`` reads an mbox file or a Maildir directory of bounce messages (docs/mailing.md,
"Bounces") and prints what it recorded; a message it refuses (a forged VERP token, too big) is
named by its number and line, or its Maildir file, and the command exits 1. ``import`` is all
or nothing: every bad line is reported by number and nothing is imported (exit 1); it never
mails anyone. ``export`` writes formula-safe CSV (``-`` for standard output) and is audited.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heatwatch.mailing import bounces, csvio
from heatwatch.mailing.models import SubscriberStatus


class Command(BaseCommand):
    help = "Mailing list: read bounces, import or export subscribers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        p = sub.add_parser("bounces", help="read bounce messages from an mbox file or a Maildir")
        p.add_argument("path", type=Path)
        p.add_argument(
            "--trust-unsigned",
            action="store_true",
            help="also count bounces without a VERP token, by the address they name "
            "(mail sent before VERP was on; such bounces could be forged)",
        )
        p = sub.add_parser("import", help="add subscribers from CSV (never mails anyone)")
        p.add_argument("path", type=Path)
        p.add_argument("--consent", required=True, help="where these people's consent comes from")
        p.add_argument("--dry-run", action="store_true", help="check the file, change nothing")
        p = sub.add_parser("export", help="write subscribers as CSV")
        p.add_argument("output", help="file to write, or - for standard output")
        p.add_argument(
            "--status",
            action="append",
            choices=SubscriberStatus.values,
            help="statuses to export (repeatable; default: confirmed)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "bounces":
            self._bounces(options["path"], trust_unsigned=options["trust_unsigned"])
        elif action == "import":
            self._import(options["path"], consent=options["consent"], dry_run=options["dry_run"])
        else:
            self._export(options["output"], statuses=options["status"] or ["confirmed"])

    def _bounces(self, path: Path, *, trust_unsigned: bool) -> None:
        if not path.exists():
            raise CommandError(f"{path}: no such file or directory")
        try:
            report = bounces.ingest(path, trust_unsigned=trust_unsigned)
        except bounces.BounceFileError as exc:
            raise CommandError(str(exc)) from None
        for line in report.ignored:
            self.stdout.write(f"ignored: {line}")
        for line in report.refused:
            self.stderr.write(f"refused: {line}")
        self.stdout.write(
            f"{report.read} messages read: {report.hard} hard and {report.soft} soft bounces "
            f"recorded, {report.suppressed} addresses suppressed, {report.duplicates} already "
            f"read before, {len(report.ignored)} ignored, {len(report.refused)} refused"
        )
        if report.refused:
            sys.exit(1)

    def _import(self, path: Path, *, consent: str, dry_run: bool) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        report = csvio.subscribers_import(data=data, consent_note=consent, by=None, dry_run=dry_run)
        for error in report.errors:
            self.stderr.write(f"{path}: {error}")
        if report.errors:
            self.stderr.write("nothing was imported")
            sys.exit(1)
        verb = "would add" if dry_run else "added"
        self.stdout.write(
            f"{report.rows} rows: {verb} {report.added}; {report.already} already on the list "
            f"left as they are ({report.kept_out} unsubscribed or suppressed, not re-subscribed)"
        )

    def _export(self, output: str, *, statuses: list[str]) -> None:
        if output == "-":
            count = csvio.subscribers_export(out=self.stdout, by=None, statuses=statuses)
        else:
            try:
                with open(output, "w", encoding="utf-8", newline="") as handle:
                    count = csvio.subscribers_export(out=handle, by=None, statuses=statuses)
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from None
            self.stdout.write(f"{count} subscribers written to {output}")
