"""N+1 guards: the staff directory search and the public list need no more queries for 12
services than for 2 (and show them all, so the guard cannot pass on an empty page)."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.directory.models import Category, Service
from heatwatch.directory.tests.conftest import make_service

pytestmark = pytest.mark.django_db

FEW, MORE = 2, 10


def _services(personas, n: int) -> list[Service]:
    """Public services of two partners, with languages, areas and capacity (what the rows
    show); every other one belongs to the advocate's own organisation."""
    made = []
    for i in range(n):
        made.append(
            make_service(
                personas.provider if i % 2 else personas.clinic,
                name=f"Counted service {Service.objects.count()}",
                category=Category.MENTAL_HEALTH if i % 2 else Category.SHELTER,
                languages=["en", "es"],
                service_areas=["Eastgate", f"Pier Road {i}"],
                is_public=True,
                capacity={"capacity": 4, "available_slots": i % 3},
            )
        )
    return made


@pytest.mark.parametrize("name", ["coordinator", "advocate", "advocate_other"])
def test_staff_directory_search(personas, login, queries_do_not_grow, name):
    services = _services(personas, FEW)
    client = login(Client(), getattr(personas, name))
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/directory/"),
        lambda: services.extend(_services(personas, MORE)),
        most=30,
    )
    page = after.content.decode()
    assert all(s.name in page for s in services)
    assert all(f"/staff/directory/{s.pk}/" in page for s in services)


def test_staff_directory_search_with_filters(personas, login, queries_do_not_grow):
    services = _services(personas, FEW)
    client = login(Client(), personas.advocate)
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/directory/?language=es&area=Eastgate"),
        lambda: services.extend(_services(personas, MORE)),
        most=30,
    )
    assert all(s.name in after.content.decode() for s in services)


def test_public_directory(client, personas, queries_do_not_grow):
    services = _services(personas, FEW)
    _, after = queries_do_not_grow(
        lambda: client.get("/directory/"),
        lambda: services.extend(_services(personas, MORE)),
        most=15,
    )
    page = after.content.decode()
    assert all(s.name in page for s in services)
    assert personas.clinic.name in page and personas.provider.name in page


def test_public_directory_in_spanish(client, personas, queries_do_not_grow):
    services = _services(personas, FEW)
    _, after = queries_do_not_grow(
        lambda: client.get("/es/directory/"),
        lambda: services.extend(_services(personas, MORE)),
        most=15,
    )
    assert all(s.name in after.content.decode() for s in services)
