"""entries_for_object and entries_for_actor."""

from __future__ import annotations

import pytest

from heatwatch.accounts.models import Organisation, User
from heatwatch.audit.models import Action
from heatwatch.audit.selectors import entries_for_actor, entries_for_object
from heatwatch.audit.services import audit_log

pytestmark = pytest.mark.django_db


def test_entries_for_object_lists_only_that_object(
    advocate: User, officer: User, agency: Organisation
) -> None:
    a = audit_log(action=Action.READ, actor=advocate, obj=advocate)
    audit_log(action=Action.READ, actor=officer, obj=officer)
    audit_log(action=Action.READ, actor=officer, obj=agency)  # same pk, other type
    b = audit_log(action=Action.UPDATE, actor=officer, obj=advocate, fields=["email"])

    found = entries_for_object(object_type="accounts.user", object_id=str(advocate.pk))
    assert [e.seq for e in found] == [a.seq, b.seq]
    assert not entries_for_object(object_type="accounts.user", object_id="0").exists()


def test_entries_for_actor_lists_only_that_actor(advocate: User, officer: User) -> None:
    a = audit_log(action=Action.LOGIN, actor=advocate)
    audit_log(action=Action.LOGIN, actor=officer)
    audit_log(action=Action.LOGIN_FAILED, actor=None, object_type="accounts.user")
    b = audit_log(action=Action.LOGOUT, actor=advocate)

    assert [e.seq for e in entries_for_actor(actor_id=advocate.pk)] == [a.seq, b.seq]
    assert not entries_for_actor(actor_id=advocate.pk + officer.pk + 1000).exists()
