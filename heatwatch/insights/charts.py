"""Charts of a snapshot, rendered once to SVG on the server (Vega-Lite through altair and
vl-convert; no script or third-party resource reaches the browser). A suppressed count has no
bar; the data table beside each chart says "fewer than 11" for it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import altair as alt
import vl_convert
from django.utils import translation
from django.utils.translation import gettext as _

from heatwatch.insights import tables
from heatwatch.insights.models import Snapshot, SnapshotCell

COLOUR = "#005ea2"  # USWDS primary


def _spec(
    title: str, rows: list[dict[str, Any]], *, x_title: str, y_title: str, horizontal: bool
) -> dict[str, Any]:
    data = alt.Data(values=rows)
    order = [r["label"] for r in rows]
    if horizontal:
        chart = (
            alt.Chart(data)
            .mark_bar(color=COLOUR)
            .encode(
                y=alt.Y("label:N", title=x_title, sort=order, axis=alt.Axis(labelLimit=220)),
                x=alt.X("count:Q", title=y_title),
            )
        )
        height = max(60, 26 * len(rows))
    else:
        chart = (
            alt.Chart(data)
            .mark_bar(color=COLOUR)
            .encode(
                x=alt.X("label:N", title=x_title, sort=order),
                y=alt.Y("count:Q", title=y_title),
            )
        )
        height = 220
    chart = chart.properties(title=title, width=420, height=height)
    return chart.to_dict()


def render(spec: dict[str, Any]) -> str:
    return str(vl_convert.vegalite_to_svg(spec))


def render_all(
    *, snapshot: Snapshot, cells: Iterable[SnapshotCell], language: str
) -> list[tuple[str, str]]:
    """One SVG per table, labelled in ``language``."""
    cells = list(cells)
    out: list[tuple[str, str]] = []
    with translation.override(language):
        for s in tables.SERIES:
            rows = [
                {"label": str(c.year), "count": c.shown}
                for c in sorted((c for c in cells if c.table == s.name), key=lambda c: c.year)
            ]
            if rows:
                spec = _spec(
                    str(s.title), rows, x_title=_("Year"), y_title=str(s.unit), horizontal=False
                )
                out.append((s.name, render(spec)))
        closed = sorted({c.year for c in cells if c.year < snapshot.year and c.category})
        latest = closed[-1] if closed else None
        for b in tables.BREAKDOWNS:
            mine = [c for c in cells if c.table == b.name and c.year == latest]
            if not mine:
                continue
            mine.sort(key=lambda c: c.position)
            rows = [
                {"label": tables.category_label(b.name, c.category, c.label), "count": c.shown}
                for c in mine
            ]
            title = f"{b.title} ({latest})"
            spec = _spec(
                title,
                rows,
                x_title="",
                y_title=str(tables.series(b.series).unit),
                horizontal=b.name != "tips.month",
            )
            out.append((b.name, render(spec)))
    return out
