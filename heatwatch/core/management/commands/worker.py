"""``heatwatch worker``: run background tasks and enqueue periodic jobs when due."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from heatwatch.core.scheduling import run_due_jobs

log = logging.getLogger(__name__)


def _scheduler(stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        try:
            run_due_jobs()
        except Exception:  # keep ticking; the next tick retries
            log.exception("periodic job scheduling failed")
        finally:
            close_old_connections()


class Command(BaseCommand):
    help = "Run the background task worker until stopped (SIGTERM stops it cleanly)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not enqueue periodic jobs"
        )
        parser.add_argument("--tick-seconds", type=float, default=30.0)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"]:
            call_command(
                "db_worker", "--no-reload", "--queue-name", "*", "--batch", "--no-startup-delay"
            )
            return
        stop = threading.Event()
        if not options["no_scheduler"]:
            threading.Thread(
                target=_scheduler, args=(stop, options["tick_seconds"]), daemon=True
            ).start()
        try:
            call_command("db_worker", "--no-reload", "--queue-name", "*")
        finally:
            stop.set()
