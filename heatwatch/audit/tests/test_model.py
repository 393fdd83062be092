"""What an audit entry can hold: nothing about the request, no values, no foreign keys."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from heatwatch.accounts.admin import admin_site
from heatwatch.accounts.models import Membership, Organisation, Role, User
from heatwatch.audit.models import Action, AuditEntry, Outcome


def test_entry_has_exactly_the_reviewed_fields() -> None:
    # A new column must be reviewed (and added to hashing.HASHED_FIELDS): this test says so.
    names = {f.name for f in AuditEntry._meta.get_fields()}
    assert names == {
        "id",
        "seq",
        "created_at",
        "actor_id",
        "actor_username",
        "organisation_id",
        "organisation_name",
        "action",
        "object_type",
        "object_id",
        "outcome",
        "reason",
        "fields",
        "prev_hash",
        "entry_hash",
    }


def test_no_ip_address_or_user_agent_field() -> None:
    for field in AuditEntry._meta.get_fields():
        name = field.name.lower()
        assert "ip" not in name.split("_"), name
        assert not any(word in name for word in ("addr", "agent", "remote", "host")), name
        assert field.get_internal_type() != "GenericIPAddressField", name


def test_actor_and_organisation_are_not_foreign_keys() -> None:
    for name in ("actor_id", "organisation_id"):
        assert not AuditEntry._meta.get_field(name).is_relation
    assert not any(f.is_relation for f in AuditEntry._meta.get_fields())


def test_choices() -> None:
    assert set(Action.values) == {
        "read",
        "create",
        "update",
        "delete",
        "export",
        "login",
        "login_failed",
        "logout",
        "permission_change",
        "access_denied",
        "break_glass",
        "security",
    }
    assert set(Outcome.values) == {"success", "denied", "failure"}


@pytest.mark.django_db
def test_admin_is_read_only_even_for_superusers(agency: Organisation) -> None:
    superuser = User.objects.create_superuser(
        username="root", email="root@example.org", password=None
    )
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = admin_site._registry[AuditEntry]
    # Being a superuser is not enough to read the log: the role decides (docs/audit.md).
    assert not model_admin.has_view_permission(request)
    Membership.objects.create(user=superuser, organisation=agency, role=Role.ADMINISTRATOR)
    request.user = User.objects.get(pk=superuser.pk)  # roles are cached on the user object
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.get_actions(request) == {}
