"""The demo data: synthetic subscribers and a sent issue in the archive; safe to run twice."""

from __future__ import annotations

import random

import pytest

from heatwatch.mailing.models import Newsletter, Subscriber
from heatwatch.mailing.seed import seed_mailing

pytestmark = pytest.mark.django_db


def test_the_seed_adds_subscribers_and_an_archived_issue_once(client):
    report = seed_mailing(scale=1, rng=random.Random(1), demo=True)  # noqa: S311
    assert report == ["mailing: 30 subscribers, 1 sent newsletter, 1 draft"]
    assert all(s.email.endswith("@example.test") for s in Subscriber.objects.all())
    issue = Newsletter.objects.get(status="sent")
    assert "Autumn newsletter (demo)" in client.get("/newsletter/").content.decode()
    assert "Boletín de otoño" in client.get(f"/es/newsletter/{issue.pk}/").content.decode()
    assert seed_mailing(scale=1, rng=random.Random(1), demo=True) == [  # noqa: S311
        "mailing: subscribers exist, nothing added"
    ]
    assert Subscriber.objects.count() == 30
