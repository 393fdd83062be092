"""The true counts behind the public tables, read from the records of tips, cases, identity,
directory and events. Runs only in the snapshot task: no page ever calls it.

One youth is one person (identity register: merged people count once, under the person they
were merged into); a youth is counted in the year of their first case (cases closed as
duplicates are left out), with their age, gender, city and care involvement as recorded now.
Tips closed as spam are left out; purged tips count through the tip line's tallies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth, TruncYear
from django.utils import timezone
from django.utils.text import slugify

from heatwatch.cases.models import Case, ClosureReason, Referral, ReferralStatus
from heatwatch.events.models import Event, Registration, RegistrationStatus
from heatwatch.events.models import Kind as EventKind
from heatwatch.identity.models import Person
from heatwatch.insights import tables
from heatwatch.insights.disclosure import K
from heatwatch.tips.models import CloseReason, Tip, TipTally

TRAINING_KINDS = (EventKind.COALITION, EventKind.TRAINING, EventKind.WEBINAR)
RECEIVED = (ReferralStatus.ACCEPTED, ReferralStatus.FIRST_CONTACT, ReferralStatus.COMPLETED)


@dataclass
class CellSpec:
    key: str
    table: str
    year: int
    category: str
    value: int
    label: str = ""
    total_key: str = ""
    relation: str = ""


@dataclass
class Counts:
    cells: list[CellSpec]
    inputs: dict[str, int]


def _year(moment: datetime) -> int:
    return timezone.localtime(moment).year


def _age_band(dob: date | None, estimated: int | None, on: date) -> str:
    if dob is not None:
        age = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
    elif estimated is not None:
        age = estimated
    else:
        return "not_recorded"
    if age < 12:
        return "under_12"
    if age <= 14:
        return "12_14"
    if age <= 17:
        return "15_17"
    return "18_plus"


GENDER_GROUP = {"female": "female", "male": "male", "non_binary": "another", "other": "another"}


def _roots() -> dict[int, int]:
    """Each merged person's surviving person."""
    parent = dict(
        Person.objects.filter(merged_into__isnull=False).values_list("pk", "merged_into_id")
    )
    roots: dict[int, int] = {}
    for pk in parent:
        seen = {pk}
        root = parent[pk]
        while root in parent and root not in seen:
            seen.add(root)
            root = parent[root]
        roots[pk] = root
    return roots


def _youths(
    *, as_of: datetime, years: set[int]
) -> tuple[dict[int, Counter[tuple[str, str]]], Counter[int], int]:
    """Per closed year, (table, category) counts of the youths first identified in it; youth
    totals per year; the number of cases read."""
    roots = _roots()
    first: dict[str, tuple[datetime, tuple[Any, ...], int]] = {}
    youth_person: dict[int, str] = {}
    read = 0
    rows = (
        Case.objects.filter(opened_at__lte=as_of)
        .exclude(closure_reason=ClosureReason.DUPLICATE)
        .order_by()
        .values_list(
            "youth_id",
            "youth__person_id",
            "opened_at",
            "intake_source",
            "youth__gender",
            "youth__estimated_age",
            "youth__in_foster_care",
            "youth__on_probation",
        )
        .iterator(chunk_size=5000)
    )
    for youth_id, person_id, opened_at, source, gender, estimated, foster, probation in rows:
        read += 1
        person = f"p{roots.get(person_id, person_id)}" if person_id else f"y{youth_id}"
        youth_person[youth_id] = person
        seen = first.get(person)
        if seen is None or opened_at < seen[0]:
            first[person] = (
                opened_at,
                (source, gender, estimated, foster, probation),
                youth_id,
            )
    totals: Counter[int] = Counter()
    wanted: dict[int, tuple[str, int]] = {}  # youth id -> (person, year) needing details
    for person, (opened_at, _details, youth_id) in first.items():
        year = _year(opened_at)
        totals[year] += 1
        if year in years:
            wanted[youth_id] = (person, year)
    by_year: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
    cities: dict[int, Counter[str]] = defaultdict(Counter)
    city_names: dict[str, str] = {}
    if wanted:
        from heatwatch.cases.models import Youth

        # Encrypted fields (date of birth, city) are decrypted only for the youths of the years
        # being frozen now.
        ids = list(wanted)
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            for youth_id, dob, city in Youth.objects.filter(pk__in=chunk).values_list(
                "pk", "date_of_birth", "city"
            ):
                person, year = wanted[youth_id]
                opened_at, (source, gender, estimated, foster, probation), _y = first[person]
                on = timezone.localtime(opened_at).date()
                c = by_year[year]
                c[("youth.age", _age_band(dob, estimated, on))] += 1
                c[("youth.gender", GENDER_GROUP.get(gender, "not_recorded"))] += 1
                c[("youth.foster", "yes" if foster else "no")] += 1
                c[("youth.probation", "yes" if probation else "no")] += 1
                c[("youth.source", source)] += 1
                name = " ".join((city or "").split()).title()
                slug = slugify(name)[:60]
                if slug:
                    city_names.setdefault(slug, name)
                cities[year][slug or "not_recorded"] += 1
        # Services received in the year of identification, once per youth and group.
        received: set[tuple[str, str]] = set()
        for youth_id, category, sent_at in (
            Referral.objects.filter(status__in=RECEIVED, sent_at__lte=as_of)
            .order_by()
            .values_list("case__youth_id", "service__category", "sent_at")
            .iterator(chunk_size=5000)
        ):
            found = youth_person.get(youth_id)
            if found is None or found not in first:
                continue
            person = found
            first_youth = first[person][2]
            if first_youth not in wanted:
                continue
            year = wanted[first_youth][1]
            if _year(sent_at) != year:
                continue
            group = tables.SERVICE_GROUP_OF.get(category, "other")
            if (person, group) not in received:
                received.add((person, group))
                by_year[year][("youth.services", group)] += 1
    # Cities: a city with fewer than K youths in the year goes into "other".
    for year, counter in cities.items():
        for slug, n in counter.items():
            if slug == "not_recorded":
                by_year[year][("youth.city", "not_recorded")] += n
            elif n >= K:
                by_year[year][("youth.city", f"c-{slug}")] += n
                by_year[year][("youth.city.label", f"c-{slug}:{city_names[slug]}")] += 0
            else:
                by_year[year][("youth.city", "other")] += n
    return by_year, totals, read


