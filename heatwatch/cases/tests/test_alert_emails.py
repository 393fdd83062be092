"""Alert e-mails: once to the lead (or the team), one digest per person, escalation to the
coordinators, failures retried; never a detail of the youth."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.cases import services, tasks
from heatwatch.cases.models import (
    AlertKind,
    CaseEvent,
)
from heatwatch.cases.tests.conftest import (
    YOUTH_DETAILS,
    open_alert,
    open_case,
    signed_in,
    sweep,
)

pytestmark = pytest.mark.django_db


def test_new_alert_is_emailed_once_to_the_lead_without_youth_details(personas, clock):
    case = open_case(personas)
    clock.shift(timedelta(days=15))
    result = sweep()
    alert = open_alert(case, AlertKind.NO_CONTACT)
    assert alert.pk in result.notified and alert.notified_at is not None
    # one digest for the lead, listing every new alert (the five overdue checklist items too)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["advocate@example.test"]
    assert "6 new alert(s)" in message.subject
    assert "No contact recently" in message.body
    assert message.body.count(case.reference) == 6
    assert f"/staff/cases/{case.pk}/" in message.body
    for m in mail.outbox:
        text = m.subject + m.body
        assert not any(detail in text for detail in YOUTH_DETAILS)
        assert "No contact with the youth in" not in text  # not even the alert's message
    sent = len(mail.outbox)
    sweep()  # once only
    assert len(mail.outbox) == sent
    assert AuditEntry.objects.filter(
        action=Action.UPDATE, object_type="cases.alert", reason__contains="e-mailed to user"
    ).exists()


def test_alert_links_use_the_platforms_own_base_url(personas, clock, settings):
    settings.HEATWATCH_BASE_URL = "https://heat.bayview.example.test/"
    settings.WAGTAILADMIN_BASE_URL = "https://cms-only.example.test"  # not used for links
    case = open_case(personas)
    clock.shift(timedelta(days=15))
    sweep()
    (message,) = mail.outbox
    assert f"https://heat.bayview.example.test/staff/cases/{case.pk}/" in message.body
    assert "cms-only" not in message.body


def test_one_digest_per_person_per_run_whatever_the_backlog(personas, clock, settings):
    settings.HEATWATCH_CASES_ESCALATE_HOURS = 1
    first = open_case(personas)
    second = open_case(personas, legal_name="Kiara Samplesby", date_of_birth=date(2009, 1, 2))
    clock.shift(timedelta(days=15))
    result = sweep()
    assert result.emails == 1  # twelve alerts on two cases: one e-mail to their lead
    (digest,) = mail.outbox
    assert first.reference in digest.body and second.reference in digest.body
    mail.outbox.clear()
    clock.shift(timedelta(hours=2))
    result = sweep()
    assert result.emails == 1 and len(result.escalated) == 12  # one coordinator, one digest
    assert mail.outbox[0].to == ["coordinator@example.test"]


def test_without_a_lead_the_active_team_is_emailed(personas, clock):
    case = open_case(personas)
    services.care_team_add(
        case=case,
        by=personas.advocate,
        user=personas.advocate_other,
        organisation=personas.clinic,
        team_role="health",
    )
    services.care_team_remove(member=case.team.get(user=personas.advocate), by=personas.coordinator)
    sweep()
    alert = open_alert(case, AlertKind.NO_LEAD)
    message = next(m for m in mail.outbox if "Care team without a lead" in m.body)
    assert message.to == ["advocate_other@example.test"]  # the removed lead is not e-mailed
    assert alert.notified_at is not None


def test_unacknowledged_alert_is_escalated_to_coordinators_once_after_48_hours(personas, clock):
    case = open_case(personas)
    clock.shift(timedelta(days=15))
    sweep()
    alert = open_alert(case, AlertKind.NO_CONTACT)
    mail.outbox.clear()
    clock.shift(timedelta(hours=47))
    assert not sweep().escalated
    clock.shift(timedelta(hours=2))
    result = sweep()
    assert alert.pk in result.escalated
    escalations = [m for m in mail.outbox if "ESCALATED" in m.subject]
    assert escalations and all(m.to == ["coordinator@example.test"] for m in escalations)
    assert any(case.reference in m.body for m in escalations)
    for m in escalations:
        assert not any(detail in m.subject + m.body for detail in YOUTH_DETAILS)
    assert CaseEvent.objects.filter(case=case, kind="alert_escalated").exists()
    count = len(mail.outbox)
    clock.shift(timedelta(hours=1))
    sweep()
    assert len(mail.outbox) == count


@override_settings(HEATWATCH_CASES_ESCALATE_HOURS=2)
def test_acknowledged_alert_is_not_escalated_and_the_setting_applies(personas, clock, login):
    case = open_case(personas)
    clock.shift(timedelta(days=15))
    sweep()
    alert = open_alert(case, AlertKind.NO_CONTACT)
    response = signed_in(login, personas.advocate).post(
        f"/staff/cases/{case.pk}/alerts/{alert.pk}/acknowledge/"
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == personas.advocate and alert.resolved_at is None
    clock.shift(timedelta(hours=3))
    result = sweep()
    assert alert.pk not in result.escalated
    assert result.escalated  # the checklist items, not acknowledged, are escalated after 2 h
    assert CaseEvent.objects.filter(case=case, kind="alert_acknowledged").exists()


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise OSError("SMTP server unreachable")


def test_sending_failure_does_not_stop_the_task_and_is_retried(personas, clock):
    case = open_case(personas)
    clock.shift(timedelta(days=15))
    with override_settings(EMAIL_BACKEND="heatwatch.cases.tests.test_workflow.FailingBackend"):
        tasks.refresh_alerts.call()  # raises nothing
        result = services.alerts_notify()
    alert = open_alert(case, AlertKind.NO_CONTACT)
    assert alert.notified_at is None and alert.pk in result.failed
    assert not mail.outbox
    result = services.alerts_notify()  # the next run, mail works again
    alert.refresh_from_db()
    assert alert.pk in result.notified and alert.notified_at is not None
    assert any("No contact recently" in m.body for m in mail.outbox)
