"""No overbooking when people register at the same moment (PostgreSQL: real connections).

Each thread registers through the service on its own connection. A barrier placed right after
the seat count makes the race certain: without the event row lock both threads count the same
free seat and the event is overbooked (the control run shows the test can fail); with the lock
the second thread waits for the first to commit, counts again and joins the waitlist.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from heatwatch.events import services
from heatwatch.events.models import Event, RegistrationStatus

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs real concurrent connections"
    ),
    pytest.mark.django_db(transaction=True),
]


def _event(capacity: int) -> Event:
    start = timezone.now() + dt.timedelta(days=10)
    return services.event_create(
        data=services.EventInput(
            kind="training",
            title="Last seats",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            capacity=capacity,
            venue_address="1 Civic Center Plaza",
        ),
        by=None,
    )


def _race(event: Event, people: int, monkeypatch, *, lock: bool) -> list[str]:
    barrier = threading.Barrier(people, timeout=3)
    count = services.confirmed_places

    def counted_then_wait(event_id: int) -> int:
        seats = count(event_id)
        try:
            barrier.wait()  # everyone has counted before anyone books (if nothing blocks them)
        except threading.BrokenBarrierError:
            pass  # with the lock the others are blocked on the row: go on alone
        return seats

    monkeypatch.setattr(services, "confirmed_places", counted_then_wait)
    if not lock:
        monkeypatch.setattr(
            services, "locked", lambda model, pk, **kw: model._default_manager.get(pk=pk)
        )
    errors: list[BaseException] = []

    def register(i: int) -> None:
        try:
            services.registration_create(
                event_id=event.pk,
                data=services.RegistrationInput(name=f"Person {i}", email=f"p{i}@example.test"),
            )
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return sorted(event.registrations.values_list("status", flat=True))


def test_simultaneous_registrations_never_exceed_the_capacity(monkeypatch):
    event = _event(capacity=2)
    statuses = _race(event, 4, monkeypatch, lock=True)
    assert statuses.count(RegistrationStatus.CONFIRMED) == 2
    assert statuses.count(RegistrationStatus.WAITLISTED) == 2


def test_control_without_the_lock_the_race_overbooks(monkeypatch):
    event = _event(capacity=1)
    statuses = _race(event, 2, monkeypatch, lock=False)
    assert statuses.count(RegistrationStatus.CONFIRMED) == 2  # the race is real
