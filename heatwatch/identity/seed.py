"""Synthetic identities for the demo and benchmarks: youths recorded by several agencies."""

from __future__ import annotations

import datetime
import random

from heatwatch.identity import services, synth
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import IdentityRecord


def seed_identity(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    """Add ``scale`` × 40 synthetic identity records (once: skipped when records exist)."""
    if IdentityRecord.objects.exists():
        return ["identity: records already present, left as they are"]
    n = max(scale, 1) * 40
    items = []
    for row, cluster in synth.generate(n, seed=rng.randrange(1 << 30)):
        items.append(
            (
                IdentityInput(
                    given_name=row["given_name"],
                    family_name=row["family_name"],
                    aliases=tuple(a for a in row["aliases"].split(";") if a),
                    dob=datetime.date.fromisoformat(row["dob"]) if row["dob"] else None,
                    sex=row["sex"],
                    city=row["city"],
                    postcode=row["postcode"],
                    phone=row["phone"],
                    source=row["source"],
                ),
                # Half of each youth's records are already linked; the rest wait for review.
                f"y{cluster}" if rng.random() < 0.5 else None,
            )
        )
    count = services.identity_records_bulk_create(items=items, by=None)
    return [f"identity: {count} synthetic identity records"]
