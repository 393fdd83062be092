"""The administrators' account list does not cost more queries with more accounts."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.accounts import services
from heatwatch.accounts.models import Role

pytestmark = pytest.mark.django_db


def test_the_account_list_needs_no_more_queries_for_more_accounts(
    personas, login, queries_do_not_grow
):
    client = login(Client(), personas.administrator)

    def add(first: int, last: int) -> None:
        for n in range(first, last):
            user = services.user_create(
                username=f"zz-staff-{n}", email=f"zz{n}@example.test", password=None, by=None
            )
            services.membership_grant(
                user=user, organisation=personas.provider, role=Role.ADVOCATE, by=None
            )

    add(0, 2)
    before, after = queries_do_not_grow(
        lambda: client.get("/staff/users/", {"q": "zz-staff"}), lambda: add(2, 12), most=25
    )
    assert len(before.context["users"]) == 2
    assert len(after.context["users"]) == 12
