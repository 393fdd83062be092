"""Demo data for the data page: one published snapshot of whatever the other seeders made."""

from __future__ import annotations

import random

from heatwatch.insights import services
from heatwatch.insights.models import Snapshot, SnapshotStatus


def seed_insights(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    """Prepare and publish a snapshot (once), so a newcomer sees a filled data page."""
    del scale, rng, demo
    if Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED).exists():
        return ["Insights: a snapshot is already published"]
    snap = services.snapshot_prepare()
    if not snap.attacker_passed:
        return [f"Insights: draft {snap.pk} did not pass the attacker test; not published"]
    services.snapshot_publish(snapshot_id=snap.pk, version=None, by=None)
    return [f"Insights: snapshot {snap.pk} published ({snap.suppressed} cells suppressed)"]
