"""Writes of the insights app: preparing, publishing and discarding snapshots.

A refresh (:func:`snapshot_prepare`, run by the scheduled task ``insights.refresh`` and by
``heatwatch insights refresh``) computes the counts, copies the frozen closed years from the
latest published snapshot, chooses the suppression pattern jointly with every snapshot ever
published (heatwatch.insights.disclosure), runs the attacker test and renders the charts: a
draft. A coordinator publishes it (:func:`snapshot_publish`), which re-runs the attacker test
over everything published plus the draft and refuses when it fails. See docs/insights.md.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.insights import aggregation, disclosure
from heatwatch.insights.models import Snapshot, SnapshotCell, SnapshotChart, SnapshotStatus
from heatwatch.lib.versioning import StaleEdit

#: How many years the page covers (the year in progress and the closed years before it).
YEARS_SHOWN = 10


class InsightsError(Exception):
    """A snapshot action that cannot be done; the message is safe to show."""


class StaleSnapshot(InsightsError, StaleEdit):
    pass


def _var_id(cell: SnapshotCell | aggregation.CellSpec, snapshot_id: int, frozen: bool) -> str:
    return cell.key if frozen else f"{cell.key}@{snapshot_id}"


def build_problem(
    *, published: list[Snapshot], draft: Snapshot | None, draft_cells: list[SnapshotCell]
) -> disclosure.Problem:
    """What the public has seen (every snapshot in ``published``, oldest first, with its
    cells' states) plus the draft's cells (not saved yet) as open variables, as a disclosure
    problem. The draft's copies of frozen cells are the published variables themselves."""
    vars_: dict[str, disclosure.Var] = {}
    relations: set[tuple[str, tuple[str, ...], str]] = set()
    instances: dict[str, list[str]] = defaultdict(list)  # key -> variable ids, oldest first
    cheaper: set[str] = set()
    last_state: dict[str, bool] = {}

    def add(snapshot_id: int, cells: list[SnapshotCell], *, open_new: bool) -> None:
        ids = {c.key: _var_id(c, snapshot_id, c.frozen) for c in cells}
        groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for c in cells:
            vid = ids[c.key]
            if vid not in vars_:
                state = (
                    disclosure.OPEN
                    if open_new
                    else (disclosure.PUBLISHED if c.published else disclosure.SUPPRESSED)
                )
                vars_[vid] = disclosure.Var(vid, c.value, state)
                if open_new and last_state.get(c.key) is False:
                    cheaper.add(vid)
            if vid not in instances[c.key]:
                instances[c.key].append(vid)
            if c.total_key and c.relation:
                groups[(c.table, c.total_key, c.relation)].append(vid)
        for (_table, total, kind), parts in groups.items():
            if total in ids:
                relations.add((ids[total], tuple(sorted(parts)), kind))
        for c in cells:
            last_state[c.key] = c.published

    by_snapshot: dict[int, list[SnapshotCell]] = defaultdict(list)
    if published:
        for cell in SnapshotCell.objects.filter(snapshot__in=published).order_by("pk"):
            by_snapshot[cell.snapshot_id].append(cell)
    for snap in published:
        add(snap.pk, by_snapshot[snap.pk], open_new=False)
    if draft is not None:
        # Copies of frozen cells are the published variables themselves; the rest is open.
        add(draft.pk, draft_cells, open_new=True)
    pairs: list[tuple[str, str]] = []
    for ids in instances.values():
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                pairs.append((ids[i], ids[j]))
    return disclosure.Problem(
        vars=vars_,
        relations=[disclosure.Relation(t, p, k) for t, p, k in sorted(relations)],
        pairs=pairs,
        cheaper=frozenset(cheaper),
    )


def _published() -> list[Snapshot]:
    return list(
        Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED).order_by("published_at", "pk")
    )


def _report(
    problem: disclosure.Problem, report: disclosure.Report | None = None
) -> tuple[bool, dict[str, Any]]:
    if report is None:
        report = disclosure.attack(problem)
    failures = disclosure.check(problem, report)
    widths = [iv.high - iv.low for iv in report.cells.values()]
    small = [(iv.low, iv.high) for iv in report.cells.values() if disclosure.is_small(iv.true)]
    return not failures, {
        "checked_at": timezone.now().isoformat(),
        "variables": len(problem.vars),
        "relations": len(problem.relations),
        "pairs": len(problem.pairs),
        "suppressed": len(report.cells),
        "small_suppressed": len(small),
        "narrowest_interval": min(widths) if widths else None,
        "failures": [asdict(f) for f in failures[:50]],
        "rule": f"published counts are 0 or >= {disclosure.K}; every suppressed small count "
        f"and every small change between snapshots can be 0 and can be >= {disclosure.K}; "
        "no suppressed count is pinned",
    }


