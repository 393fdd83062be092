"""The demo data: quarterly coalition dates, weekly webinars, an outreach event with a
waitlist and a held place, past events with check-ins, a training request; twice is once."""

from __future__ import annotations

import random

import pytest

from heatwatch.events.models import Event, EventSeries, Registration, TrainingRequest
from heatwatch.events.seed import seed_events

pytestmark = pytest.mark.django_db


def test_the_seed_makes_every_kind_of_record_and_is_safe_to_run_twice(personas):
    lines = seed_events(scale=1, rng=random.Random(3), demo=True)  # noqa: S311
    assert "quarterly" in lines[0]
    assert EventSeries.objects.count() == 2
    assert Event.objects.filter(kind="coalition", series__isnull=False).count() == 4
    assert Registration.objects.filter(status="offered").count() == 1
    assert Registration.objects.filter(status="waitlisted").exists()
    assert Registration.objects.filter(checked_in_at__isnull=False).exists()
    assert TrainingRequest.objects.count() == 1
    count = Event.objects.count()
    assert seed_events(scale=1, rng=random.Random(3), demo=True) == ["Events: already present"]  # noqa: S311
    assert Event.objects.count() == count
