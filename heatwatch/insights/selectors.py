"""Reads of the insights app: the published snapshot as display tables (public page, CSV,
API), and the staff's snapshot list. Only published values leave here for the public; no
function in this module reads a person's record."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404

from heatwatch.insights import tables
from heatwatch.insights.models import Snapshot, SnapshotCell, SnapshotChart, SnapshotStatus


def latest_published() -> Snapshot | None:
    return (
        Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED)
        .order_by("-published_at", "-pk")
        .first()
    )


def snapshots_for_staff() -> list[Snapshot]:
    return list(Snapshot.objects.select_related("published_by").order_by("-created_at", "-pk")[:50])


def snapshot_get(*, pk: int) -> Snapshot:
    found = Snapshot.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@dataclass
class Shown:
    """One published figure: ``value`` None when suppressed; ``percent`` from the protected
    table only (a published count over its published total)."""

    value: int | None
    percent: float | None = None

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass
class DisplayRow:
    label: str
    category: str
    cells: list[Shown]


@dataclass
class DisplayTable:
    name: str
    title: str
    columns: list[str]  # column headings (years)
    rows: list[DisplayRow]
    is_series: bool
    note: str = ""
    has_chart: bool = True
    totals: list[Shown] = field(default_factory=list)

    @property
    def series_rows(self) -> list[tuple[str, Shown]]:
        return list(zip(self.columns, self.rows[0].cells, strict=True)) if self.rows else []

    @property
    def anchor(self) -> str:
        return "t-" + self.name.replace(".", "-")


def _percent(part: int | None, total: int | None) -> float | None:
    if part is None or total is None or total == 0:
        return None
    return round(100.0 * part / total, 1)


def display_tables(
    *, snapshot: Snapshot, cells: list[SnapshotCell] | None = None
) -> list[DisplayTable]:
    """The snapshot's tables as the page shows them (published values only)."""
    if cells is None:
        cells = list(snapshot.cells.order_by("position", "pk"))
    by_key = {c.key: c for c in cells}
    years = sorted({c.year for c in cells})
    closed = [
        y for y in years if y < snapshot.year and any(c.year == y and c.category for c in cells)
    ]
    charts = set(
        SnapshotChart.objects.filter(snapshot=snapshot).values_list("table", flat=True).distinct()
    )
    out: list[DisplayTable] = []
    for s in tables.SERIES:
        row_cells = []
        for y in years:
            c = by_key.get(tables.total_key(s.name, y))
            if c is not None:
                row_cells.append((y, Shown(c.shown)))
        out.append(
            DisplayTable(
                name=s.name,
                title=str(s.title),
                columns=[str(y) for y, _v in row_cells],
                rows=[DisplayRow(str(s.unit), "", [v for _y, v in row_cells])],
                is_series=True,
                has_chart=s.name in charts,
            )
        )
    for b in tables.BREAKDOWNS:
        mine = [c for c in cells if c.table == b.name and c.year in closed]
        if not mine:
            continue
        order: list[str] = []
        labels: dict[str, str] = {}
        for c in sorted(mine, key=lambda c: (c.category in ("other", "not_recorded"), c.position)):
            if c.category not in labels:
                order.append(c.category)
                labels[c.category] = tables.category_label(b.name, c.category, c.label)
        col_years = sorted({c.year for c in mine})
        totals = {y: by_key.get(tables.total_key(b.series, y)) for y in col_years}
        rows = []
        for category in order:
            shown = []
            for y in col_years:
                c = by_key.get(tables.cell_key(b.name, y, category))
                total = totals[y]
                if c is None:
                    shown.append(Shown(None))
                    continue
                shown.append(Shown(c.shown, _percent(c.shown, total.shown if total else None)))
            rows.append(DisplayRow(labels[category], category, shown))
        out.append(
            DisplayTable(
                name=b.name,
                title=str(b.title),
                columns=[str(y) for y in col_years],
                rows=rows,
                is_series=False,
                has_chart=b.name in charts,
                totals=[Shown(t.shown if (t := totals[y]) else None) for y in col_years],
            )
        )
    return out


def chart_svg(*, snapshot_id: int, table: str, language: str) -> str:
    """A published snapshot's chart (404 for a draft's)."""
    found = dict(
        SnapshotChart.objects.filter(
            snapshot_id=snapshot_id,
            snapshot__status=SnapshotStatus.PUBLISHED,
            table=table,
            language__in=[language, "en"],
        ).values_list("language", "svg")
    )
    svg = found.get(language) or found.get("en")
    if svg is None:
        raise Http404
    return svg


CSV_HEADER: list[object] = ["table", "year", "category", "value", "percent_of_year_total"]


def csv_rows(*, snapshot: Snapshot) -> list[list[object]]:
    """Every published figure of the snapshot, one per line (suppressed: "<11")."""
    rows: list[list[object]] = [list(CSV_HEADER)]
    for t in display_tables(snapshot=snapshot):
        for row in t.rows:
            for year, shown in zip(t.columns, row.cells, strict=True):
                rows.append(
                    [
                        t.name,
                        year,
                        row.category or "total",
                        "<11" if shown.suppressed else shown.value,
                        "" if shown.percent is None else shown.percent,
                    ]
                )
    return rows
