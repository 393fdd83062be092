"""The read-only audit admin is on the mounted staff admin (issue 10, finding 15b)."""

from __future__ import annotations

import pytest

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.audit.services import audit_log

pytestmark = pytest.mark.django_db

LIST = "/staff/admin/audit/auditentry/"


@pytest.fixture
def entry(personas) -> AuditEntry:
    return audit_log(action=Action.READ, actor=personas.advocate, obj=personas.advocate)


def test_administrator_reads_the_audit_log_at_staff_admin(client, login, personas, entry):
    login(client, personas.administrator)
    index = client.get("/staff/admin/")
    assert LIST in index.content.decode()
    response = client.get(LIST)
    assert response.status_code == 200
    assert f"/staff/admin/audit/auditentry/{entry.pk}/change/" in response.content.decode()
    detail = client.get(f"{LIST}{entry.pk}/change/")
    assert detail.status_code == 200
    assert entry.entry_hash in detail.content.decode()


def test_each_view_of_the_audit_log_is_audited(client, login, personas, entry):
    login(client, personas.administrator)
    client.get(LIST)
    client.get(f"{LIST}{entry.pk}/change/")
    views = AuditEntry.objects.filter(
        actor_id=personas.administrator.pk, action=Action.READ, object_type="audit.auditentry"
    )
    assert [(e.object_id, e.reason) for e in views] == [
        ("", "audit log list viewed in the admin"),
        (str(entry.pk), "audit entry viewed in the admin"),
    ]


def test_nobody_can_add_change_or_delete_an_entry(client, login, personas, entry):
    login(client, personas.administrator)
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.get(f"{LIST}{entry.pk}/delete/").status_code == 403
    before = AuditEntry.objects.order_by("-seq").first().seq
    response = client.post(f"{LIST}{entry.pk}/change/", {"reason": "rewritten"})
    assert response.status_code == 403, (response.status_code, response.get("Location"))
    assert AuditEntry.objects.get(pk=entry.pk).reason == entry.reason
    # The only new entry records the refusal (every 403 to a signed-in user is audited).
    assert [e.action for e in AuditEntry.objects.filter(seq__gt=before)] == [Action.ACCESS_DENIED]


@pytest.mark.parametrize("role", ["advocate", "officer", "analyst", "no_role"])
def test_other_roles_cannot_read_the_audit_log(client, login, personas, entry, role):
    login(client, getattr(personas, role))
    response = client.get(LIST)
    assert response.status_code in (302, 403)
    assert entry.entry_hash not in response.content.decode()


def test_anonymous_visitor_is_sent_to_sign_in(client, entry):
    response = client.get(LIST)
    assert response.status_code == 302
