"""Synthetic youth records with known truth, for tests, demos and benchmarks.

Every person is invented: given and family names are drawn independently from lists of common
names, street names from a list of everyday words, places from the fictional Bayview County,
phone numbers from the 555 range. Each youth is recorded by one to five agencies, each record
with the errors that real intake produces: nicknames, street names, typos, swapped names,
dates of birth off by a digit, a day/month swap or a year, missing fields, new phones.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from heatwatch.identity.names import nickname_groups
from heatwatch.lib import csvsafe

COLUMNS = (
    "record_id",
    "given_name",
    "family_name",
    "aliases",
    "dob",
    "sex",
    "city",
    "postcode",
    "phone",
    "source",
    "age",
)

FEMALE = (
    "Jessica Maria Ashley Destiny Jasmine Alexis Brianna Samantha Vanessa Daniela Gabriela "
    "Stephanie Elizabeth Isabella Sofia Emily Madison Natalie Valeria Camila Esmeralda Guadalupe "
    "Katherine Jennifer Nicole Alexandra Victoria Andrea Mariana Yesenia Tatiana Michelle Rosa "
    "Monica Olivia Abigail Caitlin Amanda Angela Veronica Zoe Lucia Priscilla Rebecca Margaret "
    "Kimberly Jacqueline Marisol Evelyn Leilani Aaliyah Imani Keisha Tamika Nia Precious Trinity "
    "Serenity Harmony Journey Kayla Makayla Jada Aniyah Mya Ebony Shanice Tiana Deja Kiara"
).split()
MALE = (
    "Jose Juan Carlos Luis Miguel Anthony Christopher Daniel David Michael Jonathan Joshua "
    "Andrew Matthew Nicholas Alexander Benjamin Samuel Jacob Sebastian Adrian Francisco Eduardo "
    "Ricardo Roberto Antonio Alejandro Gabriel Leonardo Xavier William Richard Robert Steven "
    "Jesus Mateo Dominic Nathan Brandon Jesse Malik Darius Tyrone Jamal DeShawn Terrell Marcus "
    "Andre Isaiah Elijah Jalen Kendrick Trevon Devonte Keon Omari Tariq Rashad Cedric"
).split()
FAMILY = (
    "Garcia Rodriguez Martinez Hernandez Lopez Gonzalez Perez Sanchez Ramirez Torres Flores "
    "Rivera Gomez Diaz Cruz Morales Reyes Gutierrez Ortiz Chavez Ramos Ruiz Alvarez Mendoza "
    "Castillo Jimenez Moreno Romero Herrera Medina Aguilar Vargas Castro Guzman Fernandez Munoz "
    "Salazar Delgado Soto Vasquez Contreras Espinoza Sandoval Guerrero Estrada Nunez Rojas "
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson "
    "Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott "
    "Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Parker "
    "Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Bailey Reed Kelly "
    "Howard Cox Ward Richardson Watson Brooks Wood James Bennett Gray Hughes Price Sanders "
    "Washington Butler Barnes Fisher Henderson Coleman Simmons Patterson Jordan Reynolds "
    "Hamilton Graham Wallace Woods Cole West Owens Marshall Ellis Freeman Wells Webb Tucker "
    "Nguyen Tran Pham Le Vo Dang Bui Do Ho Ngo Duong Ly Kim Park Choi Chen Wang Liu Zhang Huang "
    "Singh Kaur Patel Shah Okafor Mensah Osei Abara Diallo Toure Silva Santos Oliveira Pereira "
    "Costa Carvalho Ferreira Almeida Ribeiro Teixeira Tupou Fifita Aumua Sione Leota Faleolo"
).split()
STREET_NAMES = (
    "Sky Kiki Jazz Lucky Angel Star Red Shorty Coco Bebe Nova Roxy Dee Sunny Blue Peaches "
    "Honey Cookie Bunny Misty Storm Ice Jade Ruby Gem Smiley Boo Lulu Dream Breezy Lady Bird"
).split()
PLACES = (
    ("Bayview", "94901"),
    ("Bayview", "94903"),
    ("Bayview", "94904"),
    ("Bayview", "94577"),
    ("Bayview", "94578"),
    ("Harbor Point", "94610"),
    ("Harbor Point", "94611"),
    ("Tidewater", "94520"),
    ("Cedar Flats", "95425"),
    ("Mill Creek", "94030"),
    ("North Shore", "94937"),
    ("Pine Hollow", "95240"),
    ("Saltmarsh", "94945"),
    ("Redwood Bend", "95450"),
    ("Eastlake", "94156"),
    ("Eastlake", "94158"),
)
SOURCES = (
    "Bayview Police Department",
    "Bayview County Sheriff's Office",
    "Bayview County Probation Department",
    "Bayview County Children and Family Services",
    "Harbor Light Advocacy Center",
    "Tidewater Youth Shelter",
    "Bayview Youth Health Clinic",
    "Bayview Unified School District",
)
AREA_CODES = ("415", "510", "628", "707")


@dataclass
class Youth:
    """The truth about one synthetic youth."""

    cluster: int
    given: str
    family: str
    aliases: list[str]
    dob: datetime.date
    sex: str
    place: tuple[str, str]
    phone: str


def _nicknames_by_name() -> dict[str, list[str]]:
    """Formal name → its short forms, from the shipped table."""
    groups = nickname_groups()
    members: dict[int, list[str]] = {}
    for name, ids in groups.items():
        for gid in ids:
            members.setdefault(gid, []).append(name)
    out: dict[str, list[str]] = {}
    for name, ids in groups.items():
        forms: list[str] = []
        for gid in ids:
            forms += [m for m in members[gid] if m != name]
        out[name] = forms
    return out


_KEYBOARD = "abcdefghijklmnopqrstuvwxyz"


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))
    kind = rng.random()
    if kind < 0.35:  # substitution
        return word[:i] + rng.choice(_KEYBOARD) + word[i + 1 :]
    if kind < 0.6:  # deletion
        return word[:i] + word[i + 1 :]
    if kind < 0.8 and i < len(word) - 1:  # transposition
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice(_KEYBOARD) + word[i:]  # insertion


def _phone(rng: random.Random) -> str:
    return f"({rng.choice(AREA_CODES)}) 555-{rng.randrange(10000):04d}"


def _weighted(rng: random.Random, items: list[str] | tuple[str, ...]) -> str:
    # A gentle Zipf: the first names of each list are the most common.
    index = min(int(rng.paretovariate(1.1)) - 1, len(items) - 1)
    if rng.random() < 0.6:
        index = rng.randrange(len(items))
    return items[index]


def make_youth(rng: random.Random, cluster: int) -> Youth:
    """Invent one youth."""
    sex = "F" if rng.random() < 0.7 else "M"
    given = _weighted(rng, FEMALE if sex == "F" else MALE)
    family = _weighted(rng, FAMILY)
    if rng.random() < 0.2:
        family = f"{family} {_weighted(rng, FAMILY[:48])}"
    aliases: list[str] = []
    if rng.random() < 0.4:
        aliases.append(rng.choice(STREET_NAMES))
        if rng.random() < 0.25:
            aliases.append(rng.choice(STREET_NAMES))
    start = datetime.date(2008, 1, 1).toordinal()
    dob = datetime.date.fromordinal(start + rng.randrange(7 * 365))
    return Youth(
        cluster=cluster,
        given=given,
        family=family,
        aliases=aliases,
        dob=dob,
        sex=sex,
        place=rng.choice(PLACES),
        phone=_phone(rng),
    )


def _dob_error(rng: random.Random, dob: datetime.date) -> str:
    kind = rng.random()
    text = dob.isoformat()
    try:
        if kind < 0.3:  # one digit wrong in day or month-day
            pos = rng.choice([3, 6, 8, 9])
            candidate = text[:pos] + str(rng.randrange(10)) + text[pos + 1 :]
            return datetime.date.fromisoformat(candidate).isoformat()
        if kind < 0.5:  # two adjacent digits transposed (day)
            return datetime.date.fromisoformat(text[:8] + text[9] + text[8]).isoformat()
        if kind < 0.7 and dob.day <= 12:  # day and month swapped
            return dob.replace(month=dob.day, day=dob.month).isoformat()
        if kind < 0.85:  # year off by one
            return dob.replace(year=dob.year + rng.choice((-1, 1))).isoformat()
        return (dob + datetime.timedelta(days=rng.randint(-20, 20))).isoformat()
    except ValueError:
        return text


# The hard cases, each written on purpose in a small share of records (docs/identity.md,
# "Recall on messy records"); ``make_record`` names the one it wrote, for per-pattern figures.
PATTERNS = {
    "swap_typo": 0.015,  # given and family name swapped, and a typo
    "typos_no_dob": 0.015,  # a typo in both names, no date of birth
    "nickname_typo": 0.02,  # a nickname with a typo
    "street_phone": 0.015,  # a street name and a shared phone, nothing else
    "street_age": 0.02,  # a street name, an approximate age, sex and city (an officer's note)
}
SIBLINGS = 0.03  # share of youths with a sibling or twin: same family name, phone and address


def _age(dob: datetime.date, rng: random.Random) -> int:
    # Counted from today, as the batch reader counts an "age" column (batch.read_records).
    today = datetime.date.today()  # noqa: DTZ011 - a calendar day, no time zone involved
    years = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
    return years + rng.choice((-1, 0, 0, 0, 1))  # "about 15"


def _pattern_record(
    rng: random.Random,
    youth: Youth,
    record_id: str,
    pattern: str,
    nicknames: dict[str, list[str]],
) -> dict[str, str]:
    city, postcode = youth.place
    row = {
        "record_id": record_id,
        "given_name": youth.given,
        "family_name": youth.family,
        "aliases": "",
        "dob": youth.dob.isoformat(),
        "sex": youth.sex,
        "city": city,
        "postcode": postcode,
        "phone": "",
        "source": rng.choice(SOURCES),
        "age": "",
    }
    street = youth.aliases[0] if youth.aliases else youth.given
    if pattern == "swap_typo":
        row["given_name"] = _typo(rng, youth.family.split(" ")[0].lower()).title()
        row["family_name"] = youth.given
    elif pattern == "typos_no_dob":
        row["given_name"] = _typo(rng, youth.given.lower()).capitalize()
        row["family_name"] = _typo(rng, youth.family.lower()).title()
        row["dob"] = ""
    elif pattern == "nickname_typo":
        short = nicknames.get(youth.given.lower(), [])
        base = rng.choice(short) if short else youth.given.lower()
        row["given_name"] = _typo(rng, base).capitalize()
    elif pattern == "street_phone":
        row.update(given_name=street, family_name="", dob="", sex="", city="", postcode="")
        row["phone"] = youth.phone
    elif pattern == "street_age":
        row.update(given_name=street, family_name="", dob="", postcode="")
        row["age"] = str(_age(youth.dob, rng))
    return row


def make_record(
    rng: random.Random, youth: Youth, record_id: str, nicknames: dict[str, list[str]]
) -> dict[str, str]:
    """One agency's record of ``youth``, with realistic errors."""
    return _make_record(rng, youth, record_id, nicknames)[0]


