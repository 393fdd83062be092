"""Updating and deleting one source record: keys and name counts stay in step (cases uses
these when a youth's details are corrected or a case created in error is deleted)."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.identity import selectors, services
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import BlockingKey, IdentityRecord, Person, TermCount

pytestmark = pytest.mark.django_db

ROSA = IdentityInput(
    given_name="Rosa",
    family_name="Quintanilla",
    dob=datetime.date(2011, 6, 2),
    sex="F",
    city="Eastgate",
    source="cases",
    source_record_id="cases.youth:7",
)
OTHER = IdentityInput(given_name="Dana", family_name="Whitfield", dob=datetime.date(2009, 1, 1))


def assert_counts_in_step() -> None:
    stored = dict(TermCount.objects.values_list("key", "count"))
    assert stored[0] == IdentityRecord.objects.count()
    for key in set(BlockingKey.objects.values_list("key", flat=True)):
        assert stored[key] == BlockingKey.objects.filter(key=key).count()


def test_update_moves_keys_and_counts_and_is_audited_by_field_name():
    record = services.identity_record_create(data=ROSA, by=None)
    services.identity_record_create(data=OTHER, by=None)
    renamed = dataclasses.replace(ROSA, family_name="Quintero", city="Northport")
    services.identity_record_update(record=record, data=renamed, by=None)
    record.refresh_from_db()
    assert record.family_name == "Quintero" and record.source_record_id == "cases.youth:7"
    assert_counts_in_step()
    found = selectors.find_candidates(dataclasses.replace(renamed, source="other"))
    assert found and found[0].person_id == record.person_id
    entry = AuditEntry.objects.get(
        action=Action.UPDATE, object_type="identity.identityrecord", object_id=str(record.pk)
    )
    assert set(entry.fields) == {"family_name", "city"}
    # nothing changed: no write, no entry
    services.identity_record_update(record=record, data=renamed, by=None)
    assert AuditEntry.objects.filter(action=Action.UPDATE).count() == 1


def test_record_of_source_follows_merges():
    record = services.identity_record_create(data=ROSA, by=None)
    survivor = services.identity_record_create(data=OTHER, by=None).person
    services.person_merge(survivor=survivor, absorbed=record.person, reason="same youth", by=None)
    found = selectors.record_of_source(
        person_id=record.person_id, source="cases", source_record_id="cases.youth:7"
    )
    assert found is not None and found.pk == record.pk
    assert (
        selectors.record_of_source(
            person_id=survivor.pk, source="cases", source_record_id="cases.youth:8"
        )
        is None
    )


def test_delete_removes_the_record_and_an_orphan_person_only():
    record = services.identity_record_create(data=ROSA, by=None)
    kept = services.identity_record_create(data=OTHER, by=None)
    second = services.identity_record_create(data=OTHER, person=kept.person, by=None)
    assert services.identity_record_delete(record=record, by=None, reason="entered in error")
    assert not Person.objects.filter(pk=record.person_id).exists()
    assert not services.identity_record_delete(record=second, by=None)
    assert Person.objects.filter(pk=kept.person_id).exists()
    assert_counts_in_step()
    assert AuditEntry.objects.filter(action=Action.DELETE).count() == 3
