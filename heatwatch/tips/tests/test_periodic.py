"""Notifications, escalation, reply deadlines and retention, driven by the clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from heatwatch.accounts.models import Membership, Role
from heatwatch.audit.models import Action, AuditEntry
from heatwatch.core.models import PeriodicJob
from heatwatch.tips import services
from heatwatch.tips.models import Status, Tip, TipTally

pytestmark = pytest.mark.django_db


def urgent_tip() -> Tip:
    return services.tip_submit(
        data=services.TipInput(narrative="She said she cannot leave.", immediate_danger=True)
    ).tip


def test_new_urgent_tip_emails_on_call_coordinators_without_content(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    from heatwatch.accounts import services as accounts
    from heatwatch.conftest import make_user

    off_duty = make_user("coord2")
    accounts.membership_grant(
        user=off_duty, organisation=personas.coordinating_office, role=Role.COORDINATOR, by=None
    )
    Membership.objects.filter(user=personas.coordinator, role=Role.COORDINATOR).update(on_call=True)
    with django_capture_on_commit_callbacks(execute=True):
        tip = urgent_tip()
    assert [m.to for m in mailoutbox] == [["coordinator@example.test"]]
    assert tip.reference in mailoutbox[0].subject
    assert "cannot leave" not in mailoutbox[0].body  # no tip content in e-mail


def test_routine_tip_sends_no_alert(personas, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.tip_submit(data=services.TipInput(narrative="seen once", red_flags=["school"]))
    assert mailoutbox == []


def test_urgent_tip_not_triaged_in_an_hour_escalates_once(
    personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    tip = urgent_tip()
    clock.shift(timedelta(minutes=59))
    assert services.escalate_untriaged() == []
    clock.shift(timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.escalate_untriaged() == [tip]
    assert any("ESCALATED" in m.subject for m in mailoutbox)
    assert services.escalate_untriaged() == []  # once
    tip.refresh_from_db()
    assert tip.escalated_at is not None


def test_triaged_tip_does_not_escalate(personas, clock):
    tip = urgent_tip()
    services.tip_triage(
        tip=tip, by=personas.coordinator, urgency="immediate", red_flags=[], assignee=None
    )
    clock.shift(timedelta(hours=2))
    assert services.escalate_untriaged() == []


def test_tipster_waiting_seven_days_raises_an_alert(
    personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    tip = urgent_tip()
    clock.shift(timedelta(days=6, hours=23))
    assert services.alert_overdue_replies() == []
    clock.shift(timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.alert_overdue_replies() == [tip]
    assert any("waiting for an answer" in m.subject for m in mailoutbox)
    # Answering clears the deadline.
    services.tip_message_tipster(tip=tip, by=personas.coordinator, body="Thank you, which city?")
    clock.shift(timedelta(days=30))
    assert services.alert_overdue_replies() == []


def test_closed_tips_are_purged_after_retention_leaving_counts(personas, clock):
    kept_open = urgent_tip()
    closed = urgent_tip()
    linked = urgent_tip()
    services.tip_close(tip=closed, by=personas.coordinator, reason="insufficient")
    from heatwatch.cases.tests.conftest import open_case

    case = open_case(personas)
    services.tip_link_case(tip=linked, by=personas.coordinator, case_reference=case.reference)
    services.tip_close(tip=linked, by=personas.coordinator, reason="referred_done")
    clock.shift(timedelta(days=364))
    assert services.purge_closed_tips() == 0
    clock.shift(timedelta(days=2))
    assert services.purge_closed_tips() == 1
    assert set(Tip.objects.values_list("pk", flat=True)) == {kept_open.pk, linked.pk}
    tally = TipTally.objects.get()
    assert (tally.count, tally.close_reason, tally.urgency) == (1, "insufficient", "immediate")
    assert AuditEntry.objects.filter(action=Action.DELETE, object_id=str(closed.pk)).exists()
    call_command("audit", "verify")  # the log survives the purge intact


def test_tick_enqueues_due_jobs_once_per_interval(clock, settings):
    from io import StringIO

    out = StringIO()
    call_command("tick", stdout=out)
    assert "tips.escalate_untriaged" in out.getvalue()
    again = StringIO()
    call_command("tick", stdout=again)
    assert "tips.escalate_untriaged" not in again.getvalue()
    clock.shift(timedelta(minutes=2))
    later = StringIO()
    call_command("tick", stdout=later)
    assert "tips.escalate_untriaged" in later.getvalue()
    assert "tips.purge_closed_tips" not in later.getvalue()  # every 6 hours
    assert PeriodicJob.objects.filter(name="tips.purge_closed_tips").exists()


def test_escalation_task_runs_through_the_task_backend(
    personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    tip = urgent_tip()
    clock.shift(timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", "--all", stdout=None)
    tip.refresh_from_db()
    assert tip.escalated_at is not None
    assert tip.status == Status.NEW
