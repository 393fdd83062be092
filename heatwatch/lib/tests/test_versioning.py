"""lib.versioning: one lock-compare-bump for every app. Two editors who loaded the same
version: the first edit is saved, the second is refused with the app's stale error and saves
nothing — also when both really run at once (PostgreSQL, two connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from heatwatch.accounts import services as account_services
from heatwatch.accounts.models import OrganisationType
from heatwatch.directory import services as directory
from heatwatch.directory.models import Category, Service
from heatwatch.lib.versioning import StaleEdit, assign, bump, locked


def _service() -> Service:
    org = account_services.organisation_create(
        name="Versioning Test Shelter", type=OrganisationType.SERVICE_PROVIDER, by=None
    )
    return directory.service_create(
        organisation=org,
        by=None,
        data=directory.ServiceInput(name="Night shelter", category=Category.SHELTER),
    )


@pytest.mark.django_db
def test_lock_compare_bump_and_changed_fields():
    service = _service()
    with transaction.atomic():
        row = locked(Service, service.pk, version=service.version, stale=directory.StaleService)
        changed = assign(row, {"name": "Night shelter", "hours": "8pm-8am", "city": "Northport"})
        assert changed == ["hours", "city"]
        bump(row, changed)
    row.refresh_from_db()
    assert row.version == service.version + 1 and row.hours == "8pm-8am"
    with pytest.raises(directory.StaleService) as refused:
        locked(Service, service.pk, version=service.version, stale=directory.StaleService)
    # One error for every app: the service's own error is also a StaleEdit, answered 409.
    assert isinstance(refused.value, StaleEdit) and isinstance(
        refused.value, directory.DirectoryError
    )
    assert StaleEdit.http_status == 409


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real connections")
@pytest.mark.django_db(transaction=True)
def test_two_editors_at_once_one_wins_and_nothing_is_lost():
    service = _service()
    loaded = service.version
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def edit(name: str, hours: str) -> None:
        try:
            barrier.wait(timeout=10)
            directory.service_update(
                service=service,
                by=None,
                data=directory.ServiceInput(
                    name="Night shelter", category=Category.SHELTER, hours=hours
                ),
                version=loaded,
            )
            outcome[name] = "saved"
        except directory.StaleService:
            outcome[name] = "stale"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(n, h)) for n, h in (("a", "9-5"), ("b", "24h"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcome.values()) == ["saved", "stale"]
    service.refresh_from_db()
    winner = next(n for n, o in outcome.items() if o == "saved")
    assert service.hours == {"a": "9-5", "b": "24h"}[winner]
    assert service.version == loaded + 1
