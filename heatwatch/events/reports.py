"""Reports for a date range: events held and people trained (check-ins, not sign-ups) by
audience type, sector or city, by month, quarter or year; the chart is drawn on the server
(altair, rendered to SVG by vl-convert: no script and no third-party origin reaches the
browser) beside a data table with the same numbers; the CSV export (lib.csvsafe) is audited.

The funder's figures come from the same records: "professionals trained" are the people
trained whose audience type is a profession (not youth, the general public or other), and
"awareness activities" are the outreach events, youth events and webinars held.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.events.models import Audience, Event, Kind, Registration, Sector
from heatwatch.events.models import RegistrationStatus as Status
from heatwatch.lib import csvsafe

PERIODS = ("month", "quarter", "year")
DIMENSIONS = ("audience", "sector", "city")
NOT_PROFESSIONAL = frozenset({Audience.YOUTH, Audience.PUBLIC, Audience.OTHER})
AWARENESS_KINDS = frozenset({Kind.OUTREACH, Kind.YOUTH, Kind.WEBINAR})


def period_of(moment: datetime, period: str) -> str:
    """The label of the period ``moment`` (local time) falls in: 2026-03, 2026-Q1, 2026."""
    local = timezone.localtime(moment)
    if period == "month":
        return f"{local.year}-{local.month:02d}"
    if period == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    return str(local.year)


@dataclass
class Report:
    start: datetime
    end: datetime
    period: str
    by: str
    periods: list[str] = field(default_factory=list)
    # (period, key) -> people trained; labels: key -> what to show
    trained: dict[tuple[str, str], int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    # (period, kind) -> events held
    held: dict[tuple[str, str], int] = field(default_factory=dict)
    people_total: int = 0
    events_total: int = 0
    professionals_trained: int = 0
    awareness_activities: int = 0

    def keys(self) -> list[str]:
        return sorted({key for _p, key in self.trained}, key=lambda k: self.labels.get(k, k))

    def table(self) -> list[dict[str, Any]]:
        """Rows for the data table: one per key, a cell per period, and a total."""
        rows = []
        for key in self.keys():
            cells = [self.trained.get((p, key), 0) for p in self.periods]
            rows.append(
                {
                    "key": key,
                    "label": self.labels.get(key, key),
                    "cells": cells,
                    "total": sum(cells),
                }
            )
        return rows

    def period_totals(self) -> list[int]:
        return [
            sum(v for (p, _), v in self.trained.items() if p == period) for period in self.periods
        ]

    def held_rows(self) -> list[dict[str, Any]]:
        labels = dict(Kind.choices)
        rows = []
        for kind in sorted({k for _p, k in self.held}):
            cells = [self.held.get((p, kind), 0) for p in self.periods]
            rows.append(
                {
                    "key": kind,
                    "label": str(labels.get(kind, kind)),
                    "cells": cells,
                    "total": sum(cells),
                }
            )
        return rows


def _label(by: str, key: str) -> str:
    if by == "audience":
        return str(dict(Audience.choices).get(key, key))
    if by == "sector":
        return str(dict(Sector.choices).get(key, key)) if key else _("Not given")
    return key or _("No city")


def _periods(start: datetime, end: datetime, period: str) -> list[str]:
    labels: list[str] = []
    local = timezone.localtime(start).replace(day=1, hour=12)
    last = period_of(end, period)
    while True:
        label = period_of(local, period)
        if label not in labels:
            labels.append(label)
        if label == last or len(labels) > 240:
            return labels
        month = local.month + 1
        local = local.replace(year=local.year + (month > 12), month=(month - 1) % 12 + 1)


def build(
    *, start: datetime, end: datetime, period: str = "quarter", by: str = "audience"
) -> Report:
    """The report of events starting in [start, end) (cancelled events excluded). Aggregates
    only: no registrant's personal field is read."""
    if period not in PERIODS or by not in DIMENSIONS:
        raise ValueError("unknown period or dimension")
    report = Report(start=start, end=end, period=period, by=by)
    report.periods = _periods(start, end, period) if end > start else []
    column = {"audience": "audience", "sector": "sector", "city": "event__city"}[by]
    trained = (
        Registration.objects.filter(
            event__starts_at__gte=start,
            event__starts_at__lt=end,
            event__cancelled_at__isnull=True,
            status=Status.CONFIRMED,
            checked_in_at__isnull=False,
        )
        .order_by()
        .values_list("event__starts_at", "places", column, "audience")
    )
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for starts_at, places, key, audience in trained:
        key = str(key or "")
        totals[(period_of(starts_at, period), key)] += places
        report.labels.setdefault(key, _label(by, key))
        report.people_total += places
        if audience not in NOT_PROFESSIONAL:
            report.professionals_trained += places
    report.trained = dict(totals)
    held: dict[tuple[str, str], int] = defaultdict(int)
    for starts_at, kind in _held(start, end).values_list("starts_at", "kind"):
        held[(period_of(starts_at, period), kind)] += 1
        report.events_total += 1
        if kind in AWARENESS_KINDS:
            report.awareness_activities += 1
    report.held = dict(held)
    return report


def _held(start: datetime, end: datetime) -> QuerySet[Event]:
    """Events held: started in the range, over by now, not cancelled."""
    return Event.objects.filter(
        starts_at__gte=start,
        starts_at__lt=end,
        ends_at__lte=timezone.now(),
        cancelled_at__isnull=True,
    ).order_by()


def chart_svg(report: Report) -> str:
    """People trained per period, stacked by the report's dimension, as an SVG drawn here
    (vl-convert); the text in it is escaped by the renderer."""
    import altair as alt
    import vl_convert

    rows = [
        {
            "period": p,
            "group": report.labels.get(key, key),
            "people": report.trained.get((p, key), 0),
        }
        for p in report.periods
        for key in report.keys()
    ]
    if not rows:
        rows = [{"period": p, "group": "", "people": 0} for p in report.periods]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("period:N", title=_("Period"), sort=report.periods),
            y=alt.Y("people:Q", title=_("People trained")),
            color=alt.Color("group:N", title=dimension_title(report.by)),
        )
        .properties(width=max(240, 60 * len(report.periods)), height=260)
    )
    svg: str = vl_convert.vegalite_to_svg(chart.to_dict())
    return svg


def dimension_title(by: str) -> str:
    return {"audience": _("Audience type"), "sector": _("Sector"), "city": _("City")}[by]


def export_csv(*, report: Report, user: Any) -> str:
    """The report as CSV (formula-safe cells), audited as an export."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(["section", "period", "group", "value"])
    for row in report.table():
        for period, value in zip(report.periods, row["cells"], strict=True):
            writer.writerow(["people_trained", period, row["label"], value])
    for row in report.held_rows():
        for period, value in zip(report.periods, row["cells"], strict=True):
            writer.writerow(["events_held", period, row["label"], value])
    writer.writerow(["professionals_trained", "", "", report.professionals_trained])
    writer.writerow(["awareness_activities", "", "", report.awareness_activities])
    audit_log(
        action=Action.EXPORT,
        actor=user,
        object_type="events.report",
        reason=f"{report.by} by {report.period}, {timezone.localdate(report.start).isoformat()} "
        f"to {timezone.localdate(report.end).isoformat()}",
    )
    return out.getvalue()
