"""Fixtures for the audit tests: a few people and organisations, and an attacker's SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from django.db import connection

from heatwatch.accounts.models import Membership, Organisation, OrganisationType, Role, User
from heatwatch.audit.testing import append_only_triggers_suspended, audit_purge_for_tests


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


# The fixture docs/audit.md ("Tests") asks the project conftest to carry; kept here so the
# recipe is tested. It empties the append-only log before pytest-django flushes the database
# after a transactional test (the flush cannot delete audit entries). Requesting the database
# fixture here makes pytest tear this fixture down first.
@pytest.fixture(autouse=True)
def _audit_log_flushable(request: pytest.FixtureRequest) -> Iterator[None]:
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or (marker is not None and bool(marker.kwargs.get("transaction", False)))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    yield
    if transactional:
        pass
