"""Reads: search filters, availability (Python and SQL agree), the public list."""

from __future__ import annotations

import itertools

import pytest

from heatwatch.directory import selectors, services
from heatwatch.directory.models import Availability, Category, Gender, Service
from heatwatch.directory.tests.conftest import make_service

pytestmark = pytest.mark.django_db


def names(qs) -> set[str]:
    return {s.name for s in qs}


@pytest.fixture
def catalogue(personas):
    make_service(
        personas.provider,
        name="Girls shelter",
        category=Category.SHELTER,
        min_age=12,
        max_age=17,
        gender=Gender.FEMALE,
        languages=["en", "es"],
        service_areas=["Eastgate"],
        description="Emergency beds",
        capacity={"capacity": 6, "available_slots": 0, "waitlist_open": True},
    )
    make_service(
        personas.clinic,
        name="Therapy",
        category=Category.MENTAL_HEALTH,
        min_age=8,
        languages=["en", "vi"],
        capacity={"capacity": 10, "available_slots": 3},
    )
    make_service(
        personas.community,
        name="Job readiness",
        category=Category.EMPLOYMENT,
        min_age=16,
        max_age=24,
        gender=Gender.MALE,
        languages=["en"],
        service_areas=["Harbor District"],
        capacity={"capacity": 5, "available_slots": 0},
    )
    old = make_service(personas.provider, name="Closed program", category=Category.SHELTER)
    services.service_deactivate(service=old, by=None)


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({}, {"Girls shelter", "Therapy", "Job readiness"}),
        ({"q": "emergency"}, {"Girls shelter"}),
        ({"q": "test youth clinic"}, {"Therapy"}),  # the organisation's name
        ({"q": "therapy nothing-matches"}, set()),
        ({"category": Category.SHELTER}, {"Girls shelter"}),
        ({"age": 7}, set()),
        ({"age": 13}, {"Girls shelter", "Therapy"}),
        ({"age": 30}, {"Therapy"}),
        ({"gender": Gender.MALE}, {"Therapy", "Job readiness"}),
        ({"gender": Gender.FEMALE}, {"Girls shelter", "Therapy"}),
        ({"language": "es"}, {"Girls shelter"}),
        ({"language": "vi"}, {"Therapy"}),
        ({"area": "eastgate"}, {"Girls shelter", "Therapy"}),  # no area listed = everywhere
        ({"availability": Availability.OPEN}, {"Therapy"}),
        ({"availability": Availability.WAITLIST}, {"Girls shelter"}),
        ({"availability": Availability.FULL}, {"Job readiness"}),
        (
            {"include_inactive": True, "category": Category.SHELTER},
            {"Girls shelter", "Closed program"},
        ),
    ],
)
def test_search_filters(personas, catalogue, filters, expected):
    assert names(selectors.service_search(user=personas.advocate, **filters)) == expected


@pytest.mark.parametrize("persona", ["analyst", "youth_lead", "administrator", "no_role"])
def test_search_shows_nothing_to_roles_outside_the_directory(personas, catalogue, persona):
    assert not selectors.service_search(user=getattr(personas, persona)).exists()


def test_service_get_for_user_is_404_for_roles_outside_the_directory(personas, catalogue):
    from django.http import Http404

    service = Service.objects.first()
    assert selectors.service_get_for_user(user=personas.officer, pk=service.pk) == service
    with pytest.raises(Http404):
        selectors.service_get_for_user(user=personas.analyst, pk=service.pk)
    with pytest.raises(Http404):
        selectors.service_get_for_user(user=personas.officer, pk=999_999)


def test_availability_python_and_sql_agree(personas):
    combos = itertools.product(
        [True, False],  # is_active
        [True, False],  # accepting_referrals
        [None, 0, 2],  # available_slots
        [True, False],  # waitlist_open
    )
    for n, (active, accepting, slots, waitlist) in enumerate(combos):
        Service.objects.create(
            organisation=personas.provider,
            name=f"S{n}",
            category=Category.OTHER,
            is_active=active,
            accepting_referrals=accepting,
            capacity=None if slots is None else 5,
            available_slots=slots,
            waitlist_open=waitlist,
        )
    rows = Service.objects.annotate(a=selectors.AVAILABILITY_EXPRESSION)
    for service in rows:
        assert selectors.service_availability(service=service).status == service.a, service.name


@pytest.mark.parametrize(
    "capacity, expected, refer, waitlist",
    [
        ({"capacity": 5, "available_slots": 1}, Availability.OPEN, True, False),
        ({}, Availability.OPEN, True, False),  # places not counted: a crisis line
        (
            {"capacity": 5, "available_slots": 0, "waitlist_open": True, "waitlist_length": 4},
            Availability.WAITLIST,
            False,
            True,
        ),
        (
            {"capacity": 5, "available_slots": 3, "accepting_referrals": False},
            Availability.FULL,
            False,
            False,
        ),
        ({"capacity": 5, "available_slots": 0}, Availability.FULL, False, False),
    ],
)
def test_service_availability(personas, capacity, expected, refer, waitlist):
    service = make_service(personas.provider, capacity=capacity or None)
    result = selectors.service_availability(service=service)
    assert result.status == expected
    assert result.can_refer_now is refer
    assert result.waitlist_offered is waitlist
    if waitlist:
        assert result.waitlist_length == 4


def test_inactive_service_is_never_available(personas):
    service = make_service(personas.provider)
    services.service_deactivate(service=service, by=None)
    service.refresh_from_db()
    assert selectors.service_availability(service=service).status == Availability.INACTIVE


def test_services_accepting_referrals(personas, catalogue):
    assert names(selectors.services_accepting_referrals()) == {"Therapy"}
    assert not selectors.services_accepting_referrals(category=Category.SHELTER).exists()


def test_public_services_only_public_active_in_active_organisations(personas):
    make_service(personas.provider, name="Public", is_public=True)
    make_service(personas.provider, name="Staff only")
    gone = make_service(personas.provider, name="Public but gone", is_public=True)
    services.service_deactivate(service=gone, by=None)
    make_service(personas.clinic, name="Public at a closed org", is_public=True)
    personas.clinic.is_active = False
    personas.clinic.save()
    assert names(selectors.public_services()) == {"Public"}
    assert names(selectors.public_services(category=Category.LEGAL)) == set()


def test_service_areas_in_use(personas, catalogue):
    assert selectors.service_areas_in_use() == ["Eastgate", "Harbor District"]
