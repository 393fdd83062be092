"""The insights API, mounted at ``/api/insights`` by heatwatch/api/api.py; see docs/api.md.

Public and read-only: the latest *published* snapshot's figures, exactly what the data page
shows (suppressed counts are ``null`` with ``suppressed: true``). Nothing here reads a record.
"""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from heatwatch.api.errors import errors
from heatwatch.insights import selectors, tables

router = Router(tags=["insights"])


class FigureOut(Schema):
    column: str
    value: int | None
    suppressed: bool
    percent: float | None


class RowOut(Schema):
    category: str
    label: str
    figures: list[FigureOut]


class TableOut(Schema):
    name: str
    title: str
    rows: list[RowOut]
    totals: list[FigureOut]


class SnapshotOut(Schema):
    id: int | None
    as_of: datetime | None
    published_at: datetime | None
    note: str
    threshold: int
    tables: list[TableOut]


NOTE = (
    "Figures change as records are updated. Closed years are frozen when first published; the "
    "year in progress shows only its totals. Counts from 1 to 10, and counts that would reveal "
    "them, are suppressed (value null)."
)


def _table(t: selectors.DisplayTable) -> TableOut:
    def figures(cells: list[selectors.Shown]) -> list[FigureOut]:
        return [
            FigureOut(column=col, value=s.value, suppressed=s.suppressed, percent=s.percent)
            for col, s in zip(t.columns, cells, strict=True)
        ]

    return TableOut(
        name=t.name,
        title=t.title,
        rows=[RowOut(category=r.category, label=r.label, figures=figures(r.cells)) for r in t.rows],
        totals=figures(t.totals) if t.totals else [],
    )


def _snapshot() -> tuple[SnapshotOut, list[selectors.DisplayTable]]:
    snapshot = selectors.latest_published()
    if snapshot is None:
        # Before the first publication: no figures, and no snapshot to name.
        return SnapshotOut(
            id=None, as_of=None, published_at=None, note=NOTE, threshold=11, tables=[]
        ), []
    shown = selectors.display_tables(snapshot=snapshot)
    out = SnapshotOut(
        id=snapshot.pk,
        as_of=snapshot.as_of,
        published_at=snapshot.published_at,
        note=NOTE,
        threshold=11,
        tables=[_table(t) for t in shown],
    )
    return out, shown


@router.get(
    "/snapshot",
    response={200: SnapshotOut},
    auth=None,
    summary="The published statistics (every table of the data page; none before the first)",
)
def snapshot(request: HttpRequest) -> SnapshotOut:
    return _snapshot()[0]


@router.get(
    "/tables/{name}",
    response={200: TableOut, **errors(404)},
    auth=None,
    summary="One table of the published statistics",
)
def table(request: HttpRequest, name: str) -> TableOut:
    if name not in tables.TABLE_NAMES:
        raise Http404
    out, _shown = _snapshot()
    for t in out.tables:
        if t.name == name:
            return t
    raise Http404
