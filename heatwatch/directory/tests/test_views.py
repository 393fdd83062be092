"""Staff and public pages: search, forms that keep what was typed, query counts, Spanish."""

from __future__ import annotations

import pytest

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.directory import services
from heatwatch.directory.models import Category, Service
from heatwatch.directory.tests.conftest import make_service

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Trauma therapy",
    "category": Category.MENTAL_HEALTH,
    "description": "Weekly sessions",
    "min_age": "10",
    "max_age": "21",
    "gender": "any",
    "languages": ["en", "es"],
    "service_areas": "Eastgate\nPier Road",
    "intake_phone": "(555) 010-0000",
}


def _many(personas, n):
    for i in range(n):
        make_service(
            personas.provider if i % 2 else personas.clinic,
            name=f"Bulk {Service.objects.count()}",
            languages=["en", "es"],
            service_areas=["Eastgate"],
            is_public=True,
            capacity={"capacity": 4, "available_slots": i % 3},
        )


def test_search_query_count_does_not_grow(personas, advocate, django_assert_max_num_queries):
    _many(personas, 3)
    with django_assert_max_num_queries(20) as few:
        response = advocate.get("/staff/directory/?language=es")
    assert response.status_code == 200
    _many(personas, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = advocate.get("/staff/directory/?language=es")
    assert response.content.decode().count("/capacity/") == 16  # own organisation's rows


def test_public_list_query_count_does_not_grow(personas, client, django_assert_max_num_queries):
    _many(personas, 3)
    # 15: the services and their languages, areas and organisations, plus the public chrome's
    # constant reads (the Wagtail site, the program settings, the locale and the menu's pages)
    with django_assert_max_num_queries(15) as few:
        assert client.get("/directory/").status_code == 200
    _many(personas, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/directory/").status_code == 200


def test_search_filters_and_shows_availability(personas, advocate):
    make_service(
        personas.clinic, name="Open therapy", capacity={"capacity": 4, "available_slots": 2}
    )
    make_service(
        personas.provider,
        name="Full shelter",
        category=Category.SHELTER,
        capacity={"capacity": 4, "available_slots": 0, "waitlist_open": True},
    )
    body = advocate.get("/staff/directory/?availability=waitlist").content.decode()
    assert "Full shelter" in body and "Open therapy" not in body
    assert "Waitlist" in body


def test_search_with_bad_input_keeps_it_and_says_why(advocate):
    response = advocate.get("/staff/directory/?q=shelter&age=abc")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="shelter"' in body and 'value="abc"' in body
    assert "usa-error-message" in body


def test_create_service(personas, advocate):
    response = advocate.post(
        "/staff/directory/new/", {**VALID, "organisation": personas.provider.pk}
    )
    service = Service.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/directory/{service.pk}/"
    assert service.organisation == personas.provider
    assert list(service.areas.values_list("name", flat=True)) == ["Eastgate", "Pier Road"]
    assert AuditEntry.objects.filter(action=Action.CREATE, object_id=str(service.pk)).exists()
    page = advocate.get(response["Location"]).content.decode()
    assert "Trauma therapy" in page and "Spanish" in page


def test_web_page_without_a_scheme_is_taken_as_https(personas, advocate):
    advocate.post(
        "/staff/directory/new/",
        {**VALID, "organisation": personas.provider.pk, "intake_url": "harborlight.example/intake"},
    )
    assert Service.objects.get().intake_url == "https://harborlight.example/intake"


def test_create_with_bad_input_keeps_what_was_typed(personas, advocate):
    response = advocate.post(
        "/staff/directory/new/",
        {**VALID, "organisation": personas.provider.pk, "min_age": "30", "intake_email": "nope"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "youngest age cannot be above the oldest age" in body
    assert 'value="Trauma therapy"' in body and "Pier Road" in body and 'value="nope"' in body
    assert not Service.objects.exists()


def test_edit_service(personas, advocate):
    service = make_service(personas.provider, name="Advocacy")
    page = advocate.get(f"/staff/directory/{service.pk}/edit/")
    assert page.status_code == 200 and 'value="Advocacy"' in page.content.decode()
    response = advocate.post(
        f"/staff/directory/{service.pk}/edit/", {**VALID, "version": service.version}
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.name, service.version) == ("Trauma therapy", 2)


def test_stale_edit_is_refused_with_the_typed_data_kept(personas, advocate, coordinator):
    service = make_service(personas.provider, name="Advocacy")
    loaded = service.version
    coordinator.post(
        f"/staff/directory/{service.pk}/edit/",
        {**VALID, "name": "Coordinator's name", "version": loaded},
    )
    response = advocate.post(
        f"/staff/directory/{service.pk}/edit/",
        {**VALID, "name": "Advocate's name", "version": loaded},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this service" in body
    assert 'value="Advocate&#x27;s name"' in body
    service.refresh_from_db()
    assert service.name == "Coordinator's name"


def test_capacity_quick_update(personas, advocate):
    service = make_service(personas.provider, capacity={"capacity": 5, "available_slots": 5})
    page = advocate.get(f"/staff/directory/{service.pk}/capacity/")
    assert page.status_code == 200 and 'name="available_slots"' in page.content.decode()
    assert 'name="intake_url"' not in page.content.decode()  # the quick form: capacity only
    response = advocate.post(
        f"/staff/directory/{service.pk}/capacity/",
        {
            "capacity": "5",
            "available_slots": "0",
            "accepting_referrals": "on",
            "waitlist_open": "on",
            "waitlist_length": "2",
            "version": service.version,
        },
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.available_slots, service.waitlist_open, service.waitlist_length) == (0, True, 2)


def test_capacity_update_with_bad_numbers_is_refused(personas, advocate):
    service = make_service(personas.provider, capacity={"capacity": 5, "available_slots": 5})
    response = advocate.post(
        f"/staff/directory/{service.pk}/capacity/",
        {"capacity": "5", "available_slots": "9", "version": service.version},
    )
    assert response.status_code == 400
    assert 'value="9"' in response.content.decode()
    response = advocate.post(
        f"/staff/directory/{service.pk}/capacity/",
        {"capacity": "-1", "available_slots": "", "version": service.version},
    )
    assert response.status_code == 400
    service.refresh_from_db()
    assert service.available_slots == 5


def test_deactivate_and_reactivate(personas, coordinator):
    service = make_service(personas.provider)
    assert (
        coordinator.post(f"/staff/directory/{service.pk}/active/", {"active": "0"}).status_code
        == 302
    )
    service.refresh_from_db()
    assert not service.is_active
    assert service.name not in coordinator.get("/staff/directory/").content.decode()
    assert service.name in coordinator.get("/staff/directory/?include_inactive=on").content.decode()
    coordinator.post(f"/staff/directory/{service.pk}/active/", {"active": "1"})
    service.refresh_from_db()
    assert service.is_active


def test_public_directory_in_spanish_with_category_filter(personas, client):
    make_service(personas.provider, name="Legal clinic", category=Category.LEGAL, is_public=True)
    make_service(
        personas.provider, name="Night hotline", category=Category.CRISIS_LINE, is_public=True
    )
    response = client.get("/es/directory/?category=legal")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Legal clinic" in body and "Night hotline" not in body
    assert 'lang="es"' in body


def test_public_directory_bad_filter_is_a_400_with_the_form(client):
    response = client.get("/directory/?category=astrology")
    assert response.status_code == 400
    assert "usa-error-message" in response.content.decode()


def test_service_update_via_service_keeps_lists(personas):
    service = make_service(personas.provider, languages=["en"], service_areas=["Eastgate"])
    data = services.service_input_from(service)
    services.service_update(service=service, by=None, data=data, version=None)
    assert list(service.areas.values_list("name", flat=True)) == ["Eastgate"]