@transaction.atomic
def snapshot_prepare(*, now: datetime | None = None, by: User | None = None) -> Snapshot:
    """Compute a new draft snapshot from the records (the scheduled refresh)."""
    started = time.monotonic()
    now = now or timezone.now()
    year = timezone.localtime(now).year
    published = _published()
    latest = published[-1] if published else None
    frozen_cells: list[SnapshotCell] = []
    frozen_years: set[int] = set()
    if latest is not None:
        frozen_cells = list(latest.cells.filter(frozen=True, year__gte=year - YEARS_SHOWN + 1))
        frozen_years = {c.year for c in frozen_cells}
    years = list(range(year - YEARS_SHOWN + 1, year + 1))
    to_freeze = {y for y in years[:-1] if y not in frozen_years}
    counts = aggregation.collect(as_of=now, closed_years=to_freeze, years=years)
    # Drop the early years without any data, so an installation's page starts with its first.
    active = [c.year for c in counts.cells if c.value and c.year not in frozen_years] + sorted(
        frozen_years
    )
    first_year = min(active) if active else year
    snapshot = Snapshot.objects.create(
        as_of=now,
        year=year,
        inputs={**counts.inputs, "based_on": latest.pk if latest else None},
    )
    cells: list[SnapshotCell] = []
    position = 0
    for c in frozen_cells:
        position += 1
        cells.append(
            SnapshotCell(
                snapshot=snapshot,
                key=c.key,
                table=c.table,
                year=c.year,
                category=c.category,
                label=c.label,
                value=c.value,
                published=c.published,
                frozen=True,
                total_key=c.total_key,
                relation=c.relation,
                position=c.position,
            )
        )
    for spec in counts.cells:
        if spec.year < first_year or spec.year in frozen_years:
            continue
        position += 1
        cells.append(
            SnapshotCell(
                snapshot=snapshot,
                key=spec.key,
                table=spec.table,
                year=spec.year,
                category=spec.category,
                label=spec.label,
                value=spec.value,
                frozen=spec.year < year,
                total_key=spec.total_key,
                relation=spec.relation,
                position=10_000 + position,
            )
        )
    problem = build_problem(published=published, draft=snapshot, draft_cells=cells)
    try:
        outcome = disclosure.protect(problem)
    except disclosure.DisclosureError as exc:
        raise InsightsError(_("The figures cannot be protected: %(why)s") % {"why": exc}) from exc
    for cell in cells:
        vid = _var_id(cell, snapshot.pk, cell.frozen)
        if problem.vars[vid].state == disclosure.OPEN:
            cell.published = vid not in outcome.suppressed
    SnapshotCell.objects.bulk_create(cells, batch_size=1000)
    decided = disclosure.decided(problem, outcome)
    passed, report = _report(decided, outcome.report)
    snapshot.attacker = report
    snapshot.attacker_passed = passed
    snapshot.suppressed = sum(1 for c in cells if not c.published)
    snapshot.primary = sum(1 for c in cells if not c.published and disclosure.is_small(c.value))
    from heatwatch.insights import charts

    for language, _name in settings.LANGUAGES:
        for table, svg in charts.render_all(snapshot=snapshot, cells=cells, language=language):
            SnapshotChart.objects.create(snapshot=snapshot, table=table, language=language, svg=svg)
    snapshot.seconds = time.monotonic() - started
    snapshot.save()
    audit_log(action=Action.CREATE, actor=by, obj=snapshot, reason="insights snapshot prepared")
    if passed and settings.HEATWATCH_INSIGHTS_AUTO_PUBLISH:
        _publish(snapshot=snapshot, by=None)
    return snapshot


def _publish(*, snapshot: Snapshot, by: User | None) -> Snapshot:
    published = [s for s in _published() if s.pk != snapshot.pk]
    based_on = snapshot.inputs.get("based_on")
    latest = published[-1].pk if published else None
    if based_on != latest:
        raise InsightsError(
            _("Another snapshot was published after this draft was prepared. Prepare a new one.")
        )
    # The draft as if published, with everything published before.
    with_draft = build_problem(published=[*published, snapshot], draft=None, draft_cells=[])
    passed, report = _report(with_draft)
    snapshot.attacker = report
    snapshot.attacker_passed = passed
    if not passed:
        snapshot.save(update_fields=["attacker", "attacker_passed", "updated_at"])
        raise InsightsError(_("The attacker test failed on this draft; it cannot be published."))
    snapshot.status = SnapshotStatus.PUBLISHED
    snapshot.published_at = timezone.now()
    snapshot.published_by = by
    snapshot.version += 1
    snapshot.save()
    audit_log(
        action=Action.UPDATE,
        actor=by,
        obj=snapshot,
        fields=["status"],
        reason="insights snapshot published (attacker test passed)",
    )
    return snapshot


@transaction.atomic
def snapshot_publish(*, snapshot_id: int, version: int | None, by: User | None) -> Snapshot:
    """Publish a draft after the attacker test passes on it together with every snapshot
    published before (the coordinator's action; audited)."""
    # One publication at a time: lock every snapshot row that decides what was published.
    list(Snapshot.objects.select_for_update().filter(status=SnapshotStatus.PUBLISHED))
    snapshot = Snapshot.objects.select_for_update().filter(pk=snapshot_id).first()
    if snapshot is None:
        raise InsightsError(_("There is no such snapshot."))
    if version is not None and snapshot.version != version:
        raise StaleSnapshot(_("This snapshot changed since you opened it. Look again."))
    if snapshot.status != SnapshotStatus.DRAFT:
        raise InsightsError(_("Only a draft can be published."))
    return _publish(snapshot=snapshot, by=by)


@transaction.atomic
def snapshot_discard(*, snapshot_id: int, version: int | None, by: User) -> Snapshot:
    """Set a draft aside (kept, never published)."""
    snapshot = Snapshot.objects.select_for_update().filter(pk=snapshot_id).first()
    if snapshot is None:
        raise InsightsError(_("There is no such snapshot."))
    if version is not None and snapshot.version != version:
        raise StaleSnapshot(_("This snapshot changed since you opened it. Look again."))
    if snapshot.status != SnapshotStatus.DRAFT:
        raise InsightsError(_("Only a draft can be discarded."))
    snapshot.status = SnapshotStatus.DISCARDED
    snapshot.version += 1
    snapshot.save()
    audit_log(action=Action.UPDATE, actor=by, obj=snapshot, fields=["status"], reason="discarded")
    return snapshot


def attacker_test_all() -> tuple[bool, dict[str, Any]]:
    """The attacker test over every snapshot ever published (CI, ``heatwatch insights
    attack``)."""
    return _report(build_problem(published=_published(), draft=None, draft_cells=[]))
