"""Storing identities, finding candidates, merging and undoing merges (database)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.identity import selectors, services
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import BlockingKey, IdentityRecord, Merge, Person, TermCount
from heatwatch.lib.crypto import is_token

pytestmark = pytest.mark.django_db

D = datetime.date

JESSICA = IdentityInput(
    given_name="Jessica",
    family_name="Ruiz Morales",
    aliases=("Sky",),
    dob=D(2010, 5, 4),
    sex="F",
    city="Harbor Point",
    postcode="94610",
    phone="(510) 555-0142",
    source="Bayview Police Department",
    source_record_id="BPD-2026-0042",
)


def _others() -> list[IdentityInput]:
    return [
        IdentityInput(given_name="Jessica", family_name="Rios", dob=D(2011, 2, 9), sex="F"),
        IdentityInput(given_name="Jasmine", family_name="Ruiz", dob=D(2010, 5, 4), sex="F"),
        IdentityInput(
            given_name="Maria", family_name="Morales", dob=D(2009, 7, 1), city="Tidewater"
        ),
        IdentityInput(given_name="Tariq", family_name="Mensah", dob=D(2010, 5, 4), sex="M"),
        IdentityInput(given_name="Jess", family_name="Garcia", dob=D(2012, 1, 30), sex="F"),
    ]


@pytest.fixture
def stored(personas):
    target = services.identity_record_create(data=JESSICA, by=personas.coordinator)
    for other in _others():
        services.identity_record_create(data=other, by=None)
    return target


@pytest.mark.parametrize(
    "query",
    [
        IdentityInput(given_name="Jess", family_name="Ruiz", dob=D(2010, 4, 5)),  # nickname, swap
        IdentityInput(given_name="Sky", family_name="Morales", dob=D(2010, 5, 4)),  # street name
        IdentityInput(given_name="Jessica", family_name="Ruiz", phone="510 555 0142"),  # no dob
        IdentityInput(given_name="Ruiz", family_name="Jessica", dob=D(2010, 5, 4)),  # swapped
        IdentityInput(given_name="Jesica", family_name="Ruiz Morales", dob=D(2011, 5, 4)),  # typo
    ],
)
def test_true_record_is_ranked_first_with_reasons(stored, query):
    candidates = selectors.find_candidates(query)
    assert candidates, "no candidates"
    best = candidates[0]
    assert best.person_id == stored.person_id
    assert best.record_id == stored.pk
    assert best.probability > 0.5
    assert any(r.agrees for r in best.reasons)
    assert [c.probability for c in candidates] == sorted(
        (c.probability for c in candidates), reverse=True
    )


def test_reasons_name_the_fields_that_agreed(stored):
    best = selectors.find_candidates(
        IdentityInput(given_name="Jess", family_name="Ruiz Morales", dob=D(2010, 4, 5))
    )[0]
    reasons = {r.field: r.level for r in best.reasons}
    assert reasons["Given name"] == "nickname of the same name"
    assert reasons["Date of birth"] == "day and month swapped"
    assert reasons["Family name"] == "exact"


def test_unknown_youth_finds_nobody_likely(stored):
    candidates = selectors.find_candidates(
        IdentityInput(given_name="Xiomara", family_name="Okafor", dob=D(2013, 12, 25))
    )
    assert all(c.probability < 0.5 for c in candidates)
    assert selectors.find_candidates(IdentityInput()) == []


def test_nothing_personal_is_stored_in_clear(stored):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM identity_identityrecord")
        rows = cursor.fetchall()
        cursor.execute("SELECT key FROM identity_blockingkey")
        keys = cursor.fetchall()
        cursor.execute("SELECT key, count FROM identity_termcount")
        counts = cursor.fetchall()
    # Encrypted columns hold tokens (random base64 may spell anything); everything else must
    # be free of the youth's details.
    clear = [v for row in rows for v in row if not (isinstance(v, str) and is_token(v))]
    tokens = [v for row in rows for v in row if isinstance(v, str) and is_token(v)]
    assert len(tokens) >= 6 * 3
    dump = repr(clear).lower()
    for secret in (
        "jessica",
        "ruiz",
        "sky",
        "2010-05-04",
        "20100504",
        "5550142",
        "harbor",
        "94610",
        "bpd-2026",
    ):
        assert secret not in dump, secret
    assert keys and all(isinstance(k, int) for (k,) in keys)
    assert all(isinstance(k, int) for k, _ in counts)


def test_record_creation_keeps_counts_and_is_audited(stored, personas):
    assert TermCount.objects.get(key=0).count == 6
    assert BlockingKey.objects.filter(record=stored).count() > 5
    entry = AuditEntry.objects.filter(
        action=Action.CREATE, object_type="identity.identityrecord", object_id=str(stored.pk)
    ).get()
    assert entry.object_type == "identity.identityrecord"
    assert entry.actor_username == "coordinator"
    record = IdentityRecord.objects.get(pk=stored.pk)
    assert record.given_name == "Jessica"
    assert record.dob == D(2010, 5, 4)


def test_bulk_create_groups_people_and_finds_them(db):
    items = [(JESSICA, "y1"), (IdentityInput(given_name="Jess", family_name="Ruiz"), "y1")]
    items += [(other, None) for other in _others()]
    assert services.identity_records_bulk_create(items=items, by=None, batch_size=3) == 7
    assert Person.objects.count() == 6
    assert TermCount.objects.get(key=0).count == 7
    first = IdentityRecord.objects.order_by("pk").first()
    assert first is not None
    best = selectors.find_candidates(
        IdentityInput(given_name="Jessica", family_name="Ruiz Morales", dob=D(2010, 5, 4))
    )[0]
    assert best.person_id == first.person_id
    assert AuditEntry.objects.filter(reason="bulk load of 7 identity records").exists()


def _state():
    return (
        sorted(IdentityRecord.objects.values_list("pk", "person_id")),
        sorted(Person.objects.values_list("pk", "merged_into_id")),
    )


def test_merge_then_undo_restores_exactly(personas):
    a = services.identity_record_create(data=JESSICA, by=None)
    b = services.identity_record_create(
        data=IdentityInput(given_name="Sky", family_name="Ruiz"), by=None
    )
    c = services.identity_record_create(
        data=IdentityInput(given_name="Jess", family_name="Morales"), person=b.person, by=None
    )
    before = _state()
    first_seq = AuditEntry.objects.order_by("-seq").first().seq
    merge = services.person_merge(
        survivor=a.person,
        absorbed=b.person,
        reason="same phone and school",
        by=personas.coordinator,
    )
    assert merge.record_ids == sorted([b.pk, c.pk])
    assert set(IdentityRecord.objects.values_list("person_id", flat=True)) == {a.person_id}
    absorbed = Person.objects.get(pk=b.person_id)
    assert absorbed.merged_into_id == a.person_id
    merge_entries = AuditEntry.objects.filter(seq__gt=first_seq)
    assert {(e.action, e.object_type) for e in merge_entries} == {
        (Action.CREATE, "identity.merge"),
        (Action.UPDATE, "identity.person"),
    }
    assert all("same phone" not in e.reason for e in merge_entries)

    # A record added to the survivor after the merge stays with it.
    later = services.identity_record_create(
        data=IdentityInput(given_name="Jessie"), person=a.person, by=None
    )
    services.merge_undo(merge=merge, reason="different youths", by=personas.coordinator)
    records, people = _state()
    assert (later.pk, a.person_id) in records
    records.remove((later.pk, a.person_id))
    added_person = [p for p in people if p[0] == later.person_id]
    assert (records, people) == (before[0], before[1]) or (records, people) == before
    assert added_person == [(a.person_id, None)]
    merge.refresh_from_db()
    assert merge.is_undone and merge.undone_by == personas.coordinator
    undo_entries = AuditEntry.objects.filter(reason=f"identity merge {merge.pk} undone")
    assert undo_entries.count() == 3
    # Nothing was deleted from the log by the undo.
    assert AuditEntry.objects.filter(reason=f"identity merge {merge.pk}").count() == 3


def test_merge_and_undo_refuse_bad_requests(personas):
    a = services.identity_record_create(data=JESSICA, by=None)
    b = services.identity_record_create(data=IdentityInput(given_name="Sky"), by=None)
    c = services.identity_record_create(data=IdentityInput(given_name="Jess"), by=None)
    by = personas.coordinator
    with pytest.raises(services.MergeError):
        services.person_merge(survivor=a.person, absorbed=a.person, reason="x", by=by)
    with pytest.raises(services.MergeError):
        services.person_merge(survivor=a.person, absorbed=b.person, reason="  ", by=by)
    first = services.person_merge(survivor=a.person, absorbed=b.person, reason="same", by=by)
    with pytest.raises(services.MergeError):  # b is no longer active
        services.person_merge(survivor=c.person, absorbed=b.person, reason="same", by=by)
    with pytest.raises(services.MergeError):
        services.identity_record_create(
            data=JESSICA, person=Person.objects.get(pk=b.person_id), by=None
        )
    second = services.person_merge(
        survivor=c.person, absorbed=Person.objects.get(pk=a.person_id), reason="same", by=by
    )
    with pytest.raises(services.MergeError, match="undo that merge first"):
        services.merge_undo(merge=first, reason="wrong", by=by)
    services.merge_undo(merge=second, reason="wrong", by=by)
    services.merge_undo(merge=first, reason="wrong", by=by)
    with pytest.raises(services.MergeError, match="already undone"):
        services.merge_undo(merge=first, reason="wrong", by=by)
    assert Merge.objects.filter(undone_at__isnull=True).count() == 0
    assert Person.objects.filter(merged_into__isnull=False).count() == 0


def test_bulk_load_encrypts_and_keeps_term_counts_in_step(db):
    items = [(JESSICA, "y1"), *[(other, None) for other in _others()]]
    services.identity_records_bulk_create(items=items, by=None, batch_size=2, defer_indexes=True)
    services.identity_records_bulk_create(items=[(JESSICA, None)], by=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT given_name, family_name, dob, features FROM identity_identityrecord")
        rows = cursor.fetchall()
    assert rows and all(is_token(v) for row in rows for v in row if v)
    assert "jessica" not in repr(rows).lower()
    assert IdentityRecord.objects.order_by("pk").first().given_name == "Jessica"
    stored = {k: c for k, c in TermCount.objects.values_list("key", "count")}
    assert stored[0] == len(items) + 1
    for key in set(BlockingKey.objects.values_list("key", flat=True)):
        assert stored[key] == BlockingKey.objects.filter(key=key).count()
    # The deferred index is back.
    assert any(i.name == "identity_key_record" for i in BlockingKey._meta.indexes)
    with connection.cursor() as cursor:
        names = connection.introspection.get_constraints(cursor, BlockingKey._meta.db_table)
    assert "identity_key_record" in names
