"""Periodic jobs: escalations, alerts, retention purges.

Apps register jobs in their ``AppConfig.ready()`` with ``register(name, every=..., task=...)``.
``run_due_jobs()`` enqueues every job whose interval has passed; it is called by a thread in
every ``heatwatch worker`` (each minute) and by ``heatwatch tick`` (for cron or tests). A row
lock per job in ``PeriodicJob`` means that however many workers run, a job is enqueued once
per interval. Jobs must be idempotent anyway: a task can run twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from heatwatch.core.models import PeriodicJob


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    task: Any  # a django_tasks Task taking no arguments


_JOBS: dict[str, Job] = {}


def register(name: str, *, every: timedelta, task: Any) -> None:
    """Declare a periodic job (idempotent; the last registration wins)."""
    _JOBS[name] = Job(name=name, every=every, task=task)


def jobs() -> list[Job]:
    """All registered jobs, by name."""
    return [_JOBS[name] for name in sorted(_JOBS)]


def run_due_jobs(*, now: datetime | None = None, force: bool = False) -> list[str]:
    """Enqueue each job that is due (or every job with ``force``); return their names."""
    now = now or timezone.now()
    enqueued: list[str] = []
    for job in jobs():
        PeriodicJob.objects.get_or_create(name=job.name)
        with transaction.atomic():
            row = (
                PeriodicJob.objects.select_for_update(skip_locked=True)
                .filter(name=job.name)
                .first()
            )
            if row is None:
                continue  # another worker is enqueueing it right now
            if not force and row.last_enqueued_at and row.last_enqueued_at + job.every > now:
                continue
            row.last_enqueued_at = now
            row.save(update_fields=["last_enqueued_at", "updated_at"])
            transaction.on_commit(job.task.enqueue)
        enqueued.append(job.name)
    return enqueued
