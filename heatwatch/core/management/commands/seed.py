"""``heatwatch seed --scale N``: fill the database with synthetic data (never real people)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from heatwatch.core.seeding import run_seed


class Command(BaseCommand):
    help = "Create synthetic organisations, users and records for demos and benchmarks."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", type=int, default=1, help="how much data (1 = a county)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (repeatable)")
        parser.add_argument(
            "--demo",
            action="store_true",
            help="also create the demo logins with a known password and TOTP devices",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] < 1:
            raise CommandError("--scale must be 1 or more")
        if options["demo"] and settings.PRODUCTION:
            raise CommandError("Demo logins are never created in production.")
        report = run_seed(scale=options["scale"], seed=options["seed"], demo=options["demo"])
        for line in report:
            self.stdout.write(line)
