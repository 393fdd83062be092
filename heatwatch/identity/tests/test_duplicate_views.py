"""The possible-duplicates queue pages over HTTP: the queue, one pair, the three answers."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.conftest import login_verified
from heatwatch.identity import duplicates, services
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import (
    DuplicateAnswer,
    DuplicateCandidate,
    DuplicateStatus,
    Merge,
    Person,
)
from heatwatch.identity.tests.test_duplicates import POLICE, SHELTER, _register, add, later

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def queued():
    _register()
    police, shelter = add(POLICE), add(SHELTER)
    duplicates.duplicates_scan(now=later())
    return police, shelter, DuplicateCandidate.objects.get()


def test_outsiders_get_403_and_nothing_changes(client, personas, queued):
    _, _, item = queued
    for name in ("advocate", "officer", "prosecutor", "analyst", "administrator", "no_role"):
        login_verified(client, getattr(personas, name))
        assert client.get("/staff/identity/duplicates/").status_code == 403
        assert client.get(f"/staff/identity/duplicates/{item.pk}/").status_code == 403
        response = client.post(
            f"/staff/identity/duplicates/{item.pk}/",
            {"answer": "not_same", "not_same-version": item.version},
        )
        assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == DuplicateStatus.OPEN
    assert not AuditEntry.objects.filter(action=Action.READ).exists()


def test_queue_lists_the_pair_with_its_probability(client, personas, queued):
    police, shelter, item = queued
    login_verified(client, personas.coordinator)
    response = client.get("/staff/identity/duplicates/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Person {police.person_id} and person {shelter.person_id}" in page
    assert f'href="/staff/identity/duplicates/{item.pk}/"' in page
    assert "Possible duplicates per week" in page
    assert "Synthwell" not in page  # the queue shows no names


def test_review_page_shows_both_people_and_audits_the_reads(client, personas, queued):
    police, shelter, item = queued
    login_verified(client, personas.coordinator)
    response = client.get(f"/staff/identity/duplicates/{item.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Synthwell" in page and "nickname of the same name" in page
    for label in ("Same youth: merge", "Not the same", "Not sure", "Keyboard shortcuts"):
        assert label in page
    assert 'src="/static/identity/queue.js"' in page
    reads = AuditEntry.objects.filter(action=Action.READ, object_type="identity.identityrecord")
    assert {e.object_id for e in reads} == {str(police.pk), str(shelter.pk)}
    assert client.get("/staff/identity/duplicates/999999/").status_code == 404


def test_same_youth_without_a_reason_keeps_what_was_typed(client, personas, queued):
    police, shelter, item = queued
    login_verified(client, personas.coordinator)
    response = client.post(
        f"/staff/identity/duplicates/{item.pk}/",
        {
            "answer": "same",
            "same-version": item.version,
            "same-survivor": shelter.person_id,
            "same-note": "   ",
        },
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Merge.objects.exists()
    response = client.post(
        f"/staff/identity/duplicates/{item.pk}/",
        {
            "answer": "same",
            "same-version": item.version,
            "same-survivor": shelter.person_id,
            "same-note": "x" * 2001,
        },
    )
    assert response.status_code == 400
    assert "x" * 2001 in response.content.decode()  # kept for the user to shorten


def test_same_youth_merges_and_goes_to_the_next_pair(client, personas, queued):
    police, shelter, item = queued
    other = add(IdentityInput(given_name="Tariq", family_name="Mensah", dob=D(2009, 2, 3), sex="M"))
    duplicates.duplicates_scan(now=later(6))
    second = DuplicateCandidate.objects.exclude(pk=item.pk).get()
    assert other.person_id in (second.low_id, second.high_id)
    login_verified(client, personas.coordinator)
    response = client.post(
        f"/staff/identity/duplicates/{item.pk}/",
        {
            "answer": "same",
            "same-version": item.version,
            "same-survivor": shelter.person_id,
            "same-note": "The shelter confirmed the phone.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/staff/identity/duplicates/{second.pk}/"
    assert Person.objects.get(pk=police.person_id).merged_into_id == shelter.person_id
    assert Merge.objects.get().reason == "The shelter confirmed the phone."
    entry = AuditEntry.objects.get(object_type="identity.duplicatecandidate", action=Action.UPDATE)
    assert entry.reason == "identity duplicate answer: same"
    assert "shelter" not in str(entry.__dict__)


def test_not_the_same_and_not_sure_over_http(client, personas, queued):
    _, _, item = queued
    login_verified(client, personas.coordinator)
    response = client.post(
        f"/staff/identity/duplicates/{item.pk}/",
        {"answer": "unsure", "unsure-version": item.version, "unsure-note": ""},
    )
    assert response.status_code == 400  # a note is required
    response = client.post(
        f"/staff/identity/duplicates/{item.pk}/",
        {"answer": "unsure", "unsure-version": item.version, "unsure-note": "Ask school."},
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/identity/duplicates/"  # nothing else waiting
    item.refresh_from_db()
    assert item.status == DuplicateStatus.UNSURE
    response = client.post(
        f"/staff/identity/duplicates/{item.pk}/",
        {"answer": "not_same", "not_same-version": item.version},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == DuplicateStatus.NOT_SAME
    assert DuplicateAnswer.objects.count() == 2


def test_a_stale_answer_is_409_and_an_unknown_answer_400(client, personas, queued):
    _, _, item = queued
    shown = item.version
    duplicates.duplicate_answer(
        candidate=item, answer="unsure", note="Someone else.", by=personas.coordinator
    )
    login_verified(client, personas.coordinator)
    response = client.post(
        f"/staff/identity/duplicates/{item.pk}/",
        {"answer": "not_same", "not_same-version": shown, "not_same-note": "mine"},
    )
    assert response.status_code == 409
    assert "mine" in response.content.decode()
    response = client.post(f"/staff/identity/duplicates/{item.pk}/", {"answer": "maybe"})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == DuplicateStatus.UNSURE


def test_queue_page_queries_do_not_grow(client, personas, queries_do_not_grow):
    login_verified(client, personas.coordinator)
    people = [services.identity_record_create(data=POLICE, by=None) for _ in range(13)]

    def add_pairs(start: int, end: int) -> None:
        for i in range(start, end):
            a, b = sorted((people[0].person_id, people[i + 1].person_id))
            DuplicateCandidate.objects.create(
                low_id=a, high_id=b, probability=0.9, reasons=[], proposed_at=later()
            )

    add_pairs(0, 2)
    before, after = queries_do_not_grow(
        lambda: client.get("/staff/identity/duplicates/"), lambda: add_pairs(2, 12), most=30
    )
    assert before.content.decode().count('href="/staff/identity/duplicates/') >= 2
    assert after.content.decode().count('href="/staff/identity/duplicates/') >= 12


def test_train_uses_the_reviewed_pairs(personas, tmp_path, capsys):
    # 25 "same" and 25 "not the same" answers, recorded as the queue records them.
    people = [services.identity_record_create(data=POLICE, by=None) for _ in range(51)]
    for i in range(50):
        a, b = sorted((people[0].person_id, people[i + 1].person_id))
        item = DuplicateCandidate.objects.create(
            low_id=a,
            high_id=b,
            probability=0.5,
            reasons=[["Given name", "exact", True], ["Date of birth", "exact", True]]
            if i % 2
            else [["Given name", "different", False], ["Date of birth", "exact", True]],
            proposed_at=later(),
        )
        duplicates.duplicate_answer(
            candidate=item,
            answer="not_same" if i % 2 == 0 else "unsure",
            note="n",
            by=personas.coordinator,
        )
    # "Same" answers without merging 25 people into one: relabel the unsure ones.
    DuplicateAnswer.objects.filter(answer="unsure").update(answer="same")
    out = tmp_path / "model.json"
    call_command("identity", "train", "--reviewed", "-o", str(out))
    printed = capsys.readouterr().out
    assert "reviewed pairs: 25 same, 25 not the same, m re-estimated" in printed
    assert out.exists()
    with pytest.raises(Exception, match="give a records file"):
        call_command("identity", "train", "-o", str(out))
