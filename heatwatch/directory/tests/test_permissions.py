"""Who may edit which service, who may search, what anonymous visitors see."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.directory.models import Service
from heatwatch.directory.permissions import can_edit_service
from heatwatch.directory.tests.conftest import make_service

pytestmark = pytest.mark.django_db


def test_edit_rule(personas):
    own = make_service(personas.provider)
    assert can_edit_service(personas.coordinator, own)
    assert can_edit_service(personas.advocate, own)
    for outsider in ("advocate_other", "officer", "analyst", "youth_lead", "administrator"):
        assert not can_edit_service(getattr(personas, outsider), own), outsider


def test_outsider_advocate_cannot_edit_another_organisations_service(personas, advocate_other):
    service = make_service(personas.provider, name="Advocacy", description="Original")
    assert advocate_other.get(f"/staff/directory/{service.pk}/").status_code == 200  # may read
    assert advocate_other.get(f"/staff/directory/{service.pk}/edit/").status_code == 403
    response = advocate_other.post(
        f"/staff/directory/{service.pk}/edit/",
        {"name": "Hijacked", "category": "other", "gender": "any", "version": service.version},
    )
    assert response.status_code == 403
    assert (
        advocate_other.post(
            f"/staff/directory/{service.pk}/capacity/", {"available_slots": 0}
        ).status_code
        == 403
    )
    assert (
        advocate_other.post(f"/staff/directory/{service.pk}/active/", {"active": "0"}).status_code
        == 403
    )
    service.refresh_from_db()
    assert (service.name, service.description, service.is_active) == (
        "Advocacy",
        "Original",
        True,
    )
    # the page offers no edit controls either
    body = advocate_other.get(f"/staff/directory/{service.pk}/").content.decode()
    assert f"/staff/directory/{service.pk}/edit/" not in body


def test_an_advocate_adds_services_only_for_their_own_organisation(personas, advocate):
    response = advocate.post(
        "/staff/directory/new/",
        {
            "organisation": personas.clinic.pk,
            "name": "Sneaky",
            "category": "other",
            "gender": "any",
        },
    )
    assert response.status_code == 400
    assert not Service.objects.exists()
    assert "Sneaky" in response.content.decode()  # what was typed is kept


@pytest.mark.parametrize("persona", ["analyst", "youth_lead", "administrator", "no_role"])
def test_roles_outside_the_directory_cannot_search_or_open(personas, login, persona):
    service = make_service(personas.provider)
    client = login(Client(), getattr(personas, persona))
    assert client.get("/staff/directory/").status_code == 403
    assert client.get(f"/staff/directory/{service.pk}/").status_code == 403
    assert client.get("/staff/directory/new/").status_code == 403


def test_anonymous_sees_only_the_public_directory(personas, client):
    make_service(
        personas.provider,
        name="Public crisis line",
        is_public=True,
        referral_contact="Duty advocate direct line 555-0199",
        staff_notes="Ask for Dana",
        address_1="23 Secret Lane",
        address_confidential=True,
        capacity={"capacity": 7, "available_slots": 3},
    )
    make_service(personas.provider, name="Private placement")
    response = client.get("/staff/directory/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    body = client.get("/directory/").content.decode()
    assert "Public crisis line" in body
    for hidden in ("Private placement", "555-0199", "Ask for Dana", "23 Secret Lane", "3 of 7"):
        assert hidden not in body
