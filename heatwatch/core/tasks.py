"""Housekeeping tasks of the core app."""

from __future__ import annotations

from django_tasks import task

from heatwatch.core import ratelimit


@task()
def prune_rate_limits() -> None:
    """Forget rate-limit counters older than two days."""
    ratelimit.prune()
