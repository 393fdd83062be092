"""The possible-duplicates scan and the answers to it (through the services, real database)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.identity import duplicates, extensions, selectors, services
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import (
    DuplicateAnswer,
    DuplicateCandidate,
    DuplicateScan,
    DuplicateStatus,
    IdentityRecord,
    Person,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def later(minutes: int = 5) -> datetime.datetime:
    """A scan time past SCAN_LAG, so that records written just now are compared."""
    return timezone.now() + datetime.timedelta(minutes=minutes)


def add(data: IdentityInput, person: Person | None = None) -> IdentityRecord:
    return services.identity_record_create(data=data, person=person, by=None)


POLICE = IdentityInput(
    given_name="Jessica",
    family_name="Synthwell",
    aliases=("Sky",),
    dob=D(2010, 5, 4),
    sex="F",
    phone="5105550142",
    source="police",
)
SHELTER = IdentityInput(
    given_name="Jess", family_name="Synthwell", dob=D(2010, 4, 5), sex="F", source="shelter"
)


def _register() -> None:
    for given, family, dob in [
        ("Tariq", "Mensah", D(2009, 3, 2)),
        ("Maria", "Quillfeather", D(2011, 8, 19)),
        ("Ana", "Brightwater", D(2012, 1, 30)),
        ("Luis", "Ortega", D(2010, 11, 7)),
    ]:
        add(IdentityInput(given_name=given, family_name=family, dob=dob))


@pytest.fixture
def pair():
    _register()
    return add(POLICE), add(SHELTER)


def test_scan_queues_the_likely_pair_with_probability_and_reasons(pair):
    police, shelter = pair
    result = duplicates.duplicates_scan(now=later())
    assert result.finished and not result.busy
    assert result.records == 6
    item = DuplicateCandidate.objects.get()
    assert (item.low_id, item.high_id) == (police.person_id, shelter.person_id)
    assert item.status == DuplicateStatus.OPEN
    assert item.probability >= duplicates.QUEUE_MIN_PROBABILITY
    labels = {r.level for r in duplicates.reasons_of(item)}
    assert "nickname of the same name" in labels
    assert "day and month swapped" in labels
    # Labels only: no name, date or phone stored with the pair.
    assert "Synthwell" not in str(item.reasons) and "2010" not in str(item.reasons)
    assert AuditEntry.objects.filter(
        object_type="identity.duplicatecandidate", reason__contains="1 pairs queued"
    ).exists()


def test_a_second_run_queues_nothing_twice_and_compares_nothing(pair):
    first = duplicates.duplicates_scan(now=later())
    assert first.comparisons > 0 and first.queued == 1
    second = duplicates.duplicates_scan(now=later(6))
    assert (second.records, second.comparisons, second.queued) == (0, 0, 0)
    assert DuplicateCandidate.objects.count() == 1


def test_the_second_run_compares_only_the_records_added_since(pair):
    duplicates.duplicates_scan(now=later())
    new = add(IdentityInput(given_name="Jessie", family_name="Synthwell", dob=D(2010, 5, 4)))
    second = duplicates.duplicates_scan(now=later(6))
    assert second.records == 1  # only the new record, not the 6 of the register
    # Its comparisons are those of one lookup of that record, no more.
    expected = selectors.lookup_scored(
        selectors.input_of(new),
        limit=duplicates.CANDIDATES_PER_RECORD,
        min_probability=duplicates.QUEUE_MIN_PROBABILITY,
        exclude_person_ids=[new.person_id],
    ).comparisons
    assert second.comparisons == expected <= 6
    scan = DuplicateScan.objects.get()
    assert (scan.last_records, scan.last_comparisons) == (1, expected)
    pairs = set(DuplicateCandidate.objects.values_list("low_id", "high_id"))
    assert (pair[0].person_id, new.person_id) in pairs


def test_records_written_in_the_last_minute_wait_for_the_next_run(pair):
    result = duplicates.duplicates_scan(now=timezone.now())  # everything is newer than the lag
    assert result.records == 0
    assert duplicates.duplicates_scan(now=later()).records == 6


def test_a_worker_killed_mid_run_resumes_where_it_stopped(pair, monkeypatch):
    calls = {"n": 0}
    real = duplicates.lookup_scored

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise SystemExit("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(duplicates, "lookup_scored", dying)
    with pytest.raises(SystemExit):
        duplicates.duplicates_scan(now=later(), chunk=2)
    monkeypatch.setattr(duplicates, "lookup_scored", real)
    scan = DuplicateScan.objects.get()
    assert scan.cursor_id != 0  # the first chunk (two records) was committed
    assert scan.lease_until is not None  # the dead run's lease is still there
    # While the lease holds, another worker does nothing.
    assert duplicates.duplicates_scan(now=later(6)).busy
    # Once it has expired, the next run resumes from the cursor: only the remaining records.
    resumed = duplicates.duplicates_scan(now=later(20))
    assert resumed.finished and resumed.records == 4
    assert DuplicateCandidate.objects.count() == 1
    assert DuplicateScan.objects.get().lease_until is None


def test_not_the_same_is_never_proposed_again(pair, personas):
    duplicates.duplicates_scan(now=later())
    item = DuplicateCandidate.objects.get()
    duplicates.duplicate_answer(
        candidate=item, answer="not_same", note="", by=personas.coordinator, version=item.version
    )
    # Touching the records without changing a field that matters, and a full re-scan.
    police, shelter = pair
    services.identity_record_update(record=shelter, data=SHELTER, by=None)  # no change
    DuplicateScan.objects.update(cursor_at=None, cursor_id=0)
    result = duplicates.duplicates_scan(now=later(6))
    assert result.records == 6 and result.queued == 0 and result.reproposed == 0
    item.refresh_from_db()
    assert item.status == DuplicateStatus.NOT_SAME
    assert not duplicates.duplicates_queue(user=personas.coordinator).exists()


def test_not_the_same_is_proposed_again_when_a_matching_field_changes(pair, personas):
    duplicates.duplicates_scan(now=later())
    item = DuplicateCandidate.objects.get()
    duplicates.duplicate_answer(
        candidate=item, answer="not_same", note="", by=personas.coordinator, version=item.version
    )
    police, shelter = pair
    services.identity_record_update(
        record=shelter,
        data=IdentityInput(
            given_name="Jess",
            family_name="Synthwell",
            dob=D(2010, 4, 5),
            sex="F",
            phone="5105550142",  # now shares the police record's phone
        ),
        by=None,
    )
    result = duplicates.duplicates_scan(now=later(6))
    assert result.records == 1 and result.reproposed == 1
    item.refresh_from_db()
    assert item.status == DuplicateStatus.OPEN
    assert DuplicateAnswer.objects.filter(candidate=item).count() == 1


def test_not_sure_stays_in_the_queue_with_its_note(pair, personas):
    duplicates.duplicates_scan(now=later())
    item = DuplicateCandidate.objects.get()
    with pytest.raises(duplicates.QueueError):
        duplicates.duplicate_answer(
            candidate=item, answer="unsure", note="  ", by=personas.coordinator
        )
    duplicates.duplicate_answer(
        candidate=item,
        answer="unsure",
        note="Ask the shelter for the phone number.",
        by=personas.coordinator,
        version=item.version,
    )
    item.refresh_from_db()
    assert item.status == DuplicateStatus.UNSURE
    assert list(duplicates.duplicates_queue(user=personas.coordinator)) == [item]
    answer = DuplicateAnswer.objects.get()
    assert answer.note == "Ask the shelter for the phone number."
    entry = AuditEntry.objects.get(object_type="identity.duplicatecandidate", action=Action.UPDATE)
    assert "shelter" not in entry.reason  # the note never goes into the log


def test_same_youth_merges_with_the_reason_and_an_undo_asks_again(pair, personas):
    police, shelter = pair
    duplicates.duplicates_scan(now=later())
    item = DuplicateCandidate.objects.get()
    duplicates.duplicate_answer(
        candidate=item,
        answer="same",
        note="Same phone confirmed by the shelter.",
        by=personas.coordinator,
        version=item.version,
        survivor_id=shelter.person_id,
    )
    item.refresh_from_db()
    assert item.status == DuplicateStatus.SAME and item.merge is not None
    assert item.merge.survivor_id == shelter.person_id
    assert item.merge.reason == "Same phone confirmed by the shelter."
    assert Person.objects.get(pk=police.person_id).merged_into_id == shelter.person_id
    # Answering again is refused.
    with pytest.raises(duplicates.QueueError):
        duplicates.duplicate_answer(
            candidate=item, answer="not_same", note="", by=personas.coordinator
        )
    # The merge, undone: the records move back, and the next scan asks about the pair again.
    services.merge_undo(merge=item.merge, reason="Two youths after all.", by=personas.coordinator)
    assert duplicates.duplicates_scan(now=later(6)).reproposed == 1
    item.refresh_from_db()
    assert item.status == DuplicateStatus.OPEN


def test_a_stale_answer_is_refused(pair, personas):
    duplicates.duplicates_scan(now=later())
    item = DuplicateCandidate.objects.get()
    shown = item.version
    duplicates.duplicate_answer(
        candidate=item, answer="unsure", note="Check it.", by=personas.coordinator, version=shown
    )
    with pytest.raises(duplicates.StaleAnswer):
        duplicates.duplicate_answer(
            candidate=item, answer="not_same", note="", by=personas.coordinator, version=shown
        )
    item.refresh_from_db()
    assert item.status == DuplicateStatus.UNSURE


def test_merging_elsewhere_retires_the_waiting_pairs(pair, personas):
    police, shelter = pair
    duplicates.duplicates_scan(now=later())
    third = add(IdentityInput(given_name="Zed", family_name="Quorn", dob=D(2001, 1, 1)))
    services.person_merge(
        survivor=third.person, absorbed=shelter.person, reason="test", by=personas.coordinator
    )
    assert DuplicateCandidate.objects.get().status == DuplicateStatus.GONE


def test_open_cases_come_first(personas):
    _register()
    add(POLICE), add(SHELTER)
    c = add(IdentityInput(given_name="Tariq", family_name="Mensah", dob=D(2009, 2, 3)))
    extensions.register_open_cases("test", lambda ids: {c.person_id} & set(ids))
    try:
        duplicates.duplicates_scan(now=later())
        queue = list(duplicates.duplicates_queue(user=personas.coordinator))
        assert len(queue) == 2
        assert queue[0].open_case and c.person_id in (queue[0].low_id, queue[0].high_id)
        assert not queue[1].open_case
    finally:
        extensions.unregister_open_cases("test")
    assert duplicates.duplicates_refresh_open_cases() == 1


def test_weekly_counts(pair, personas):
    duplicates.duplicates_scan(now=later())
    item = DuplicateCandidate.objects.get()
    duplicates.duplicate_answer(
        candidate=item, answer="not_same", note="", by=personas.coordinator, version=item.version
    )
    weeks = duplicates.duplicates_weekly_counts(weeks=4)
    assert len(weeks) == 4
    assert (weeks[0].proposed, weeks[0].not_same, weeks[0].same) == (1, 1, 0)
    assert sum(w.proposed for w in weeks[1:]) == 0


def test_reviewed_pairs_become_labels(pair, personas):
    duplicates.duplicates_scan(now=later())
    item = DuplicateCandidate.objects.get()
    duplicates.duplicate_answer(
        candidate=item, answer="not_same", note="", by=personas.coordinator, version=item.version
    )
    same, different = duplicates.reviewed_levels()
    assert same == [] and len(different) == 1
    assert different[0] == duplicates.levels_of(duplicates.reasons_of(item))


def test_only_coordinators_see_the_queue(personas):
    from django.http import Http404

    for name in ("advocate", "officer", "analyst", "administrator"):
        with pytest.raises(Http404):
            duplicates.duplicates_queue(user=getattr(personas, name))
