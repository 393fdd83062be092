"""Synthetic records for the insights tests (bulk rows, never real people)."""

from __future__ import annotations

import random
from datetime import datetime

import pytest
from django.utils import timezone

from heatwatch.insights import synthetic

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


@pytest.fixture
def records(db):
    """About 300 youths over 2023 to mid-2026, tips and trainings."""
    rng = random.Random(16)
    synthetic.youths(rng=rng, count=300, years=[2023, 2024, 2025, 2026], until=NOW)
    synthetic.tips(rng=rng, count=900, years=[2023, 2024, 2025, 2026], until=NOW)
    synthetic.trainings(rng=rng, count=12, years=[2024, 2025, 2026], until=NOW)
    return rng
