"""Helpers for the case tests: cases and services made through the real service functions."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from heatwatch.cases import services
from heatwatch.cases.models import Alert, Case
from heatwatch.directory import services as directory_services
from heatwatch.directory.models import Category, Service


def youth(**overrides) -> services.YouthInput:
    values = {
        "legal_name": "Marisol Testwell",
        "aliases": ["Candy"],
        "date_of_birth": date(2010, 4, 5),
        "gender": "female",
        "languages": "en es",
        "city": "Bayview",
        "guardian_contact": "Aunt, 555-0100",
        "safety_notes": "Avoid the Harbor Street depot.",
    }
    values.update(overrides)
    return services.YouthInput(**values)


def open_case(personas, *, by=None, organisation=None, **overrides) -> Case:
    """A case opened by the advocate (on its care team, as lead)."""
    return services.case_open_from_intake(
        data=youth(**overrides),
        by=by or personas.advocate,
        organisation=organisation or personas.provider,
        intake_source="direct",
        confirm_new_person=True,
    )


def make_service(organisation, *, capacity=None, **details) -> Service:
    details.setdefault("name", f"Service {Service.objects.count() + 1}")
    details.setdefault("category", Category.ADVOCACY)
    return directory_services.service_create(
        organisation=organisation,
        by=None,
        data=directory_services.ServiceInput(**details),
        capacity=directory_services.CapacityInput(**capacity) if capacity else None,
    )


@pytest.fixture
def case(personas) -> Case:
    return open_case(personas)


# What must never appear in an e-mail: the youth's name, alias and notes (conftest.youth()).
YOUTH_DETAILS = ("Marisol", "Testwell", "Candy", "Harbor Street", "555-0100")
DELETE_REASON = "Logged on the wrong case by mistake."


def signed_in(login, user) -> Client:
    return login(Client(), user)


def open_alert(case, kind) -> Alert:
    return Alert.objects.get(case=case, kind=kind, resolved_at__isnull=True)


def sweep():
    services.alerts_refresh()
    return services.alerts_notify()


def grant_delete(user):
    user.user_permissions.add(Permission.objects.get(codename="delete_case_records"))
    # has_perm caches permissions on the instance
    for attr in ("_perm_cache", "_user_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def break_glass_client(personas, login, case) -> Client:
    services.break_glass(
        case=case,
        by=personas.officer,
        reason="Youth recovered tonight at the motel; need the safety plan now.",
    )
    return signed_in(login, personas.officer)
