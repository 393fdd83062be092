"""services.audit_log: what one entry holds, how entries chain, and what is refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from heatwatch.accounts.models import Membership, Organisation, OrganisationType, Role, User
from heatwatch.audit.hashing import compute_entry_hash
from heatwatch.audit.models import GENESIS_HASH, HEAD_PK, Action, AuditEntry, AuditHead, Outcome
from heatwatch.audit.selectors import audit_verify
from heatwatch.audit.services import AuditChainError, audit_log

pytestmark = pytest.mark.django_db


def _head() -> AuditHead:
    return AuditHead.objects.get(pk=HEAD_PK)


def test_migration_creates_genesis_head() -> None:
    head = _head()
    assert (head.seq, head.entry_hash) == (0, GENESIS_HASH)


def test_entries_chain_and_verify(advocate: User, agency: Organisation) -> None:
    first = audit_log(action=Action.CREATE, actor=advocate, obj=agency, fields=["name", "type"])
    second = audit_log(action=Action.READ, actor=advocate, obj=agency)
    third = audit_log(action=Action.LOGOUT, actor=advocate, obj=advocate)

    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    for entry in (first, second, third):
        assert re.fullmatch(r"[0-9a-f]{64}", entry.entry_hash)
    assert (_head().seq, _head().entry_hash) == (3, third.entry_hash)

    result = audit_verify()
    assert result.ok, result.problems
    assert (result.count, result.head_hash, result.problems) == (3, third.entry_hash, [])


def test_entry_records_object_actor_and_organisation(advocate: User, agency: Organisation) -> None:
    entry = audit_log(
        action=Action.UPDATE, actor=advocate, obj=advocate, fields=["last_name", "email"]
    )
    entry.refresh_from_db()
    assert entry.object_type == "accounts.user"
    assert entry.object_id == str(advocate.pk)
    assert (entry.actor_id, entry.actor_username) == (advocate.pk, "alice")
    assert (entry.organisation_id, entry.organisation_name) == (agency.pk, agency.name)
    assert entry.action == "update" and entry.outcome == "success"
    assert entry.fields == ["email", "last_name"]  # names only, sorted
    assert entry.created_at.utcoffset() == timedelta(0)


def test_hash_covers_every_stored_field(advocate: User) -> None:
    entry = audit_log(action=Action.EXPORT, actor=advocate, object_type="cases.case")
    entry.refresh_from_db()
    values = {f.name: getattr(entry, f.attname) for f in AuditEntry._meta.concrete_fields}
    assert compute_entry_hash(values) == entry.entry_hash
    for name, other in {
        "seq": 99,
        "created_at": entry.created_at + timedelta(microseconds=1),
        "actor_id": None,
        "actor_username": "mallory",
        "organisation_id": 12345,
        "organisation_name": "Elsewhere",
        "action": "read",
        "object_type": "cases.tip",
        "object_id": "7",
        "outcome": "denied",
        "reason": "x",
        "fields": ["name"],
        "prev_hash": "f" * 64,
    }.items():
        assert compute_entry_hash({**values, name: other}) != entry.entry_hash, name


def test_organisation_is_first_active_membership(
    agency: Organisation, police: Organisation
) -> None:
    user = User.objects.create_user(username="pat", email="pat@example.org", password=None)
    third = Organisation.objects.create(
        name="Aardvark Clinic", slug="aardvark", type=OrganisationType.HEALTH
    )
    Membership.objects.create(user=user, organisation=third, role=Role.ADVOCATE, is_active=False)
    Membership.objects.create(user=user, organisation=police, role=Role.OFFICER)
    Membership.objects.create(user=user, organisation=agency, role=Role.ADVOCATE)

    entry = audit_log(action=Action.LOGIN, actor=user)

    # Not the inactive (older) one, not the alphabetically first: the oldest active one.
    assert (entry.organisation_id, entry.organisation_name) == (police.pk, "Bayview Police")


def test_explicit_organisation_wins(advocate: User, police: Organisation) -> None:
    entry = audit_log(action=Action.READ, actor=advocate, organisation=police)
    assert entry.organisation_id == police.pk


def test_actor_without_membership_has_no_organisation(db: None) -> None:
    user = User.objects.create_user(username="nobody", email="n@example.org", password=None)
    entry = audit_log(action=Action.LOGIN, actor=user)
    assert (entry.organisation_id, entry.organisation_name) == (None, "")


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_anonymous_actor(actor: AnonymousUser | None, db: None) -> None:
    entry = audit_log(
        action=Action.LOGIN_FAILED,
        actor=actor,
        object_type="accounts.user",
        outcome=Outcome.FAILURE,
        reason="unknown account",
    )
    assert (entry.actor_id, entry.actor_username) == (None, "")
    assert (entry.organisation_id, entry.organisation_name) == (None, "")
    assert audit_verify().ok


def test_deleting_the_actor_keeps_the_entry(db: None) -> None:
    user = User.objects.create_user(username="gone", email="g@example.org", password=None)
    user_id = user.pk
    audit_log(action=Action.LOGIN, actor=user)
    user.delete()

    entry = AuditEntry.objects.get(seq=1)
    assert (entry.actor_id, entry.actor_username) == (user_id, "gone")
    assert audit_verify().ok


def test_rolled_back_transaction_leaves_no_entry_and_no_gap(advocate: User) -> None:
    audit_log(action=Action.LOGIN, actor=advocate)

    with pytest.raises(RuntimeError), transaction.atomic():
        audit_log(action=Action.UPDATE, actor=advocate, obj=advocate, fields=["email"])
        raise RuntimeError("the audited change failed")

    assert AuditEntry.objects.count() == 1
    assert _head().seq == 1
    assert audit_log(action=Action.LOGOUT, actor=advocate).seq == 2
    assert audit_verify().ok


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"action": "launch"}, "unknown audit action"),
        ({"action": "read", "outcome": "maybe"}, "unknown audit outcome"),
        ({"action": "update", "fields": ["password=hunter2"]}, "not a field name"),
        ({"action": "update", "fields": ["first name"]}, "not a field name"),
        ({"action": "update", "fields": ["jane.doe@example.org"]}, "not a field name"),
        ({"action": "update", "fields": "email"}, "not a string"),
        ({"action": "update", "fields": ["email", 42]}, "not a field name"),
        ({"action": "read", "object_id": "5"}, "needs an object_type"),
        ({"action": "read", "object_type": "x" * 151}, "too long"),
        ({"action": "security", "reason": "x" * 2001}, "longer than"),
    ],
)
def test_invalid_arguments_are_refused_and_nothing_is_written(
    kwargs: dict[str, object], message: str, db: None
) -> None:
    with pytest.raises(ValueError, match=message):
        audit_log(**kwargs)  # type: ignore[arg-type]
    assert not AuditEntry.objects.exists()
    assert _head().seq == 0


def test_obj_and_explicit_object_type_are_exclusive(advocate: User) -> None:
    with pytest.raises(ValueError, match="not both"):
        audit_log(action=Action.READ, obj=advocate, object_type="accounts.user")
    assert not AuditEntry.objects.exists()


def test_unsaved_obj_is_refused(db: None) -> None:
    with pytest.raises(ValueError, match="saved"):
        audit_log(action=Action.CREATE, obj=User(username="draft"))
    assert not AuditEntry.objects.exists()


def test_missing_key_refuses_to_log(settings: object, advocate: User) -> None:
    settings.HEATWATCH_AUDIT_KEY = ""  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured):
        audit_log(action=Action.LOGIN, actor=advocate)
    assert not AuditEntry.objects.exists()


def test_missing_head_is_recreated_only_for_an_empty_log(advocate: User) -> None:
    AuditHead.objects.all().delete()  # what a test-database flush does
    assert audit_log(action=Action.LOGIN, actor=advocate).seq == 1
    assert audit_verify().ok


def test_missing_head_with_entries_fails_closed(advocate: User) -> None:
    audit_log(action=Action.LOGIN, actor=advocate)
    AuditHead.objects.all().delete()

    with pytest.raises(AuditChainError, match="head row is missing"):
        audit_log(action=Action.LOGOUT, actor=advocate)
    assert AuditEntry.objects.count() == 1
    result = audit_verify()
    assert not result.ok
    assert any("head row is missing" in p for p in result.problems)
