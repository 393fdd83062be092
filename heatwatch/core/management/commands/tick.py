"""``heatwatch tick``: enqueue the periodic jobs that are due (for cron, or by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from heatwatch.core.scheduling import jobs, run_due_jobs


class Command(BaseCommand):
    help = "Enqueue due periodic jobs (escalations, alerts, retention). Workers do this too."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="enqueue every job, due or not")
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in jobs():
                self.stdout.write(f"{job.name}  every {job.every}")
            return
        for name in run_due_jobs(force=options["all"]):
            self.stdout.write(f"enqueued {name}")