def _make_record(
    rng: random.Random, youth: Youth, record_id: str, nicknames: dict[str, list[str]]
) -> tuple[dict[str, str], str]:
    r = rng.random()
    for pattern, share in PATTERNS.items():
        if r < share:
            return _pattern_record(rng, youth, record_id, pattern, nicknames), pattern
        r -= share
    given = youth.given
    family = youth.family
    r = rng.random()
    short_forms = nicknames.get(given.lower(), [])
    if r < 0.22 and short_forms:
        given = rng.choice(short_forms).capitalize()
    elif r < 0.30 and youth.aliases:
        given = youth.aliases[0]  # known only by a street name at this agency
    elif r < 0.36:
        given = _typo(rng, given.lower()).capitalize()
    elif r < 0.39:
        given = ""
    r = rng.random()
    if r < 0.06:
        family = _typo(rng, family.lower()).title()
    elif r < 0.16 and " " in family:
        family = rng.choice(family.split(" "))
    elif r < 0.19 and given:
        given, family = family, given
    elif r < 0.24:
        family = ""
    elif r < 0.26:
        family = rng.choice(FAMILY)  # a different family name (step-parent, foster family)
    aliases = [a for a in youth.aliases if rng.random() < 0.6]
    if short_forms and rng.random() < 0.1:
        aliases.append(rng.choice(short_forms).capitalize())
    r = rng.random()
    if r < 0.10:
        dob = ""
    elif r < 0.26:
        dob = _dob_error(rng, youth.dob)
    else:
        dob = youth.dob.isoformat()
    city, postcode = youth.place
    r = rng.random()
    if r < 0.1:
        city, postcode = rng.choice(PLACES)
    if rng.random() < 0.15:
        city = ""
    if rng.random() < 0.25:
        postcode = ""
    phone = youth.phone
    r = rng.random()
    if r < 0.4:
        phone = ""
    elif r < 0.6:
        phone = _phone(rng)
    return {
        "record_id": record_id,
        "given_name": given,
        "family_name": family,
        "aliases": ";".join(aliases),
        "dob": dob,
        "sex": "" if rng.random() < 0.05 else youth.sex,
        "city": city,
        "postcode": postcode,
        "phone": phone,
        "source": rng.choice(SOURCES),
        "age": "",
    }, ""


