"""``heatwatch keys``: manage the field encryption keys.

``heatwatch keys generate`` prints a new HEATWATCH_FIELD_KEYS entry; ``heatwatch keys rotate``
re-encrypts stored values with the primary (first) key. See heatwatch/lib/keys.py for the
rotation procedure.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heatwatch.lib import crypto
from heatwatch.lib.keys import rotate_field_keys

GENERATE_HELP = """\
The line above is a new field encryption key entry. To rotate to it:
  1. Prepend it to HEATWATCH_FIELD_KEYS (comma-separated, new entry first), keeping the old
     entries, and restart every heatwatch process (web and workers).
  2. Run `heatwatch keys rotate` to re-encrypt stored values with the new key.
  3. Keep the old entries: rotation re-encrypts the fields, but not session data (up to 12
     hours) nor the sealed reasons of the append-only audit log (deletion reasons, intake
     lookups), which only the old key can read (docs/encryption.md).
Store the key like any other secret: never in the repository, a ticket or a chat message."""


class Command(BaseCommand):
    help = "Manage field encryption keys: generate a new key entry, or re-encrypt (rotate)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{generate,rotate}")
        actions.add_parser(
            "generate",
            help="Print a new 'id:key' entry for HEATWATCH_FIELD_KEYS.",
        )
        rotate = actions.add_parser(
            "rotate",
            help="Re-encrypt with the primary key every value encrypted with an older key.",
        )
        rotate.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Rows per transaction (default 500).",
        )
        rotate.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count the values that would be re-encrypted.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "generate":
            self._generate()
        else:
            self._rotate(batch_size=options["batch_size"], dry_run=options["dry_run"])

    def _generate(self) -> None:
        try:
            existing = crypto.get_keyring().key_ids
        except crypto.ConfigurationError:
            existing = ()  # a broken configuration is a reason to generate a key, not to stop
        # Only the entry goes to stdout, so `heatwatch keys generate > file` captures just it.
        self.stdout.write(crypto.generate_key_entry(existing_ids=existing))
        self.stderr.write(GENERATE_HELP, style_func=lambda text: text)

    def _rotate(self, *, batch_size: int, dry_run: bool) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            crypto.check_keys()
            report = rotate_field_keys(batch_size=batch_size, stdout=self.stdout, dry_run=dry_run)
        except crypto.ConfigurationError as exc:
            raise CommandError(f"Key configuration error: {exc}") from None
        except crypto.DecryptionError as exc:
            raise CommandError(f"Rotation stopped: {exc}") from None
        if not report.models:
            self.stdout.write("No installed model has encrypted fields.")
            return
        if dry_run:
            summary = (
                f"Dry run: {report.reencrypted} of {report.scanned} values would be "
                f"re-encrypted with key {report.primary_key_id!r}."
            )
        else:
            summary = (
                f"Done: {report.reencrypted} of {report.scanned} values re-encrypted with key "
                f"{report.primary_key_id!r}."
            )
        if report.changed_meanwhile:
            summary += f" {report.changed_meanwhile} values changed during rotation; run it again."
        self.stdout.write(self.style.SUCCESS(summary))
