"""Background work for identity: the possible-duplicates scan (thin: it calls the service)."""

from __future__ import annotations

from django_tasks import task

from heatwatch.identity import duplicates


@task()
def scan_duplicates() -> None:
    """Periodic: compare the records added or changed since the last run with the register and
    queue the likely pairs for review (incremental, idempotent; a second run at the same time
    does nothing). Refreshes the open-case flag of the waiting pairs too."""
    duplicates.duplicates_scan()
    duplicates.duplicates_refresh_open_cases()
