"""Background work for the insights app (thin: call a service)."""

from __future__ import annotations

from django_tasks import task

from heatwatch.insights import services


@task()
def refresh() -> None:
    """Prepare a draft snapshot (daily, and when a coordinator asks for one). Idempotent in
    effect: a second run makes another draft, which nobody has to publish."""
    services.snapshot_prepare()
