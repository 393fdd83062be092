"""Helpers for the prosecution tests: a victim-witness advocate, a prosecution and a case,
all made through the real service functions."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from heatwatch.accounts import services as account_services
from heatwatch.accounts.models import Role
from heatwatch.cases.tests.conftest import open_case
from heatwatch.conftest import make_user
from heatwatch.prosecution import services


@pytest.fixture
def vwa(personas):
    """A victim-witness advocate: an advocate membership in the prosecution office."""
    user = make_user("vwa")
    account_services.membership_grant(
        user=user, organisation=personas.prosecution, role=Role.ADVOCATE, by=None
    )
    return user


def open_prosecution(personas, *, advocate=None, **defendant):
    values = {"name": "Derek Synthman", "role": "exploiter", "aliases": ["D-Money"]}
    values.update(defendant)
    return services.prosecution_create(
        by=personas.prosecutor,
        office=personas.prosecution,
        defendant=services.DefendantInput(**values),
        opened_on=date(2026, 9, 1),
        prosecutor=personas.prosecutor,
        advocate=advocate,
    )


@pytest.fixture
def prosecution(personas, vwa):
    return open_prosecution(personas, advocate=vwa)


@pytest.fixture
def case(personas):
    return open_case(personas)


def signed_in(login, user) -> Client:
    return login(Client(), user)
