"""No overbooking over HTTP: simultaneous registrations for the last seats are posted through
the public form to a live server (PostgreSQL: each request on its own connection). Every
client fetches its form token first and waits at a barrier, so all posts arrive together.

The control run removes the event row lock and holds every request just after its seat count
(a barrier), as tests/test_no_overbooking.py does in-process: the event is then overbooked,
which shows the test can fail.
"""

from __future__ import annotations

import datetime as dt
import http.client
import re
import threading
import urllib.parse
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from heatwatch.events import services
from heatwatch.events.models import Event, RegistrationStatus

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs real concurrent connections"
    ),
    pytest.mark.django_db(transaction=True),
]
TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')


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


def _post_together(live_server, event: Event, people: int) -> list[int]:
    where = urlsplit(live_server.url)
    barrier = threading.Barrier(people, timeout=30)
    statuses: list[int] = []
    lock = threading.Lock()

    def person(i: int) -> None:
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
        conn.request("GET", f"/events/{event.slug}/")
        token = TOKEN.search(conn.getresponse().read()).group(1).decode()
        body = urllib.parse.urlencode(
            {
                "form_token": token,
                "name": f"Person {i}",
                "email": f"p{i}@example.test",
                "audience": "school",
                "places": "1",
                "website": "",
            }
        )
        barrier.wait()
        conn.request(
            "POST",
            f"/events/{event.slug}/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": live_server.url,
                "Sec-Fetch-Site": "same-origin",
            },
        )
        status = conn.getresponse().status
        conn.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=person, args=(i,)) for i in range(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    return statuses


def _statuses(event: Event) -> list[str]:
    return list(event.registrations.values_list("status", flat=True))


@pytest.fixture(autouse=True)
def _no_rate_counter(monkeypatch):
    """Every post comes from 127.0.0.1, and the per-source rate counter's row (updated in the
    registration's transaction) would serialise them by itself: count nothing, so that the
    event row lock is the only thing between the posts."""
    monkeypatch.setattr(services.ratelimit, "hit", lambda **kw: 0)


def test_simultaneous_posts_for_the_last_seats_never_overbook(live_server):
    event = _event(capacity=3)
    assert _post_together(live_server, event, 12) == [200] * 12
    statuses = _statuses(event)
    assert statuses.count(RegistrationStatus.CONFIRMED) == 3
    assert statuses.count(RegistrationStatus.WAITLISTED) == 9


def test_control_without_the_lock_the_http_race_overbooks(live_server, monkeypatch):
    event = _event(capacity=1)
    people = 3
    barrier = threading.Barrier(people, timeout=5)
    count = services.confirmed_places

    def counted_then_wait(event_id: int) -> int:
        seats = count(event_id)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return seats

    monkeypatch.setattr(services, "confirmed_places", counted_then_wait)
    monkeypatch.setattr(
        services, "locked", lambda model, pk, **kw: model._default_manager.get(pk=pk)
    )
    _post_together(live_server, event, people)
    assert _statuses(event).count(RegistrationStatus.CONFIRMED) > 1  # the race is real
