"""Normalising the fields that identity matching compares: names, nicknames, dates, phones.

Everything here is pure Python and deterministic, so the batch engine, the real-time lookup
and the blocking keys stored in the database all see a value the same way. The nickname table
ships in ``data/nicknames.csv`` (see docs/identity.md for its source and licence).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import jellyfish

_NON_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(value: str) -> str:
    """Lower-case ``value``, drop accents and everything that is not a letter or a space."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    letters = _NON_LETTERS.sub(" ", ascii_only.replace("'", ""))
    return _SPACES.sub(" ", letters).strip()


def name_tokens(value: str) -> list[str]:
    """The words of a name after :func:`fold` (``"Mary-Ann O'Neil"`` → mary, ann, oneil)."""
    return [token for token in fold(value).split(" ") if token]


def family_key(value: str) -> str:
    """A family name as one token: ``"García López"`` → ``garcialopez``."""
    return "".join(name_tokens(value))


@lru_cache(maxsize=200_000)
def phonetic(token: str) -> str:
    """Metaphone code of one name token (``""`` for an empty token)."""
    if not token:
        return ""
    return str(jellyfish.metaphone(token))


# Groups a name may belong to that matching keeps (comparisons and blocking keys): common short
# forms ("al", "ron") sit in many groups; beyond this many their evidence is thin anyway.
MAX_GROUPS = 4


def _package_groups() -> list[list[str]]:
    """English names and their nicknames from the curated ``nicknames`` dataset (pinned in the
    requirements): one group per canonical name."""
    from nicknames import NickNamer

    table = NickNamer().nickname_lookup
    return [[name, *sorted(table[name])] for name in sorted(table)]


def _project_groups() -> list[list[str]]:
    """The project's own table (Spanish diminutives and hypocorisms), data/nicknames.csv."""
    text = resources.files("heatwatch.identity").joinpath("data/nicknames.csv").read_text("utf-8")
    out: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line.split(","))
    return out


@lru_cache(maxsize=1)
def nickname_groups() -> dict[str, tuple[int, ...]]:
    """Map every known given name or nickname to the ids of its equivalence groups (the
    nicknames dataset's, then the project's Spanish ones; at most ``MAX_GROUPS`` per name,
    the smallest groups first, as they are the most telling)."""
    groups: dict[str, list[int]] = {}
    sizes: dict[int, int] = {}
    for group_id, names in enumerate([*_package_groups(), *_project_groups()], start=1):
        tokens = {fold(name).replace(" ", "") for name in names} - {""}
        sizes[group_id] = len(tokens)
        for token in sorted(tokens):
            groups.setdefault(token, []).append(group_id)
    return {
        name: tuple(sorted(ids, key=lambda g: (sizes[g], g))[:MAX_GROUPS])
        for name, ids in groups.items()
    }


def canonical_forms(token: str) -> tuple[str, ...]:
    """Blocking forms of a given-name token: its nickname groups, or the token itself."""
    ids = nickname_groups().get(token)
    if not ids:
        return (token,) if token else ()
    return tuple(f"#{gid}" for gid in ids)


def same_nickname_group(a: str, b: str) -> bool:
    """Are ``a`` and ``b`` forms of the same given name (Jess / Jessica)?"""
    table = nickname_groups()
    return bool(set(table.get(a, ())) & set(table.get(b, ())))


def parse_dob(value: str) -> datetime.date | None:
    """Parse ``YYYY-MM-DD``; raise ValueError for anything else that is not empty."""
    value = value.strip()
    if not value:
        return None
    return datetime.date.fromisoformat(value) if len(value) == 10 else _bad_date()


def _bad_date() -> datetime.date:
    raise ValueError("date of birth must be YYYY-MM-DD")


def phone_key(value: str) -> str:
    """The last 10 digits of a phone number (``""`` when fewer than 7 digits)."""
    digits = _NON_DIGITS.sub("", value)
    return digits[-10:] if len(digits) >= 7 else ""


