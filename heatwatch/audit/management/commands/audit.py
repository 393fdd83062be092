"""``heatwatch audit verify|checkpoint``: check the audit log's hash chain; anchor it outside.

``verify`` prints ``Audit log OK: N entries; head <hash>`` and exits 0, or prints every problem
to stderr and exits 1. It checks the chain against the signed checkpoints of
``HEATWATCH_AUDIT_CHECKPOINT_FILE``. ``checkpoint`` appends one now (a periodic job does it
hourly); ``checkpoint --public-key`` prints the key that checks them (docs/audit.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heatwatch.audit import checkpoints
from heatwatch.audit.selectors import audit_verify
from heatwatch.audit.services import audit_checkpoint


class Command(BaseCommand):
    help = (
        "Audit log tools. `audit verify` checks the tamper-evident hash chain and its signed "
        "checkpoints; `audit checkpoint` writes a checkpoint."
    )
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
        checkpoint = subcommands.add_parser(
            "checkpoint",
            help="Sign the newest entry and append it to HEATWATCH_AUDIT_CHECKPOINT_FILE.",
        )
        checkpoint.add_argument(
            "--public-key",
            action="store_true",
            help="Only print the public key that checks checkpoints (safe to share).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify(quiet=options["quiet"], chunk_size=options["chunk_size"])
        elif options["subcommand"] == "checkpoint":
            self._checkpoint(public_key_only=options["public_key"])

    def _checkpoint(self, *, public_key_only: bool) -> None:
        if public_key_only:
            self.stdout.write(f"ed25519 {checkpoints.public_key_text()} ({checkpoints.key_id()})")
            return
        try:
            checkpoint = audit_checkpoint()
        except checkpoints.CheckpointError as exc:
            raise CommandError(f"No checkpoint written: {exc}", returncode=1) from None
        self.stdout.write(
            f"Checkpoint written to {checkpoints.checkpoint_path()}: {checkpoint.line()}"
        )

    def _verify(self, *, quiet: bool, chunk_size: int) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        result = audit_verify(chunk_size=chunk_size)
        if result.ok:
            if not quiet:
                self.stdout.write(f"Audit log OK: {result.count} entries; head {result.head_hash}")
                if result.checkpoint_seq is not None:
                    self.stdout.write(
                        f"Checked against {result.checkpoints} signed checkpoints (newest: seq "
                        f"{result.checkpoint_seq}); entries after it are not anchored yet."
                    )
                else:
                    self.stderr.write(
                        "Warning: no signed checkpoint to check against, so deleted newest "
                        "entries cannot be detected. Run `heatwatch audit checkpoint`."
                    )
            return
        for problem in result.problems:
            self.stderr.write(problem)
        raise CommandError(
            f"Audit log verification FAILED: {len(result.problems)} problem(s) in "
            f"{result.count} entries. Treat this as a security incident (docs/audit.md).",
            returncode=1,
        )
