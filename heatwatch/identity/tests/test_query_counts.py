"""N+1 guards: the identity lookup, a person's possible duplicates and the merge history need no
more queries for 12 candidates (or merges) than for 2, and show them all."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from heatwatch.identity import services
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import IdentityRecord

pytestmark = pytest.mark.django_db

FEW, MORE = 2, 10


def _people(n: int) -> list[IdentityRecord]:
    """``n`` people who may all be the youth looked up: same name and date of birth, each seen
    by another agency with another phone."""
    return [
        services.identity_record_create(
            data=IdentityInput(
                given_name="Jessica",
                family_name="Ruiz",
                dob=datetime.date(2010, 5, 4),
                phone=f"51055501{IdentityRecord.objects.count():02d}",
                source=f"Agency {IdentityRecord.objects.count()}",
            ),
            by=None,
        )
        for _ in range(n)
    ]


def _person_links(response) -> int:
    return response.content.decode().count('href="/staff/identity/people/')


def test_lookup_with_several_candidates(personas, login, queries_do_not_grow):
    records = _people(FEW)
    client = login(Client(), personas.coordinator)
    query = {"given_name": "Jess", "family_name": "Ruiz", "dob": "2010-05-04"}
    before, after = queries_do_not_grow(
        lambda: client.get("/staff/identity/", query),
        lambda: records.extend(_people(MORE)),
        most=20,
    )
    assert _person_links(before) == FEW
    assert _person_links(after) == FEW + MORE
    assert all(f"/staff/identity/people/{r.person_id}/" in after.content.decode() for r in records)


def test_person_page_with_many_possible_duplicates(personas, login, queries_do_not_grow):
    person = _people(1)[0]
    others = _people(FEW)
    client = login(Client(), personas.coordinator)
    _, after = queries_do_not_grow(
        lambda: client.get(f"/staff/identity/people/{person.person_id}/"),
        lambda: others.extend(_people(MORE - FEW)),  # ten: the most duplicates shown
        most=20,
    )
    page = after.content.decode()
    assert all(f"compare/{r.person_id}/" in page for r in others)


def test_merge_history(personas, login, queries_do_not_grow):
    def merges(n: int) -> None:
        for a, b in zip(_people(n), _people(n), strict=True):
            services.person_merge(
                survivor=a.person, absorbed=b.person, reason="same youth", by=personas.coordinator
            )

    merges(FEW)
    client = login(Client(), personas.coordinator)
    before, after = queries_do_not_grow(
        lambda: client.get("/staff/identity/merges/"), lambda: merges(MORE), most=15
    )
    assert before.content.decode().count("/undo/") == FEW
    assert after.content.decode().count("/undo/") == FEW + MORE
