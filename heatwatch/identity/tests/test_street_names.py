"""Street names and sparse intakes: "Sunny, about 15, female, Bayview" meets the earlier record
whose given name is Sunny, and the record under her legal name that lists Sunny as an alias
with a date of birth one digit off; at intake (the lookup page), in the queue and in
``identity dedupe``."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from heatwatch.conftest import login_verified
from heatwatch.identity import duplicates, selectors, services
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import DuplicateCandidate
from heatwatch.identity.names import birth_year_range, blocking_keys

D = datetime.date
TODAY = timezone.localdate()
# Fifteen today, give or take: born fifteen years ago, and the legal record's year one digit off.
BORN = D(TODAY.year - 15, 3, 14)
OFF_BY_A_DIGIT = D(TODAY.year - 16, 3, 14) if str(TODAY.year - 15)[-1] != "0" else BORN

SUNNY_INTAKE = IdentityInput(given_name="Sunny", age=15, sex="F", city="Bayview", source="police")
EARLIER_STREET = IdentityInput(
    given_name="Sunny", sex="F", city="Bayview", dob=BORN, source="outreach"
)
LEGAL = IdentityInput(
    given_name="Marisol",
    family_name="Quillfeather",
    aliases=("Sunny",),
    dob=OFF_BY_A_DIGIT,
    sex="F",
    city="Harbor Point",
    source="school",
)


def _crowd() -> None:
    """Other youths in the register, some sharing the street name or the town."""
    for given, family, aliases, sex, dob, city in [
        ("Sunny", "Okafor", (), "M", D(TODAY.year - 15, 6, 1), "Bayview"),  # a boy
        ("Ana", "Brightwater", ("Sunny",), "F", D(TODAY.year - 22, 1, 5), "Bayview"),  # 22
        ("Tariq", "Mensah", (), "M", D(TODAY.year - 14, 2, 2), "Bayview"),
        ("Jade", "Ortega", ("Star",), "F", D(TODAY.year - 15, 9, 9), "Bayview"),
    ]:
        services.identity_record_create(
            data=IdentityInput(
                given_name=given, family_name=family, aliases=aliases, sex=sex, dob=dob, city=city
            ),
            by=None,
        )


def test_an_approximate_age_is_a_range_of_birth_years():
    assert birth_year_range(15, D(2026, 12, 2)) == (2009, 2012)
    assert birth_year_range(45) == ()  # not a youth's age
    keys = blocking_keys(SUNNY_INTAKE.features())
    assert {k for k in keys if k.startswith("ny|")} and {k for k in keys if k.startswith("nc|")}
    # A full record keys only its aliases this way, not its given name.
    full = IdentityInput(given_name="Marisol", family_name="Quillfeather", dob=BORN, sex="F")
    assert not {k for k in blocking_keys(full.features()) if k.startswith("ny|")}


@pytest.mark.django_db
def test_both_records_are_candidates_at_intake_with_reasons(client, personas):
    _crowd()
    street = services.identity_record_create(data=EARLIER_STREET, by=None)
    legal = services.identity_record_create(data=LEGAL, by=None)
    found = selectors.find_candidates(SUNNY_INTAKE, limit=5)
    people = [c.person_id for c in found]
    assert street.person_id in people and legal.person_id in people
    by_person = {c.person_id: c for c in found}
    assert ("Date of birth", "approximate age fits", True) in {
        (r.field, r.level, r.agrees) for r in by_person[legal.person_id].reasons
    }
    # Through the coordinators' intake lookup page.
    login_verified(client, personas.coordinator)
    response = client.get(
        "/staff/identity/", {"given_name": "Sunny", "age": "15", "sex": "F", "city": "Bayview"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/staff/identity/people/{street.person_id}/"' in page
    assert f'href="/staff/identity/people/{legal.person_id}/"' in page
    assert "approximate age fits" in page
    bad = client.get("/staff/identity/", {"given_name": "Sunny", "age": "abc"})
    assert bad.status_code == 200 and "Enter a whole number." in bad.content.decode()


@pytest.mark.django_db
def test_both_pairs_are_queued_by_the_scan():
    _crowd()
    street = services.identity_record_create(data=EARLIER_STREET, by=None)
    legal = services.identity_record_create(data=LEGAL, by=None)
    intake = services.identity_record_create(data=SUNNY_INTAKE, by=None)
    duplicates.duplicates_scan(now=timezone.now() + datetime.timedelta(minutes=5))
    pairs = set(DuplicateCandidate.objects.values_list("low_id", "high_id"))
    assert tuple(sorted((intake.person_id, street.person_id))) in pairs
    assert tuple(sorted((intake.person_id, legal.person_id))) in pairs


def test_identity_dedupe_proposes_both_pairs(tmp_path: Path):
    rows = [
        "record_id,given_name,family_name,aliases,dob,sex,city,postcode,phone,source,age",
        "intake,Sunny,,,,F,Bayview,,,police,15",
        f"street,Sunny,,,{BORN.isoformat()},F,Bayview,,,outreach,",
        f"legal,Marisol,Quillfeather,Sunny,{OFF_BY_A_DIGIT.isoformat()},F,Harbor Point,,,school,",
        f"boy,Sunny,Okafor,,{D(TODAY.year - 15, 6, 1).isoformat()},M,Bayview,,,police,",
        f"older,Ana,Brightwater,Sunny,{D(TODAY.year - 22, 1, 5).isoformat()},F,Bayview,,,police,",
        "bad,Sunny,,,,F,Bayview,,,police,about fifteen",
    ]
    data = tmp_path / "intake.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out_path = tmp_path / "pairs.csv"
    out, err = StringIO(), StringIO()
    call_command(
        "identity",
        "dedupe",
        str(data),
        "-o",
        str(out_path),
        "--threshold",
        "0.01",
        "--no-progress",
        stdout=out,
        stderr=err,
    )
    assert "line 7: age is not a whole number of years; line skipped" in err.getvalue()
    pairs = {
        tuple(sorted(line.split(",")[:2]))
        for line in out_path.read_text(encoding="utf-8").splitlines()[1:]
    }
    assert ("intake", "street") in pairs
    assert ("intake", "legal") in pairs
    assert ("boy", "intake") not in pairs  # a boy is not her