def postcode_key(value: str) -> str:
    """A postcode without spaces or punctuation, lower-case."""
    return _NON_ALNUM.sub("", value.casefold())


def sex_key(value: str) -> str:
    """``f``, ``m``, ``x`` or ``""``: the first letter of a recorded sex."""
    folded = fold(value)
    if not folded:
        return ""
    first = folded[0]
    return first if first in "fmx" else "x"


@dataclass(frozen=True)
class Features:
    """The normalised form of one identity record: what matching compares.

    ``given`` is the first given-name word, ``family`` the whole family name as one token,
    ``aliases`` every word of the recorded aliases and street names, ``dob`` ISO or ``""``.
    """

    given: str = ""
    family: str = ""
    family_tokens: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    dob: str = ""
    sex: str = ""
    city: str = ""
    postcode: str = ""
    phone: str = ""
    extra_given: tuple[str, ...] = field(default=())
    # Birth years (first, last) an approximate age allows, when there is no date of birth.
    years: tuple[int, ...] = ()

    def birth_years(self) -> range:
        """The birth years this record allows: the year of the date of birth, or the range of
        the approximate age; empty when neither is known."""
        if self.dob:
            year = int(self.dob[:4])
            return range(year, year + 1)
        if len(self.years) == 2:
            return range(self.years[0], self.years[1] + 1)
        return range(0)

    def to_compact(self) -> dict[str, object]:
        """A small JSON-able dict (stored encrypted beside the record)."""
        extra: dict[str, object] = {"y": list(self.years)} if self.years else {}
        return {
            **extra,
            "g": self.given,
            "f": self.family,
            "ft": list(self.family_tokens),
            "a": list(self.aliases),
            "d": self.dob,
            "s": self.sex,
            "c": self.city,
            "p": self.postcode,
            "t": self.phone,
            "x": list(self.extra_given),
        }

    @classmethod
    def from_compact(cls, data: dict[str, object]) -> Features:
        """Inverse of :meth:`to_compact`."""

        def text(key: str) -> str:
            value = data.get(key, "")
            return value if isinstance(value, str) else ""

        def items(key: str) -> tuple[str, ...]:
            value = data.get(key, [])
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        return cls(
            given=text("g"),
            family=text("f"),
            family_tokens=items("ft"),
            aliases=items("a"),
            dob=text("d"),
            sex=text("s"),
            city=text("c"),
            postcode=text("p"),
            phone=text("t"),
            extra_given=items("x"),
            years=tuple(int(v) for v in items("y") if v.lstrip("-").isdigit())[:2],
        )


def features_of(
    *,
    given_name: str = "",
    family_name: str = "",
    aliases: str | list[str] | tuple[str, ...] = (),
    dob: datetime.date | str | None = None,
    sex: str = "",
    city: str = "",
    postcode: str = "",
    phone: str = "",
    age: int | str | None = None,
    age_on: datetime.date | None = None,
) -> Features:
    """Normalise raw field values into :class:`Features` (``aliases`` ``;``-separated or a list).

    ``age`` is an approximate age in years ("about 15") as of ``age_on`` (default today), used
    only when there is no date of birth: it becomes a range of birth years (see
    :func:`birth_year_range`)."""
    given_tokens = name_tokens(given_name)
    alias_list = aliases.split(";") if isinstance(aliases, str) else list(aliases)
    alias_tokens: list[str] = []
    for alias in alias_list:
        for token in name_tokens(alias):
            if token not in alias_tokens:
                alias_tokens.append(token)
    if isinstance(dob, datetime.date):
        dob_text = dob.isoformat()
    elif dob:
        parsed = parse_dob(dob)
        dob_text = parsed.isoformat() if parsed else ""
    else:
        dob_text = ""
    if isinstance(age, str):
        age = int(age) if age.strip().isdigit() else None
    years = birth_year_range(age, age_on) if age is not None and not dob_text else ()
    return Features(
        years=years,
        given=given_tokens[0] if given_tokens else "",
        family=family_key(family_name),
        family_tokens=tuple(name_tokens(family_name)),
        aliases=tuple(alias_tokens),
        dob=dob_text,
        sex=sex_key(sex),
        city=fold(city),
        postcode=postcode_key(postcode),
        phone=phone_key(phone),
        extra_given=tuple(given_tokens[1:]),
    )


