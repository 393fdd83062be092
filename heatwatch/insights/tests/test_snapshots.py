"""Preparing and publishing snapshots: the counts, the suppression pattern, the attacker test
over every published snapshot (including differencing two of them)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from heatwatch.insights import disclosure, services, synthetic
from heatwatch.insights.models import Snapshot, SnapshotCell, SnapshotStatus
from heatwatch.insights.tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_draft_meets_the_rule_and_passes_the_attacker_test(records):
    snap = services.snapshot_prepare(now=NOW)
    assert snap.status == SnapshotStatus.DRAFT
    assert snap.attacker_passed, snap.attacker
    cells = list(snap.cells.all())
    assert all(c.value == 0 or c.value >= 11 for c in cells if c.published)
    assert any(not c.published for c in cells)  # the data has small cells
    youth_2025 = next(c for c in cells if c.key == "youth.total.2025")
    ages = [c for c in cells if c.table == "youth.age" and c.year == 2025]
    assert sum(c.value for c in ages) == youth_2025.value
    # The year in progress shows only its totals.
    assert {c.table for c in cells if c.year == 2026} == {"youth", "tips", "trainings", "trained"}
    assert snap.inputs["cases"] == 300


def test_publish_then_refresh_keeps_closed_years_frozen(records):
    first = services.snapshot_publish(
        snapshot_id=services.snapshot_prepare(now=NOW).pk, version=None, by=None
    )
    rng = random.Random(3)
    later = NOW + timedelta(days=30)
    # New youths this year and (late-recorded) in a closed year: the closed year stays frozen.
    synthetic.youths(rng=rng, count=25, years=[2026, 2025], until=later)
    second = services.snapshot_prepare(now=later)
    assert second.attacker_passed, second.attacker
    old = {c.key: c for c in first.cells.all()}
    new = {c.key: c for c in second.cells.all()}
    for key, cell in old.items():
        if cell.frozen:
            assert (new[key].value, new[key].published) == (cell.value, cell.published)
    services.snapshot_publish(snapshot_id=second.pk, version=None, by=None)
    ok, report = services.attacker_test_all()
    assert ok, report
    assert report["pairs"] > 0


def test_small_change_of_the_year_in_progress_is_not_published(records):
    services.snapshot_publish(
        snapshot_id=services.snapshot_prepare(now=NOW).pk, version=None, by=None
    )
    first_total = SnapshotCell.objects.get(
        snapshot__status=SnapshotStatus.PUBLISHED, key="youth.total.2026"
    )
    later = NOW + timedelta(days=7)
    synthetic.youths(rng=random.Random(5), count=3, years=[2026], until=later)
    second = services.snapshot_prepare(now=later)
    total = second.cells.get(key="youth.total.2026")
    assert total.value - first_total.value == 3
    # Publishing 3 more youths than last time would tell that 3 were identified in a week.
    assert first_total.published and not total.published
    assert second.attacker_passed, second.attacker


def test_attacker_test_fails_on_primary_only_suppression(records):
    snap = services.snapshot_prepare(now=NOW)
    problem = services.build_problem(published=[], draft=snap, draft_cells=list(snap.cells.all()))
    naive = disclosure.primary_only(problem)
    failures = disclosure.check(naive, disclosure.attack(naive))
    assert any(f.kind in {"small_cell", "pinned"} for f in failures)


def test_publishing_refuses_a_draft_that_fails_the_attacker_test(records):
    snap = services.snapshot_prepare(now=NOW)
    # Tamper: publish one suppressed small cell's complement, as if chosen badly.
    small = snap.cells.filter(published=False).exclude(value=0).first()
    SnapshotCell.objects.filter(pk=small.pk).update(published=True)
    with pytest.raises(services.InsightsError):
        services.snapshot_publish(snapshot_id=snap.pk, version=None, by=None)
    snap.refresh_from_db()
    assert snap.status == SnapshotStatus.DRAFT


def test_a_draft_prepared_before_another_publication_is_refused(records):
    a = services.snapshot_prepare(now=NOW)
    b = services.snapshot_prepare(now=NOW + timedelta(hours=1))
    services.snapshot_publish(snapshot_id=a.pk, version=None, by=None)
    with pytest.raises(services.InsightsError):
        services.snapshot_publish(snapshot_id=b.pk, version=None, by=None)
    assert Snapshot.objects.get(pk=b.pk).status == SnapshotStatus.DRAFT


def test_refresh_is_a_daily_scheduled_job():
    from heatwatch.core import scheduling

    job = next(j for j in scheduling.jobs() if j.name == "insights.refresh")
    assert job.every == timedelta(days=1)


def test_command_refresh_publish_and_attack(records):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("insights", "refresh", "--publish", stdout=out)
    assert "attacker test passed" in out.getvalue() and "published" in out.getvalue()
    out = io.StringIO()
    call_command("insights", "attack", stdout=out)
    assert '"failures": []' in out.getvalue()


def test_seed_publishes_one_snapshot_once(records):
    from heatwatch.insights.seed import seed_insights

    first = seed_insights(scale=1, rng=random.Random(1), demo=True)
    assert "published" in first[0]
    assert Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED).count() == 1
    assert seed_insights(scale=1, rng=random.Random(1), demo=True) == [
        "Insights: a snapshot is already published"
    ]


def test_a_year_closing_between_two_snapshots_is_protected_against_differencing(records):
    from datetime import datetime

    from django.utils import timezone

    tz = timezone.get_fixed_timezone(0)
    december = datetime(2025, 12, 20, tzinfo=tz)
    january = datetime(2026, 1, 5, tzinfo=tz)
    first = services.snapshot_prepare(now=december)
    services.snapshot_publish(snapshot_id=first.pk, version=None, by=None)
    # Youths identified in the last days of 2025 (recorded after the December snapshot).
    synthetic.youths(
        rng=random.Random(9), count=4, years=[2025], until=datetime(2025, 12, 31, tzinfo=tz)
    )
    second = services.snapshot_prepare(now=january)
    assert second.attacker_passed, second.attacker
    in_progress = first.cells.get(key="youth.total.2025")
    frozen = second.cells.get(key="youth.total.2025")
    assert not in_progress.frozen and frozen.frozen
    assert second.cells.filter(table="youth.age", year=2025).exists()
    services.snapshot_publish(snapshot_id=second.pk, version=None, by=None)
    ok, report = services.attacker_test_all()
    assert ok, report["failures"]
