"""``heatwatch demo``: migrate, load synthetic demo data, serve on 127.0.0.1 with a worker."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from heatwatch.accounts.models import User
from heatwatch.accounts.seed import DEMO_PASSWORD, PARTNER_LOGINS, PERSONAS


class Command(BaseCommand):
    help = "Run the demo: SQLite under var/, synthetic data, web server and task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve", action="store_true", help="prepare the data, then exit (no server)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo never runs with HEATWATCH_ENV=production.")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not User.objects.filter(username=PERSONAS[0][0]).exists():
            self.stdout.write("Loading synthetic demo data…")
            call_command("seed", scale=1, demo=True)
        self._print_logins(options["port"])
        if options["no_serve"]:
            return
        worker = subprocess.Popen([sys.executable, "-m", "heatwatch.cli", "worker"])  # noqa: S603
        try:
            call_command("serve", bind=f"127.0.0.1:{options['port']}", workers=2)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)

    def _print_logins(self, port: int) -> None:
        w = self.stdout.write
        w("")
        w(f"heatwatch demo — {settings.HEATWATCH_PROGRAM['name']} (fictional, synthetic data)")
        w(f"  Public site:  http://127.0.0.1:{port}/   (Spanish: /es/)")
        w(f"  Staff area:   http://127.0.0.1:{port}/staff/")
        w(f"  Password for every demo login: {DEMO_PASSWORD}")
        w("  Logins:")
        for username, _first, _last, org, role in PERSONAS + PARTNER_LOGINS:
            w(f"    {username:<15} {role:<14} {org}")
        w("  Two-factor code for a login (valid 30 s), in another terminal:")
        w("    .venv/bin/heatwatch demo-code coordinator")
        w("")
