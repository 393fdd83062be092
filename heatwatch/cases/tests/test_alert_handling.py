"""Alerts handled by hand (acknowledge, resolve with an encrypted note, the quiet period) and
the aftercare check-in after closure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from heatwatch.audit.models import AuditEntry
from heatwatch.cases import services
from heatwatch.cases.models import (
    Alert,
    AlertKind,
    CaseEvent,
)
from heatwatch.cases.tests.conftest import (
    break_glass_client,
    open_alert,
    open_case,
    signed_in,
    sweep,
)

pytestmark = pytest.mark.django_db


def test_lead_resolves_by_hand_with_an_encrypted_note(personas, clock, login):
    case = open_case(personas)
    clock.shift(timedelta(days=15))
    sweep()
    alert = open_alert(case, AlertKind.NO_CONTACT)
    client = signed_in(login, personas.advocate)
    url = f"/staff/cases/{case.pk}/alerts/{alert.pk}/resolve/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"note": ""})
    assert response.status_code == 400 and "usa-error-message" in response.content.decode()
    note = "Youth is at the aunt's; the advocate visits on Friday."
    response = client.post(url, {"note": note})
    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{case.pk}/"
    alert.refresh_from_db()
    assert alert.resolved_by == personas.advocate and alert.resolution_note == note
    with connection.cursor() as cursor:
        cursor.execute("SELECT resolution_note FROM cases_alert WHERE id = %s", [alert.pk])
        assert "aunt" not in cursor.fetchone()[0]
    assert CaseEvent.objects.filter(case=case, kind="alert_resolved").exists()
    entry = AuditEntry.objects.filter(object_type="cases.alert", object_id=str(alert.pk)).last()
    assert "resolution_note" in entry.fields and "aunt" not in entry.reason
    # resolving twice is refused
    assert client.post(url, {"note": note}).status_code == 400


def test_resolved_by_hand_is_raised_again_only_after_the_quiet_period(personas, clock):
    case = open_case(personas)
    clock.shift(timedelta(days=15))
    sweep()
    services.alert_resolve(
        alert=open_alert(case, AlertKind.NO_CONTACT), by=personas.coordinator, note="Known."
    )
    clock.shift(timedelta(days=6))
    sweep()
    assert not Alert.objects.filter(
        case=case, kind=AlertKind.NO_CONTACT, resolved_at__isnull=True
    ).exists()
    clock.shift(timedelta(days=2))
    sweep()
    again = open_alert(case, AlertKind.NO_CONTACT)
    assert again.notified_at is not None  # a new alert, e-mailed again


def test_who_may_acknowledge_and_resolve(personas, clock, login):
    case = open_case(personas)
    services.care_team_add(
        case=case,
        by=personas.advocate,
        user=personas.advocate_other,
        organisation=personas.clinic,
        team_role="health",
    )
    clock.shift(timedelta(days=15))
    sweep()
    alert = open_alert(case, AlertKind.NO_CONTACT)
    resolve = f"/staff/cases/{case.pk}/alerts/{alert.pk}/resolve/"
    ack = f"/staff/cases/{case.pk}/alerts/{alert.pk}/acknowledge/"
    member = signed_in(login, personas.advocate_other)  # on the team, not the lead
    assert member.get(resolve).status_code == 403
    assert member.post(resolve, {"note": "Nope"}).status_code == 403
    assert signed_in(login, personas.prosecutor).post(ack).status_code == 404  # not on team
    assert signed_in(login, personas.analyst).post(ack).status_code == 403
    reader = break_glass_client(personas, login, case)
    assert reader.post(ack).status_code == 403
    assert reader.get(resolve).status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None and alert.resolved_at is None
    # the coordinator handles it from the dashboard and goes back there
    coordinator = signed_in(login, personas.coordinator)
    page = coordinator.get("/staff/cases/dashboard/").content.decode()
    assert ack in page and resolve in page
    response = coordinator.post(ack, {"next": "dashboard"})
    assert response["Location"] == "/staff/cases/dashboard/"
    response = coordinator.post(resolve + "?next=dashboard", {"note": "Handled by phone."})
    assert response["Location"] == "/staff/cases/dashboard/"
    alert.refresh_from_db()
    assert alert.resolved_by == personas.coordinator


# --- aftercare check-in -----------------------------------------------------------------------


def _closed_with_check_in(personas, days=10):
    case = open_case(personas)
    return services.case_close(
        case=case,
        by=personas.advocate,
        reason="goals_met",
        aftercare_check_in_on=timezone.localdate() + timedelta(days=days),
        version=case.version,
    )


def test_aftercare_check_in_reminder_until_a_contact_on_or_after_the_date(personas, clock, login):
    case = _closed_with_check_in(personas)
    clock.shift(timedelta(days=9))
    sweep()
    assert not Alert.objects.filter(case=case, kind=AlertKind.AFTERCARE_CHECK_IN_DUE).exists()
    with pytest.raises(services.CaseError, match="closed"):  # not before the date
        services.contact_add(case=case, by=personas.advocate, kind="phone", at=timezone.now())
    clock.shift(timedelta(days=1))
    sweep()
    alert = open_alert(case, AlertKind.AFTERCARE_CHECK_IN_DUE)
    assert any(
        "Aftercare check-in due" in m.body and m.to == ["advocate@example.test"]
        for m in mail.outbox
    )
    # shown to the former lead and on the coordinators' dashboard
    assert (
        case.reference in signed_in(login, personas.advocate).get("/staff/cases/").content.decode()
    )
    dashboard = signed_in(login, personas.coordinator).get("/staff/cases/dashboard/")
    assert "Aftercare check-in due" in dashboard.content.decode()
    # the former lead logs the check-in on the closed case's page
    client = signed_in(login, personas.advocate)
    assert "log the aftercare check-in" in client.get(f"/staff/cases/{case.pk}/").content.decode()
    response = client.post(
        f"/staff/cases/{case.pk}/contacts/",
        {"kind": "in_person", "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert CaseEvent.objects.filter(case=case, summary__startswith="Aftercare contact").exists()
    sweep()
    assert not Alert.objects.filter(case=case, resolved_at__isnull=True).exists()


def test_aftercare_resolved_by_hand_is_done_for_good(personas, clock):
    case = _closed_with_check_in(personas, days=1)
    clock.shift(timedelta(days=1))
    sweep()
    services.alert_resolve(
        alert=open_alert(case, AlertKind.AFTERCARE_CHECK_IN_DUE),
        by=personas.advocate,
        note="Checked in at the school visit.",
    )
    clock.shift(timedelta(days=30))
    sweep()
    assert not Alert.objects.filter(case=case, resolved_at__isnull=True).exists()


def test_closed_case_without_check_in_takes_no_contact(personas):
    case = open_case(personas)
    case = services.case_close(
        case=case, by=personas.advocate, reason="moved", aftercare_check_in_on=None, version=1
    )
    with pytest.raises(services.CaseError, match="closed"):
        services.contact_add(case=case, by=personas.advocate, kind="phone", at=timezone.now())
