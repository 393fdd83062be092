"""Writes: create, edit with optimistic locking, capacity, (de)activation; all audited."""

from __future__ import annotations

import pytest

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.directory import services
from heatwatch.directory.models import Category, Service
from heatwatch.directory.tests.conftest import make_service

pytestmark = pytest.mark.django_db


def _entries(service, action):
    return AuditEntry.objects.filter(
        object_type="directory.service", object_id=str(service.pk), action=action
    )


def test_create_stores_details_lists_and_audits(personas):
    service = services.service_create(
        organisation=personas.provider,
        by=personas.advocate,
        data=services.ServiceInput(
            name="  Crisis line ",
            category=Category.CRISIS_LINE,
            languages=["en", "es", "es"],
            service_areas=["Eastgate", " eastgate ", "Harbor  District"],
            min_age=12,
            max_age=24,
        ),
        capacity=services.CapacityInput(capacity=10, available_slots=4),
    )
    assert service.name == "Crisis line"
    assert list(service.languages.values_list("code", flat=True)) == ["en", "es"]
    assert list(service.areas.values_list("name", flat=True)) == ["Eastgate", "Harbor District"]
    assert (service.capacity, service.available_slots) == (10, 4)
    assert service.capacity_updated_at is not None
    entry = _entries(service, Action.CREATE).get()
    assert entry.actor_id == personas.advocate.pk


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"min_age": 18, "max_age": 12}, "youngest age"),
        ({"intake_email": "not-an-address"}, "e-mail"),
        ({"intake_url": "javascript:alert(1)"}, "URL"),
        ({"category": "astrology"}, "Unknown category"),
        ({"gender": "x"}, "Unknown gender"),
        ({"languages": ["en", "Spanish!"]}, "language code"),
        ({"service_areas": ["x" * 101]}, "area name"),
        ({"name": "   "}, "needs a name"),
        ({"min_age": 200}, "120"),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(personas, overrides, message):
    data = {"name": "Shelter", "category": Category.SHELTER, **overrides}
    with pytest.raises(services.DirectoryError, match=message):
        services.service_create(
            organisation=personas.provider, by=None, data=services.ServiceInput(**data)
        )
    assert not Service.objects.exists()
    assert not AuditEntry.objects.filter(object_type="directory.service").exists()


def test_a_name_is_unique_within_an_organisation(personas):
    make_service(personas.provider, name="Drop-in")
    with pytest.raises(services.DirectoryError, match="already has a service"):
        make_service(personas.provider, name="drop-in")
    make_service(personas.clinic, name="Drop-in")  # another organisation may use it
    assert Service.objects.count() == 2


def test_slots_cannot_exceed_capacity(personas):
    service = make_service(personas.provider, capacity={"capacity": 5, "available_slots": 2})
    with pytest.raises(services.DirectoryError, match="More places open than the capacity"):
        services.service_set_capacity(
            service=service,
            by=None,
            data=services.CapacityInput(capacity=5, available_slots=6),
            version=service.version,
        )
    service.refresh_from_db()
    assert service.available_slots == 2


def test_update_changes_fields_bumps_version_and_audits_names(personas):
    service = make_service(personas.provider, name="Advocacy", languages=["en"])
    data = services.service_input_from(service)
    data.description = "Now with evening hours."
    data.languages = ["en", "vi"]
    updated = services.service_update(
        service=service, by=personas.coordinator, data=data, version=service.version
    )
    assert updated.version == service.version + 1
    assert updated.description == "Now with evening hours."
    assert list(updated.languages.values_list("code", flat=True)) == ["en", "vi"]
    entry = _entries(service, Action.UPDATE).get()
    assert set(entry.fields) == {"description", "languages"}
    assert "evening" not in entry.reason  # names, never values


def test_an_update_with_nothing_changed_is_not_audited(personas):
    service = make_service(personas.provider)
    services.service_update(
        service=service,
        by=None,
        data=services.service_input_from(service),
        version=service.version,
    )
    assert not _entries(service, Action.UPDATE).exists()
    service.refresh_from_db()
    assert service.version == 1


def test_a_stale_edit_is_refused_and_nothing_is_lost(personas):
    service = make_service(personas.provider, description="Original")
    loaded_version = service.version
    first = services.service_input_from(service)
    first.description = "First editor"
    services.service_update(service=service, by=None, data=first, version=loaded_version)

    second = services.service_input_from(service)
    second.description = "Second editor, from an old form"
    second.languages = ["fr"]
    with pytest.raises(services.StaleService, match="Someone else changed"):
        services.service_update(service=service, by=None, data=second, version=loaded_version)
    service.refresh_from_db()
    assert service.description == "First editor"
    assert not service.languages.exists()


def test_a_stale_capacity_update_is_refused(personas):
    service = make_service(personas.provider, capacity={"capacity": 5, "available_slots": 2})
    old = service.version
    services.service_set_capacity(
        service=service,
        by=None,
        data=services.CapacityInput(capacity=5, available_slots=1),
        version=old,
    )
    with pytest.raises(services.StaleService):
        services.service_set_capacity(
            service=service,
            by=None,
            data=services.CapacityInput(capacity=5, available_slots=5),
            version=old,
        )
    service.refresh_from_db()
    assert service.available_slots == 1


def test_capacity_check_is_recorded_even_without_change(personas, clock):
    import datetime as dt

    service = make_service(personas.provider, capacity={"capacity": 5, "available_slots": 0})
    first = service.capacity_updated_at
    clock.shift(dt.timedelta(hours=3))
    services.service_set_capacity(
        service=service,
        by=personas.advocate,
        data=services.capacity_input_from(service),
        version=service.version,
    )
    service.refresh_from_db()
    assert service.capacity_updated_at - first == dt.timedelta(hours=3)
    assert _entries(service, Action.UPDATE).get().fields == ["capacity_checked"]


def test_deactivate_and_reactivate_are_audited_once(personas):
    service = make_service(personas.provider)
    services.service_deactivate(service=service, by=personas.coordinator)
    services.service_deactivate(service=service, by=personas.coordinator)  # no-op
    service.refresh_from_db()
    assert not service.is_active
    services.service_set_active(service=service, by=personas.coordinator, active=True)
    service.refresh_from_db()
    assert service.is_active
    assert _entries(service, Action.UPDATE).count() == 2


def test_inactive_organisation_cannot_get_new_services(personas):
    personas.clinic.is_active = False
    personas.clinic.save()
    with pytest.raises(services.DirectoryError, match="no longer active"):
        make_service(personas.clinic)