def generate(n: int, *, seed: int = 1) -> Iterator[tuple[dict[str, str], int]]:
    """Yield ``n`` records with the cluster (youth) each belongs to, in random order."""
    for row, cluster, _ in generate_tagged(n, seed=seed):
        yield row, cluster


def _sibling(rng: random.Random, youth: Youth, cluster: int) -> Youth:
    """Another youth of the same family: same family name, phone and address; a twin (same
    date of birth) one time in four."""
    other = make_youth(rng, cluster)
    other.family, other.phone, other.place = youth.family, youth.phone, youth.place
    if rng.random() < 0.25:
        other.dob = youth.dob
    else:
        other.dob = youth.dob + datetime.timedelta(
            days=rng.choice((-1, 1)) * rng.randint(300, 1500)
        )
    return other


def generate_tagged(n: int, *, seed: int = 1) -> Iterator[tuple[dict[str, str], int, str]]:
    """:func:`generate` with the hard pattern each record was written with ("" for none;
    "sibling" for a youth who has a sibling in the file)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    nicknames = _nicknames_by_name()
    pending: list[tuple[Youth, int]] = []
    cluster = 0
    produced = 0
    sizes = (1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5)
    # Records of one youth are spread out in the output, as they are across agencies.
    window: list[tuple[dict[str, str], int, str]] = []
    siblings: set[int] = set()
    while produced < n:
        cluster += 1
        youth = make_youth(rng, cluster)
        pending.append((youth, rng.choice(sizes)))
        if rng.random() < SIBLINGS:
            cluster += 1
            pending.append((_sibling(rng, youth, cluster), rng.choice(sizes)))
            siblings.update((cluster - 1, cluster))
        while pending and produced < n:
            youth, size = pending.pop()
            for _ in range(min(size, n - produced)):
                produced += 1
                row, pattern = _make_record(rng, youth, f"r{produced}", nicknames)
                if not pattern and youth.cluster in siblings:
                    pattern = "sibling"
                window.append((row, youth.cluster, pattern))
        if len(window) >= 5000:
            rng.shuffle(window)
            yield from window[:2500]
            window = window[2500:]
    rng.shuffle(window)
    yield from window


def write(
    n: int, *, seed: int, records: Path, truth: Path | None, patterns: Path | None = None
) -> int:
    """Write ``n`` records (and the truth: ``record_id,cluster_id``) as CSV; return n.
    ``patterns`` gets ``record_id,pattern`` for the records written with a hard pattern."""
    count = 0
    with records.open("w", newline="", encoding="utf-8") as out:
        writer = csvsafe.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        truth_file = truth.open("w", newline="", encoding="utf-8") if truth else None
        pattern_file = None
        try:
            truth_writer = csvsafe.writer(truth_file) if truth_file else None
            if truth_writer:
                truth_writer.writerow(["record_id", "cluster_id"])
            pattern_file = patterns.open("w", newline="", encoding="utf-8") if patterns else None
            pattern_writer = csvsafe.writer(pattern_file) if pattern_file else None
            if pattern_writer:
                pattern_writer.writerow(["record_id", "pattern"])
            for row, cluster, pattern in generate_tagged(n, seed=seed):
                writer.writerow(row)
                if truth_writer:
                    truth_writer.writerow([row["record_id"], f"y{cluster}"])
                if pattern_writer and pattern:
                    pattern_writer.writerow([row["record_id"], pattern])
                count += 1
        finally:
            if truth_file:
                truth_file.close()
            if pattern_file:
                pattern_file.close()
    return count
