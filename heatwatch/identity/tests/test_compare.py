"""Comparing two people (selectors.compare_persons): the closest pair of their records."""

from __future__ import annotations

import datetime

import pytest

from heatwatch.identity import selectors, services
from heatwatch.identity.indexing import TOTAL_KEY, IdentityInput
from heatwatch.identity.models import IdentityRecord, Person, TermCount

pytestmark = pytest.mark.django_db

D = datetime.date


def _person(*inputs: IdentityInput) -> Person:
    first = services.identity_record_create(data=inputs[0], by=None)
    for data in inputs[1:]:
        services.identity_record_create(data=data, person=first.person, by=None)
    return first.person


def _pair_alone(left: IdentityRecord, right: IdentityRecord) -> tuple[float, tuple]:
    """One pair scored on its own, as the compare page did before (one pair per call)."""
    stored = TermCount.objects.filter(key=TOTAL_KEY).values_list("count", flat=True).first()
    levels, probability = selectors._score(
        selectors._features_of(left.features),
        (0.0, 0.0),
        [selectors._features_of(right.features)],
        stored=stored or 1,
    )
    reasons = tuple(
        selectors.Reason(f, lvl, ok) for f, lvl, ok in selectors.engine.reasons(levels[0])
    )
    return float(probability[0]), reasons


@pytest.fixture
def people(db):
    jessica = _person(
        IdentityInput(given_name="Jessica", family_name="Ruiz", dob=D(2010, 5, 4)),
        IdentityInput(given_name="Sky", family_name="Morales", city="Harbor Point"),
        IdentityInput(given_name="Jessie", family_name="Ruiz Morales", phone="5105550142"),
    )
    jess = _person(
        IdentityInput(given_name="Jasmine", family_name="Rios", dob=D(2011, 2, 9)),
        IdentityInput(given_name="Jess", family_name="Ruiz", dob=D(2010, 4, 5)),
    )
    return jessica, jess


def test_the_closest_pair_is_the_one_each_pair_scored_alone_ranks_first(people):
    jessica, jess = people
    comparison = selectors.compare_persons(left=jessica, right=jess)
    assert [r.pk for r in comparison.left] == sorted(r.pk for r in comparison.left)
    assert len(comparison.left) == 3 and len(comparison.right) == 2
    scored = [
        (_pair_alone(a, b), b) for a in comparison.left for b in comparison.right
    ]  # left outermost, as the page shows them
    (probability, reasons), record = max(scored, key=lambda s: s[0][0])
    best = comparison.best
    assert best is not None
    assert best.record_id == record.pk and best.person_id == jess.pk
    assert best.probability == pytest.approx(probability, abs=1e-12)
    assert best.reasons == reasons
    assert any(r.level == "day and month swapped" for r in best.reasons)


def test_a_person_without_records_has_no_closest_pair(people):
    jessica, _ = people
    empty = Person.objects.create()
    comparison = selectors.compare_persons(left=jessica, right=empty)
    assert comparison.best is None
    assert len(comparison.left) == 3 and comparison.right == []


def test_comparing_reads_the_same_number_of_rows_however_many_records(
    people, django_assert_num_queries
):
    jessica, jess = people
    one = _person(IdentityInput(given_name="Maria", family_name="Morales"))
    other = _person(IdentityInput(given_name="Mary", family_name="Morales"))
    # Two people of one record each, then three records against two: the same three queries
    # (records of each, the register size), not one per pair.
    with django_assert_num_queries(3):
        assert selectors.compare_persons(left=one, right=other).best is not None
    with django_assert_num_queries(3):
        assert selectors.compare_persons(left=jessica, right=jess).best is not None
