"""Helpers for the directory tests."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.directory import services
from heatwatch.directory.models import Category, Service


def make_service(organisation, *, capacity=None, **details) -> Service:
    """A service of ``organisation`` through the real service function."""
    details.setdefault("name", f"Service {Service.objects.count() + 1}")
    details.setdefault("category", Category.ADVOCACY)
    return services.service_create(
        organisation=organisation,
        by=None,
        data=services.ServiceInput(**details),
        capacity=services.CapacityInput(**capacity) if capacity else None,
    )


@pytest.fixture
def coordinator(personas, login):
    return login(Client(), personas.coordinator)


@pytest.fixture
def advocate(personas, login):
    """An advocate of personas.provider (the Test Advocacy Center)."""
    return login(Client(), personas.advocate)


@pytest.fixture
def advocate_other(personas, login):
    """An advocate of personas.clinic: an outsider to the provider's services."""
    return login(Client(), personas.advocate_other)
