"""Synthetic data for demos, tests and benchmarks (DESIGN.md §7b).

Each app that owns data contributes a ``seed_<app>(*, scale, rng, demo)`` function listed in
SEEDERS, called in order; each returns lines for the report and must be safe to run again.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import transaction

from heatwatch.accounts.seed import seed_accounts

Seeder = Callable[..., list[str]]
SEEDERS: list[Seeder] = [seed_accounts]


def run_seed(*, scale: int, seed: int, demo: bool) -> list[str]:
    """Run every app's seeder with one random generator; return the report lines."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    report: list[str] = []
    with transaction.atomic():
        for seeder in SEEDERS:
            report += seeder(scale=scale, rng=rng, demo=demo)
    return report
