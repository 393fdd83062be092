"""Background work runs through the real database queue and worker command."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from heatwatch.accounts import services
from heatwatch.conftest import make_user

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_security_notice_is_queued_and_sent_by_the_worker():
    with override_settings(TASKS=DATABASE_TASKS):
        user = make_user("queued")
        services.user_logout_everywhere(user=user, by=user)
        assert mail.outbox == []  # queued, not sent in the request

        from django_tasks_db.models import DBTaskResult

        assert DBTaskResult.objects.filter(status="READY").count() == 1
        call_command("worker", "--batch")
        assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1
    assert [m.to for m in mail.outbox] == [["queued@example.test"]]
    assert "sessions were ended" in mail.outbox[0].subject


@pytest.mark.django_db
def test_notice_for_a_vanished_user_is_a_no_op():
    from heatwatch.accounts.tasks import send_security_notice

    send_security_notice.call(user_id=987654, kind="logout_everywhere")
    assert mail.outbox == []
