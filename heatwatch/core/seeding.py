"""Synthetic data for demos, tests and benchmarks (DESIGN.md §7b).

Each app that owns data has a ``seed.py`` with ``seed_<app label>(*, scale, rng, demo)``; they
run in INSTALLED_APPS order (accounts first), each returns lines for the report and must be
safe to run again.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable

from django.apps import apps
from django.db import transaction

Seeder = Callable[..., list[str]]


def seeders() -> list[Seeder]:
    """Every installed heatwatch app's seeder, in INSTALLED_APPS order."""
    found: list[Seeder] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("heatwatch."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.seed")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.seed":
                raise
            continue
        found.append(getattr(module, f"seed_{config.label}"))
    return found


def run_seed(*, scale: int, seed: int, demo: bool) -> list[str]:
    """Run every app's seeder with one random generator; return the report lines."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    report: list[str] = []
    with transaction.atomic():
        for seeder in seeders():
            report += seeder(scale=scale, rng=rng, demo=demo)
    return report
