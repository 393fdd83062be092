"""Background work for cases: the periodic alert sweep (thin: it calls the service)."""

from __future__ import annotations

from django_tasks import task

from heatwatch.cases import services


@task()
def refresh_alerts() -> None:
    """Periodic: raise alerts for cases that went quiet and resolve those that recovered."""
    services.alerts_refresh()
