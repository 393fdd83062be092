"""Fixtures for the audit tests: a few people and organisations, and an attacker's SQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import connection

from heatwatch.accounts.models import Membership, Organisation, OrganisationType, Role, User
from heatwatch.audit.tests.tamper import append_only_triggers_suspended


@pytest.fixture
def agency(db: None) -> Organisation:
    return Organisation.objects.create(
        name="Bayview Youth Services", slug="bayview-youth", type=OrganisationType.SERVICE_PROVIDER
    )


@pytest.fixture
def police(db: None) -> Organisation:
    return Organisation.objects.create(
        name="Bayview Police", slug="bayview-police", type=OrganisationType.LAW_ENFORCEMENT
    )


@pytest.fixture
def advocate(agency: Organisation) -> User:
    user = User.objects.create_user(username="alice", email="alice@example.org", password=None)
    Membership.objects.create(user=user, organisation=agency, role=Role.ADVOCATE)
    return user


@pytest.fixture
def officer(police: Organisation) -> User:
    user = User.objects.create_user(username="oscar", email="oscar@example.org", password=None)
    Membership.objects.create(user=user, organisation=police, role=Role.OFFICER)
    return user


def _attacker_sql(sql: str, params: Sequence[Any] = ()) -> None:
    """Run SQL the way someone with direct database access would: triggers dropped first."""
    with append_only_triggers_suspended(), connection.cursor() as cursor:
        cursor.execute(sql, list(params))


@pytest.fixture
def attacker_sql(db: None) -> Callable[..., None]:
    return _attacker_sql
