"""The audit viewer's page does not cost more queries with more entries (keyset, one query)."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log

pytestmark = pytest.mark.django_db


def test_the_viewer_needs_no_more_queries_for_more_entries(personas, login, queries_do_not_grow):
    client = login(Client(), personas.coordinator)

    def add(n: int) -> None:
        for i in range(n):
            audit_log(
                action=Action.READ,
                actor=personas.advocate,
                object_type="tips.tip",
                object_id=str(i),
            )

    add(2)
    before, after = queries_do_not_grow(
        lambda: client.get("/staff/audit/", {"record_type": "tips.tip"}),
        lambda: add(60),
        most=30,
    )
    assert len(before.context["rows"]) == 2
    assert len(after.context["rows"]) == 50
