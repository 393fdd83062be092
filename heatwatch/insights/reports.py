"""Grant performance reports: for a date range, the same records in each funder's shape
(docs/insights.md, "Grant reports"). Counts only; exported as CSV or XLSX.

Internal reports show every count. Public reports go through the same disclosure control as
the data page (heatwatch.insights.disclosure): counts from 1 to 10 suppressed and
complementary cells chosen so that no section's total gives them away.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heatwatch.accounts.models import Organisation, OrganisationType
from heatwatch.cases.models import (
    Case,
    ClosureReason,
    Gender,
    IntakeSource,
    Placement,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Screening,
)
from heatwatch.directory.models import Category
from heatwatch.events.models import Event, Registration, RegistrationStatus
from heatwatch.events.models import Kind as EventKind
from heatwatch.insights import disclosure
from heatwatch.insights.aggregation import RECEIVED, TRAINING_KINDS
from heatwatch.lib import csvsafe


@dataclass
class Line:
    label: str
    value: int | float | None  # None: suppressed
    unit: str = ""


@dataclass
class Section:
    title: str
    lines: list[Line]
    total: Line | None = None  # the lines add up to it (``sums``) or are each at most it
    sums: bool = True


@dataclass
class Report:
    funder: str
    title: str
    start: date
    end: date
    public: bool
    sections: list[Section] = field(default_factory=list)


FUNDERS = {
    "victim_services": gettext_lazy("Federal victim-services performance measures"),
    "trafficking_assistance": gettext_lazy("Federal trafficking-victim assistance measures"),
    "state_county": gettext_lazy("State county report on exploited children"),
}


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime(start.year, start.month, start.day, tzinfo=tz),
        datetime(end.year, end.month, end.day, tzinfo=tz),
    )


def _served(start: datetime, end: datetime) -> Any:
    """Cases open at some time in [start, end)."""
    return (
        Case.objects.filter(opened_at__lt=end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        .exclude(closure_reason=ClosureReason.DUPLICATE)
    )


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _count_section(
    title: str,
    counts: dict[str, int],
    labels: dict[str, str],
    total: int | None,
    *,
    sums: bool = True,
) -> Section:
    lines = [Line(labels.get(k, k), n) for k, n in counts.items()]
    return Section(title, lines, Line(_("Total"), total) if total is not None else None, sums)


def _ages(cases: Any, on: date) -> Counter[str]:
    """Minor or adult on ``on`` (decrypts dates of birth inside the report; only counts leave)."""
    out: Counter[str] = Counter()
    for dob, estimated in cases.values_list("youth__date_of_birth", "youth__estimated_age"):
        if dob is not None:
            age = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
        elif estimated is not None:
            age = estimated
        else:
            out["unknown"] += 1
            continue
        out["minor" if age < 18 else "adult"] += 1
    return out


def _services(start: datetime, end: datetime) -> dict[str, int]:
    labels = _labels(Category.choices)
    rows = (
        Referral.objects.filter(sent_at__gte=start, sent_at__lt=end, status__in=RECEIVED)
        .order_by()
        .values_list("service__category")
        .annotate(n=Count("pk"))
    )
    return {labels.get(c, c): n for c, n in sorted(rows)}


def build(*, funder: str, start: date, end: date, public: bool) -> Report:
    """The report of ``funder`` for [start, end)."""
    if funder not in FUNDERS:
        raise ValueError("unknown funder")
    s, e = _bounds(start, end)
    report = Report(funder, str(FUNDERS[funder]), start, end, public)
    served = _served(s, e)
    total = served.count()
    new = served.filter(opened_at__gte=s).count()
    gender_labels = _labels(Gender.choices)
    genders = dict(served.order_by().values_list("youth__gender").annotate(n=Count("pk")))
    services = _services(s, e)
    if funder == "victim_services":
        report.sections.append(
            _count_section(
                _("Clients served"),
                {"new": new, "continuing": total - new},
                {"new": _("New in the period"), "continuing": _("Continuing from before")},
                total,
            )
        )
        ages = _ages(served, start)
        report.sections.append(
            _count_section(
                _("Age"),
                dict(ages),
                {"minor": _("Minor"), "adult": _("Adult"), "unknown": _("Not recorded")},
                total,
            )
        )
        report.sections.append(
            _count_section(
                _("Trafficking type"),
                {"sex": total},
                {"sex": _("Sex trafficking (commercial sexual exploitation)")},
                total,
            )
        )
        gender_labels["other"] = _("Another identity (including transgender)")
        report.sections.append(_count_section(_("Gender"), genders, gender_labels, total))
        report.sections.append(
            _count_section(_("Services by type (referrals received)"), services, {}, None)
        )
        trained = (
            Registration.objects.filter(
                event__kind__in=TRAINING_KINDS,
                event__starts_at__gte=s,
                event__starts_at__lt=e,
                status=RegistrationStatus.CONFIRMED,
                checked_in_at__isnull=False,
            )
            .exclude(audience__in=["youth", "public"])
            .count()
        )
        awareness = Event.objects.filter(
            kind__in=[EventKind.OUTREACH, EventKind.YOUTH],
            starts_at__gte=s,
            starts_at__lt=e,
            cancelled_at__isnull=True,
        ).count()
        report.sections.append(
            Section(
                _("Outreach"),
                [
                    Line(_("Professionals trained"), trained),
                    Line(_("Awareness activities"), awareness),
                ],
                None,
            )
        )
    elif funder == "trafficking_assistance":
        type_labels = _labels(OrganisationType.choices)
        partners = (
            dict(
                Organisation.objects.filter(
                    is_active=True,
                    services__case_referrals__sent_at__gte=s,
                    services__case_referrals__sent_at__lt=e,
                )
                .order_by()
                .values_list("type")
                .annotate(n=Count("pk", distinct=True))
            )
            if hasattr(Organisation, "services")
            else {}
        )
        report.sections.append(
            _count_section(
                _("Partnerships by type (organisations referred to)"), partners, type_labels, None
            )
        )
        entering = served.filter(opened_at__gte=s)
        report.sections.append(
            _count_section(
                _("Clients at entry: age"),
                dict(_ages(entering, start)),
                {"minor": _("Minor"), "adult": _("Adult"), "unknown": _("Not recorded")},
                new,
            )
        )
        report.sections.append(
            _count_section(
                _("Clients at entry: gender"),
                dict(entering.order_by().values_list("youth__gender").annotate(n=Count("pk"))),
                gender_labels,
                new,
            )
        )
        report.sections.append(
            _count_section(
                _("Clients at entry: care involvement"),
                {
                    "foster": entering.filter(youth__in_foster_care=True).count(),
                    "probation": entering.filter(youth__on_probation=True).count(),
                },
                {"foster": _("In foster care"), "probation": _("On probation")},
                new,
                sums=False,
            )
        )
        report.sections.append(_count_section(_("Services by type"), services, {}, None))
        declined = Referral.objects.filter(
            status_changed_at__gte=s, status_changed_at__lt=e, status=ReferralStatus.DECLINED
        ).count()
        waitlisted = Referral.objects.filter(
            sent_at__lt=e, status=ReferralStatus.WAITLISTED
        ).count()
        report.sections.append(
            Section(
                _("Barriers to services"),
                [
                    Line(_("Referrals declined"), declined),
                    Line(_("Referrals on a waitlist"), waitlisted),
                ],
                None,
            )
        )
        report.sections.append(
            _count_section(
                _("Closures by reason"),
                dict(
                    Case.objects.filter(closed_at__gte=s, closed_at__lt=e)
                    .exclude(closure_reason=ClosureReason.DUPLICATE)
                    .order_by()
                    .values_list("closure_reason")
                    .annotate(n=Count("pk"))
                ),
                _labels(ClosureReason.choices),
                None,
            )
        )
    else:
        report.sections.append(Section(_("Youth served"), [], Line(_("Total"), total)))
        report.sections.append(
            _count_section(
                _("How identified"),
                dict(served.order_by().values_list("intake_source").annotate(n=Count("pk"))),
                _labels(IntakeSource.choices),
                total,
            )
        )
        tools = dict(
            Screening.objects.filter(case__in=served, screened_on__lt=end)
            .order_by()
            .values_list("tool_name")
            .annotate(n=Count("case", distinct=True))
        )
        report.sections.append(
            _count_section(_("Screening tool used (youths screened)"), tools, {}, total, sums=False)
        )
        outcome_labels = _labels(ReferralStatus.choices)
        outcomes = dict(
            Referral.objects.filter(sent_at__gte=s, sent_at__lt=e)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        report.sections.append(
            _count_section(_("Services: referral outcomes"), outcomes, outcome_labels, None)
        )
        durations = [
            (at - sent).total_seconds() / 86400
            for at, sent in ReferralEvent.objects.filter(
                to_status=ReferralStatus.COMPLETED, at__gte=s, at__lt=e
            ).values_list("at", "referral__sent_at")
        ]
        report.sections.append(
            Section(
                _("Services: duration"),
                [
                    Line(_("Services completed"), len(durations)),
                    Line(
                        _("Median days from referral to completion"),
                        round(median(durations), 1) if durations else 0,
                        "days",
                    ),
                ],
                None,
            )
        )
        placements = Placement.objects.filter(
            Q(specialised=True) | Q(kind="specialised"),
            started_on__lt=end,
        ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        stays = [
            p.length_of_stay(min(end, timezone.localdate()))
            for p in placements.only("started_on", "ended_on")
        ]
        report.sections.append(
            Section(
                _("Specialised placements"),
                [
                    Line(_("Placements"), len(stays)),
                    Line(_("Median length of stay (days)"), median(stays) if stays else 0, "days"),
                ],
                None,
            )
        )
    if public:
        _protect(report)
    return report


def _protect(report: Report) -> None:
    """Suppress the report's small counts and their complements (public reports)."""
    vars_: dict[str, disclosure.Var] = {}
    relations: list[disclosure.Relation] = []
    refs: dict[str, Line] = {}
    for i, section in enumerate(report.sections):
        ids = []
        for j, line in enumerate(section.lines):
            if line.unit or not isinstance(line.value, int):
                continue  # medians are not counts; they are published as they are
            vid = f"s{i}.l{j}"
            vars_[vid] = disclosure.Var(vid, line.value)
            refs[vid] = line
            ids.append(vid)
        if section.total is not None and isinstance(section.total.value, int):
            tid = f"s{i}.total"
            vars_[tid] = disclosure.Var(tid, section.total.value)
            refs[tid] = section.total
            if ids:
                relations.append(
                    disclosure.Relation(tid, tuple(ids), "eq" if section.sums else "le")
                )
    problem = disclosure.Problem(vars=vars_, relations=relations)
    try:
        suppressed = disclosure.protect(problem).suppressed
    except disclosure.DisclosureError:
        suppressed = set(refs)  # cannot be protected: publish no count at all
    for vid in suppressed:
        refs[vid].value = None
    for section in report.sections:
        counts = [line for line in section.lines if not line.unit]
        for line in section.lines:
            # A median over fewer than K records describes too few people.
            if line.unit and counts and (counts[0].value is None or counts[0].value < disclosure.K):
                line.value = None


def rows(report: Report) -> list[list[object]]:
    out: list[list[object]] = [
        [report.title],
        [_("Period"), report.start.isoformat(), report.end.isoformat()],
        [
            _("Public (small counts suppressed)")
            if report.public
            else _("Internal (not for publication)")
        ],
        [],
        [_("Section"), _("Measure"), _("Value")],
    ]
    for section in report.sections:
        for line in section.lines + ([section.total] if section.total else []):
            out.append(
                [
                    section.title,
                    line.label,
                    _("fewer than 11") if line.value is None else line.value,
                ]
            )
    return out


def to_csv(report: Report) -> str:
    handle = io.StringIO()
    csvsafe.writer(handle).writerows(rows(report))
    return handle.getvalue()


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "report"
    for row in rows(report):
        sheet.append([csvsafe.neutralise(v) if isinstance(v, str) else v for v in row])
    handle = io.BytesIO()
    book.save(handle)
    return handle.getvalue()