MAX_AGE = 30  # an approximate age above this is not a youth's: ignored


def birth_year_range(age: int, on: datetime.date | None = None) -> tuple[int, ...]:
    """The birth years an approximate age allows, as (first, last).

    Someone aged A on a date was born in that year minus A or minus A + 1; "about" adds a
    year either side, as officers' estimates are seldom better (docs/identity.md)."""
    if age < 0 or age > MAX_AGE:
        return ()
    year = (on or datetime.date.today()).year  # noqa: DTZ011 - a calendar year, no clock time
    return (year - age - 2, year - age + 1)


# Name form with sex and birth year, and name form with sex and city: the keys of sparse records
# ("Sunny, about 15, female, Bayview"). ``ny`` is kept by every record with a sex and a birth
# year (one per form, or one per year of an approximate age); ``nc`` only by records without a
# date of birth, as the others meet on ``ny``.
STREET_KEYS = ("ny", "nc")


def blocking_keys(features: Features) -> set[str]:
    """The blocking keys of a record: two records are compared when they share one.

    Several keys, so that one missing or wrong field does not hide a match (see
    docs/identity.md, "Blocking"): a name form with the date of birth, the family name with the
    date of birth, a name form with the sound of the family name, the phone, the date of birth
    with the postcode, and the sound of the family name with the day and month in either order
    (a year off by one or a day/month swap), a name form with the day and month, the sounds
    of the two names in either order, and for street names and sparse intakes a name form with
    the sex and the birth year (or the years of an approximate age) and, without a date of
    birth, with the sex and the city. Keys without a date (``nf``, ``sw``, ``nc``) find records
    whose date is missing; their blocks are capped smaller (engine.BLOCK_CAPS).
    """
    keys: set[str] = set()
    name_forms: set[str] = set()
    for token in (features.given, *features.extra_given, *features.aliases):
        name_forms.update(canonical_forms(token))
    family_forms = {features.family, *features.family_tokens} - {""}
    family_sounds = {phonetic(token) for token in family_forms} - {""}
    dob = features.dob
    if dob:
        for form in name_forms:
            keys.add(f"nd|{form}|{dob}")
        for form in family_forms:
            keys.add(f"fd|{form}|{dob}")
        if features.postcode:
            keys.add(f"dp|{dob}|{features.postcode}")
        month, day = dob[5:7], dob[8:10]
        day_month = "".join(sorted((month, day)))
        for sound in family_sounds:
            keys.add(f"fm|{sound}|{day_month}")
        for form in name_forms:
            keys.add(f"nm|{form}|{day_month}")
    for form in name_forms:
        for sound in family_sounds:
            keys.add(f"nf|{form}|{sound}")
    if features.given:
        given_sound = phonetic(features.given)
        for sound in family_sounds:
            # Either order, so that a given and family name recorded the other way round meet.
            keys.add("sw|" + "|".join(sorted((given_sound, sound))))
    if features.phone:
        keys.add(f"ph|{features.phone}")
    # Street names and sparse intakes: a record without a family name or a date of birth keys
    # every name form; a full record only its aliases (its street names), so that the common
    # given names of full records (which meet on the keys above) do not flood these blocks.
    sparse = not features.family or not dob
    if features.sex:
        street_forms: set[str] = set()
        for token in (
            (features.given, *features.extra_given, *features.aliases)
            if sparse
            else features.aliases
        ):
            street_forms.update(canonical_forms(token))
        for year in features.birth_years():
            for form in street_forms:
                keys.add(f"ny|{form}|{features.sex}|{year}")
        if not dob and features.city:
            for form in street_forms:
                keys.add(f"nc|{form}|{features.sex}|{features.city}")
    return keys
