"""N+1 guards: the prosecution list (page and API), the docket month and the API docket, and
the entity list need no more queries for 12 rows than for 2. The entity list audits each
entity it shows (by design): those entries are counted apart (``audited_by``)."""

from __future__ import annotations

from datetime import date

import pytest

from heatwatch.cases.tests.conftest import open_case
from heatwatch.prosecution import services
from heatwatch.prosecution.tests.conftest import open_prosecution, signed_in

pytestmark = pytest.mark.django_db

FEW, MORE = 2, 10


def _prosecutions(personas, vwa, n):
    return [open_prosecution(personas, advocate=vwa, name=f"Defendant {i}") for i in range(n)]


@pytest.mark.parametrize("path", ["/staff/prosecution/", "/api/prosecution"])
def test_prosecution_lists(personas, login, queries_do_not_grow, vwa, path):
    made = _prosecutions(personas, vwa, FEW)
    client = signed_in(login, personas.prosecutor)
    _, after = queries_do_not_grow(
        lambda: client.get(path),
        lambda: made.extend(_prosecutions(personas, vwa, MORE)),
        most=25,
    )
    assert all(p.reference in after.content.decode() for p in made)


def _hearings(personas, n):
    for i in range(n):
        case = open_case(personas, legal_name=f"Youth Docket{i}", date_of_birth=None)
        services.hearing_record(
            case=case,
            by=personas.prosecutor,
            on=date(2026, 12, 1 + i),
            department="Dept. 1",
            purpose="review",
        )


@pytest.mark.parametrize(
    "path",
    ["/staff/prosecution/docket/?month=2026-12", "/api/prosecution/hearings?from=2026-12-01"],
)
def test_docket(personas, login, queries_do_not_grow, path):
    _hearings(personas, FEW)
    client = signed_in(login, personas.advocate)
    _, after = queries_do_not_grow(
        lambda: client.get(path), lambda: _hearings(personas, MORE), most=25
    )
    assert after.status_code == 200


def test_entity_list(personas, login, queries_do_not_grow, case):
    def add(n, start):
        for i in range(n):
            entity, _ = services.entity_add(
                kind="handle", value=f"handle_{start + i}", by=personas.officer
            )
            services.entity_link(entity=entity, by=personas.coordinator, case=case)

    add(FEW, 0)
    client = signed_in(login, personas.officer)
    queries_do_not_grow(
        lambda: client.get("/staff/prosecution/entities/"),
        lambda: add(MORE, 100),
        most=25,
        audited_by=personas.officer,
    )
