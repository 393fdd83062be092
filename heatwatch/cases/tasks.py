"""Background work for cases: the periodic alert sweep (thin: it calls the service)."""

from __future__ import annotations

from django_tasks import task

from heatwatch.cases import services


@task()
def refresh_alerts() -> None:
    """Periodic: raise alerts for cases that went quiet and resolve those that recovered, then
    e-mail new alerts to the care team and escalate unacknowledged ones to the coordinators
    (a failed e-mail is logged and retried at the next run)."""
    services.alerts_refresh()
    services.alerts_notify()


@task()
def notify_break_glass(*, grant_id: int) -> None:
    """E-mail every coordinator, each in their language, that a break-glass read happened:
    the case reference, who, until when and the review page; never the reason (it may name
    people). Safe to run twice (at worst, twice)."""
    services.break_glass_notify(grant_id=grant_id)
