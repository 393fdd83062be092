"""N+1 guards: the coordinators' newsletter list and a newsletter's send log need no more
queries for 12 rows than for 2."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.mailing import services
from heatwatch.mailing.models import Delivery, DeliveryStatus, Newsletter
from heatwatch.mailing.tests.conftest import make_subscriber

pytestmark = pytest.mark.django_db

FEW, MORE = 2, 10


def _newsletters(n: int, start: int) -> list[Newsletter]:
    return [
        services.newsletter_create(
            subject=f"Issue {start + i}", body="Text.", interest="newsletter", language="", by=None
        )
        for i in range(n)
    ]


def test_newsletter_list(personas, login, queries_do_not_grow):
    made = _newsletters(FEW, 0)
    client = login(Client(), personas.coordinator)
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/mailing/"),
        lambda: made.extend(_newsletters(MORE, FEW)),
        most=20,
    )
    page = after.content.decode()
    assert all(f"/staff/mailing/{n.pk}/" in page for n in made)


def test_send_log(personas, login, queries_do_not_grow):
    (item,) = _newsletters(1, 0)
    count = [0]

    def add(n: int) -> None:
        for _ in range(n):
            count[0] += 1
            subscriber = make_subscriber(f"reader{count[0]}@example.test")
            Delivery.objects.create(
                newsletter=item, subscriber=subscriber, status=DeliveryStatus.ACCEPTED
            )

    add(FEW)
    client = login(Client(), personas.coordinator)
    _, after = queries_do_not_grow(
        lambda: client.get(f"/staff/mailing/{item.pk}/"), lambda: add(MORE), most=20
    )
    assert after.content.decode().count("Accepted by SMTP</td>") == FEW + MORE
