"""Unconfirmed addresses are purged after 30 days by the periodic job (heatwatch tick)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.core import scheduling
from heatwatch.mailing.models import Subscriber
from heatwatch.mailing.tests.conftest import make_subscriber

pytestmark = pytest.mark.django_db


def test_the_purge_is_registered_as_a_periodic_job():
    assert "mailing.purge_unconfirmed" in [job.name for job in scheduling.jobs()]


def test_unconfirmed_addresses_are_purged_after_30_days_and_confirmed_ones_kept(
    clock, django_capture_on_commit_callbacks
):
    stale = make_subscriber("never.confirmed@example.test", confirm=False)
    kept = make_subscriber("confirmed@example.test")
    clock.shift(timedelta(days=29))
    recent = make_subscriber("recent@example.test", confirm=False)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", "--all", stdout=None)
    assert Subscriber.objects.filter(pk=stale.pk).exists()  # 29 days: not yet
    clock.shift(timedelta(days=1, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", "--all", stdout=None)
    assert set(Subscriber.objects.values_list("pk", flat=True)) == {kept.pk, recent.pk}
    assert AuditEntry.objects.filter(
        action=Action.DELETE, object_id=str(stale.pk), reason="unconfirmed sign-up purged"
    ).exists()