def collect(*, as_of: datetime, closed_years: set[int], years: list[int]) -> Counts:
    """Every cell: each year's totals (``years``), and the breakdowns of ``closed_years``."""
    by_year, youth_totals, cases_read = _youths(as_of=as_of, years=closed_years)

    tips_month: Counter[tuple[int, str]] = Counter()
    tips_channel: Counter[tuple[int, str]] = Counter()
    tips_total: Counter[int] = Counter()
    tips_read = 0
    for month, channel, n in (
        Tip.objects.filter(created_at__lte=as_of)
        .exclude(close_reason=CloseReason.SPAM)
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values_list("month", "channel")
        .annotate(n=Count("pk"))
    ):
        day = month.date() if isinstance(month, datetime) else month
        tips_month[(day.year, f"{day.month:02d}")] += n
        tips_channel[(day.year, channel)] += n
        tips_total[day.year] += n
        tips_read += n
    for month, channel, n in (
        TipTally.objects.filter(month__lte=timezone.localtime(as_of).date())
        .exclude(close_reason=CloseReason.SPAM)
        .order_by()
        .values_list("month", "channel")
        .annotate(n=Sum("count"))
    ):
        tips_month[(month.year, f"{month.month:02d}")] += n or 0
        tips_channel[(month.year, channel)] += n or 0
        tips_total[month.year] += n or 0

    trainings_total: Counter[int] = Counter()
    for year, n in (
        Event.objects.filter(kind__in=TRAINING_KINDS, cancelled_at__isnull=True, ends_at__lte=as_of)
        .annotate(y=TruncYear("starts_at"))
        .order_by()
        .values_list("y")
        .annotate(n=Count("pk"))
    ):
        trainings_total[year.year] += n
    trained_audience: Counter[tuple[int, str]] = Counter()
    trained_total: Counter[int] = Counter()
    for year, audience, n in (
        Registration.objects.filter(
            event__kind__in=TRAINING_KINDS,
            event__cancelled_at__isnull=True,
            event__starts_at__lte=as_of,
            status=RegistrationStatus.CONFIRMED,
            checked_in_at__isnull=False,
        )
        .annotate(y=TruncYear("event__starts_at"))
        .order_by()
        .values_list("y", "audience")
        .annotate(n=Count("pk"))
    ):
        group = tables.AUDIENCE_GROUP_OF.get(audience, "other")
        trained_audience[(year.year, group)] += n
        trained_total[year.year] += n

    totals = {
        "youth": youth_totals,
        "tips": tips_total,
        "trainings": trainings_total,
        "trained": trained_total,
    }
    cells: list[CellSpec] = []
    for s in tables.SERIES:
        for year in years:
            cells.append(
                CellSpec(
                    tables.total_key(s.name, year), s.name, year, "", totals[s.name].get(year, 0)
                )
            )
    for year in sorted(closed_years):
        counter = by_year.get(year, Counter())
        labels = {
            cat.split(":", 1)[0]: cat.split(":", 1)[1]
            for (table, cat) in counter
            if table == "youth.city.label"
        }
        for b in tables.BREAKDOWNS:
            total = tables.total_key(b.series, year)
            if b.name == "youth.city":
                found = sorted(c for (t, c) in counter if t == "youth.city" and c.startswith("c-"))
                categories = [(c, labels.get(c, c)) for c in found] + [
                    ("other", ""),
                    ("not_recorded", ""),
                ]
            else:
                categories = [(value, "") for value, _label in b.categories]
            for category, label in categories:
                if b.series == "youth":
                    value = counter.get((b.name, category), 0)
                elif b.name == "tips.month":
                    value = tips_month.get((year, category), 0)
                elif b.name == "tips.channel":
                    value = tips_channel.get((year, category), 0)
                else:
                    value = trained_audience.get((year, category), 0)
                cells.append(
                    CellSpec(
                        tables.cell_key(b.name, year, category),
                        b.name,
                        year,
                        category,
                        value,
                        label=label,
                        total_key=total,
                        relation=b.relation,
                    )
                )
    inputs = {
        "cases": cases_read,
        "youths": sum(youth_totals.values()),
        "tips": tips_read,
        "tips_purged": sum(tips_total.values()) - tips_read,
        "trainings": sum(trainings_total.values()),
        "people_trained": sum(trained_total.values()),
    }
    return Counts(cells=cells, inputs=inputs)
