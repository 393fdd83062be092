"""The public tables: their keys, categories (collapsed so that cells stay large) and labels.

A cell's key is ``<table>.<year>.<category>`` and a year's total ``<series>.total.<year>``;
keys never change meaning, because the attacker test compares cells across snapshots by key.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Series:
    """A count per year (closed years and the year in progress)."""

    name: str
    title: Promise
    unit: Promise


@dataclass(frozen=True)
class Breakdown:
    """A closed year's total split by category (``eq``), or counts that are each at most the
    year's total (``le``: a youth can receive several kinds of service)."""

    name: str
    series: str
    title: Promise
    categories: tuple[tuple[str, Promise], ...]  # empty: categories come from the data (cities)
    relation: str = "eq"


SERIES = (
    Series("youth", _("Youth identified, by year"), _("youth")),
    Series("tips", _("Tips received, by year"), _("tips")),
    Series("trainings", _("Trainings delivered, by year"), _("trainings")),
    Series("trained", _("People trained, by year"), _("people")),
)

NOT_RECORDED = ("not_recorded", _("Not recorded"))
OTHER = ("other", pgettext_lazy("category", "Other"))

AGE_BANDS = (
    ("under_12", _("Under 12")),
    ("12_14", _("12 to 14")),
    ("15_17", _("15 to 17")),
    ("18_plus", _("18 and over")),
    NOT_RECORDED,
)
GENDERS = (
    ("female", _("Female")),
    ("male", _("Male")),
    ("another", _("Another identity")),
    NOT_RECORDED,
)
YES_NO = (("yes", _("Yes")), ("no", _("No")))
SOURCES = (
    ("tip", _("A tip")),
    ("screening", _("A screening")),
    ("recovery", _("A law-enforcement recovery")),
    ("direct", _("A direct referral")),
)
# Directory service categories, collapsed into groups large enough to publish.
SERVICE_GROUPS = (
    ("safety_basic", _("Safety, shelter and basic needs")),
    ("health", _("Health, mental health and substance use")),
    ("advocacy_legal", _("Advocacy, legal help and case management")),
    ("education_work", _("Education and employment")),
    ("family_mentoring", _("Family support and mentoring")),
    OTHER,
)
SERVICE_GROUP_OF = {
    "shelter": "safety_basic",
    "basic_needs": "safety_basic",
    "crisis_line": "safety_basic",
    "medical": "health",
    "mental_health": "health",
    "substance_use": "health",
    "advocacy": "advocacy_legal",
    "legal": "advocacy_legal",
    "case_management": "advocacy_legal",
    "education": "education_work",
    "employment": "education_work",
    "family_support": "family_mentoring",
    "mentoring": "family_mentoring",
}
MONTHS = tuple(
    (f"{m:02d}", label)
    for m, label in enumerate(
        (
            _("January"),
            _("February"),
            _("March"),
            _("April"),
            _("May"),
            _("June"),
            _("July"),
            _("August"),
            _("September"),
            _("October"),
            _("November"),
            _("December"),
        ),
        start=1,
    )
)
CHANNELS = (
    ("web", _("Web form")),
    ("phone", _("Phone call")),
    ("api", _("Partner hotline")),
)
AUDIENCE_GROUPS = (
    ("law_enforcement", _("Police and prosecutors")),
    ("justice_social", _("Probation and social services")),
    ("schools", _("Schools")),
    ("health", _("Health care")),
    ("community", _("Community, labour and elected officials")),
    ("youth", _("Youth")),
    OTHER,
)
AUDIENCE_GROUP_OF = {
    "police": "law_enforcement",
    "prosecutor": "law_enforcement",
    "probation": "justice_social",
    "social_services": "justice_social",
    "school": "schools",
    "hospital": "health",
    "community": "community",
    "labour": "community",
    "elected": "community",
    "public": "community",
    "youth": "youth",
}

BREAKDOWNS = (
    Breakdown("youth.age", "youth", _("Age when identified"), AGE_BANDS),
    Breakdown("youth.gender", "youth", _("Gender"), GENDERS),
    Breakdown("youth.city", "youth", _("City of residence"), ()),
    Breakdown("youth.foster", "youth", _("In foster care when identified"), YES_NO),
    Breakdown("youth.probation", "youth", _("On probation when identified"), YES_NO),
    Breakdown("youth.source", "youth", _("How the youth came to the program"), SOURCES),
    Breakdown(
        "youth.services",
        "youth",
        _("Services received in the year identified (a youth can receive several)"),
        SERVICE_GROUPS,
        relation="le",
    ),
    Breakdown("tips.month", "tips", _("Tips received, by month"), MONTHS),
    Breakdown("tips.channel", "tips", _("Tips received, by channel"), CHANNELS),
    Breakdown("trained.audience", "trained", _("People trained, by audience"), AUDIENCE_GROUPS),
)

TABLE_NAMES = frozenset({s.name for s in SERIES} | {b.name for b in BREAKDOWNS})


def total_key(series: str, year: int) -> str:
    return f"{series}.total.{year}"


def cell_key(table: str, year: int, category: str) -> str:
    return f"{table}.{year}.{category}"


def series(name: str) -> Series:
    return next(s for s in SERIES if s.name == name)


def breakdown(name: str) -> Breakdown:
    return next(b for b in BREAKDOWNS if b.name == name)


def title_of(table: str) -> Promise:
    for s in SERIES:
        if s.name == table:
            return s.title
    return breakdown(table).title


def category_label(table: str, category: str, label: str = "") -> str:
    """The label shown for a category (a city's own name for cities)."""
    if label:
        return label
    for b in BREAKDOWNS:
        if b.name == table:
            for value, text in (*b.categories, NOT_RECORDED, OTHER):
                if value == category:
                    return str(text)
    return category
