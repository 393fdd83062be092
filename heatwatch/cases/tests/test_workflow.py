"""Case workflow: alert e-mails and escalation, alerts handled by hand, aftercare check-ins,
editing the youth's details, restricted deletion, intake from a tip, case-list filters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.cases import services, tasks
from heatwatch.cases.models import (
    Alert,
    AlertKind,
    Case,
    CaseEvent,
    Contact,
    ReferralStatus,
    Youth,
)
from heatwatch.cases.tests.conftest import make_service, open_case, youth
from heatwatch.identity.models import IdentityRecord, Person
from heatwatch.identity.selectors import find_candidates
from heatwatch.lib.env import env_float
from heatwatch.tips import services as tip_services
from heatwatch.tips.models import Channel, Status

pytestmark = pytest.mark.django_db

# What must never appear in an e-mail: the youth's name, alias and notes (conftest.youth()).
YOUTH_DETAILS = ("Marisol", "Testwell", "Candy", "Harbor Street", "555-0100")
DELETE_REASON = "Logged on the wrong case by mistake."


def signed_in(login, user) -> Client:
    return login(Client(), user)


def open_alert(case, kind) -> Alert:
    return Alert.objects.get(case=case, kind=kind, resolved_at__isnull=True)


def sweep():
    services.alerts_refresh()
    return services.alerts_notify()


def grant_delete(user):
    user.user_permissions.add(Permission.objects.get(codename="delete_case_records"))
    # has_perm caches permissions on the instance
    for attr in ("_perm_cache", "_user_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def break_glass_client(personas, login, case) -> Client:
    services.break_glass(
        case=case,
        by=personas.officer,
        reason="Youth recovered tonight at the motel; need the safety plan now.",
    )
    return signed_in(login, personas.officer)


# --- alert e-mails and escalation -------------------------------------------------------------


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


# --- alerts handled by hand -------------------------------------------------------------------


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


# --- editing the youth's details --------------------------------------------------------------

YOUTH_FORM = {
    "legal_name": "Marisol Testwell-Rivera",
    "aliases": "Candy; Mari",
    "date_of_birth": "2010-04-05",
    "estimated_age": "",
    "gender": "female",
    "languages": "en es",
    "city": "Northport",
    "in_foster_care": "on",
    "guardian_contact": "Aunt, 555-0100",
    "safety_notes": "Avoid the Harbor Street depot.",
}


def test_youth_details_edited_audited_by_field_name_and_identity_updated(personas, login):
    case = open_case(personas)
    client = signed_in(login, personas.advocate)
    page = client.get(f"/staff/cases/{case.pk}/youth/")
    assert page.status_code == 200 and 'value="Bayview"' in page.content.decode()
    response = client.post(f"/staff/cases/{case.pk}/youth/", {**YOUTH_FORM, "version": 1})
    assert response.status_code == 302
    youth_row = Youth.objects.get(pk=case.youth_id)
    assert youth_row.version == 2 and youth_row.city == "Northport" and youth_row.in_foster_care
    entry = AuditEntry.objects.filter(
        action=Action.UPDATE, object_type="cases.youth", object_id=str(youth_row.pk)
    ).get()
    assert set(entry.fields) == {"legal_name", "aliases", "city", "in_foster_care"}
    assert "Northport" not in entry.reason and "Rivera" not in entry.reason
    event = CaseEvent.objects.get(case=case, kind="youth_updated")
    assert "city" in event.summary and "Northport" not in event.summary
    # the register record follows, so matching finds the youth by the new details
    record = IdentityRecord.objects.get(person_id=youth_row.person_id)
    assert record.family_name == "Testwell-Rivera" and record.city == "Northport"
    found = find_candidates(
        youth(legal_name="Marisol Testwell-Rivera", city="Northport").identity_input()
    )
    assert found and found[0].person_id == youth_row.person_id
    assert AuditEntry.objects.filter(
        action=Action.UPDATE, object_type="identity.identityrecord", object_id=str(record.pk)
    ).exists()


def test_youth_edit_with_a_stale_version_saves_nothing_and_keeps_what_was_typed(personas, login):
    case = open_case(personas)
    services.youth_update(
        case=case, by=personas.coordinator, data=youth(city="Eastgate"), version=1
    )
    client = signed_in(login, personas.advocate)
    response = client.post(f"/staff/cases/{case.pk}/youth/", {**YOUTH_FORM, "version": 1})
    page = response.content.decode()
    assert response.status_code == 409 and "Someone else changed" in page
    assert 'value="Northport"' in page
    assert Youth.objects.get(pk=case.youth_id).city == "Eastgate"


def test_youth_edit_refuses_a_future_date_of_birth(personas, login):
    case = open_case(personas)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = signed_in(login, personas.advocate).post(
        f"/staff/cases/{case.pk}/youth/", {**YOUTH_FORM, "date_of_birth": tomorrow, "version": 1}
    )
    assert response.status_code == 400 and "future" in response.content.decode()
    assert Youth.objects.get(pk=case.youth_id).version == 1


def test_youth_edit_permissions(personas, login):
    case = open_case(personas)
    url = f"/staff/cases/{case.pk}/youth/"
    assert signed_in(login, personas.advocate_other).get(url).status_code == 404
    assert signed_in(login, personas.analyst).get(url).status_code == 403
    reader = break_glass_client(personas, login, case)
    assert reader.get(url).status_code == 403
    assert reader.post(url, {**YOUTH_FORM, "version": 1}).status_code == 403
    assert signed_in(login, personas.coordinator).get(url).status_code == 200


# --- deletion ---------------------------------------------------------------------------------


def test_coordinator_without_the_permission_cannot_delete(personas, login):
    case = open_case(personas)
    contact = services.contact_add(case=case, by=personas.advocate, kind="phone", at=timezone.now())
    client = signed_in(login, personas.coordinator)
    url = f"/staff/cases/{case.pk}/delete/contact/{contact.pk}/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": DELETE_REASON}).status_code == 403
    assert (
        client.post(f"/staff/cases/{case.pk}/delete/", {"reason": DELETE_REASON}).status_code == 403
    )
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert AuditEntry.objects.filter(
        action=Action.ACCESS_DENIED, actor_id=personas.coordinator.pk, outcome=Outcome.DENIED
    ).exists()
    with pytest.raises(services.DeletionRefused):
        services.record_delete(obj=contact, by=personas.coordinator, reason=DELETE_REASON)
    assert "Delete…" not in client.get(f"/staff/cases/{case.pk}/").content.decode()


def test_delete_a_contact_with_a_reason_kept_encrypted(personas, login):
    case = open_case(personas)
    contact = services.contact_add(
        case=case, by=personas.advocate, kind="phone", at=timezone.now(), note="Talked."
    )
    grant_delete(personas.advocate)
    client = signed_in(login, personas.advocate)
    assert "Delete…" in client.get(f"/staff/cases/{case.pk}/").content.decode()
    url = f"/staff/cases/{case.pk}/delete/contact/{contact.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "too short"})
    assert response.status_code == 400 and "too short" in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()
    response = client.post(url, {"reason": DELETE_REASON})
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    entry = AuditEntry.objects.get(
        action=Action.DELETE, object_type="cases.contact", object_id=str(contact.pk)
    )
    assert "wrong case" not in entry.reason
    assert services.deletion_reason(entry.reason) == DELETE_REASON
    assert CaseEvent.objects.filter(case=case, kind="deleted", summary__contains="contact").exists()


def test_delete_other_case_records_and_refusals(personas):
    case = open_case(personas)
    grant_delete(personas.advocate)
    member = services.care_team_add(
        case=case,
        by=personas.advocate,
        user=personas.advocate_other,
        organisation=personas.clinic,
        team_role="health",
    )
    consent = services.consent_grant(
        case=case,
        by=personas.advocate,
        organisation=personas.clinic,
        scope=["name"],
        valid_from=timezone.localdate(),
        valid_until=None,
        given_by="youth",
    )
    item = case.stabilisation.first()
    fresh = services.referral_send(
        case=case, by=personas.advocate, service=make_service(personas.clinic)
    )
    answered = services.referral_send(
        case=case, by=personas.advocate, service=make_service(personas.clinic)
    )
    services.referral_answer(
        referral=answered, by=personas.advocate_other, to=ReferralStatus.ACCEPTED
    )
    with pytest.raises(services.DeletionRefused, match="Revoke"):
        services.record_delete(obj=answered, by=personas.advocate, reason=DELETE_REASON)
    with pytest.raises(services.CaseError, match="at least 10"):
        services.record_delete(obj=fresh, by=personas.advocate, reason="oops")
    for obj in (member, consent, item, fresh):
        services.record_delete(obj=obj, by=personas.advocate, reason=DELETE_REASON)
        assert not type(obj).objects.filter(pk=obj.pk).exists()
    # not on the whitelist
    alert = Alert.objects.create(
        case=case, kind=AlertKind.NO_LEAD, key="no_lead", message="x", raised_at=timezone.now()
    )
    with pytest.raises(services.DeletionRefused):
        services.record_delete(obj=alert, by=personas.advocate, reason=DELETE_REASON)
    assert AuditEntry.objects.filter(action=Action.DELETE).count() == 4


def test_delete_a_whole_case_created_in_error(personas, login):
    case = open_case(personas)
    person_id = case.youth.person_id
    youth_id = case.youth_id
    grant_delete(personas.advocate)
    client = signed_in(login, personas.advocate)
    url = f"/staff/cases/{case.pk}/delete/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Opened twice for the same referral."})
    assert response.status_code == 302 and response["Location"] == "/staff/cases/"
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Youth.objects.filter(pk=youth_id).exists()
    assert not IdentityRecord.objects.filter(person_id=person_id).exists()
    assert not Person.objects.filter(pk=person_id).exists()
    deleted = set(
        AuditEntry.objects.filter(action=Action.DELETE).values_list("object_type", flat=True)
    )
    assert {"cases.case", "cases.youth", "identity.identityrecord", "identity.person"} <= deleted


def test_delete_case_keeps_a_person_known_from_another_record(personas):
    first = open_case(personas)
    services.case_close(
        case=first, by=personas.advocate, reason="moved", aftercare_check_in_on=None, version=1
    )
    second = services.case_open_from_intake(
        data=youth(),
        by=personas.advocate,
        organisation=personas.provider,
        intake_source="direct",
        person=first.youth.person,
    )
    grant_delete(personas.advocate)
    services.record_delete(obj=second, by=personas.advocate, reason=DELETE_REASON)
    assert Person.objects.filter(pk=first.youth.person_id).exists()
    assert IdentityRecord.objects.filter(person_id=first.youth.person_id).count() == 1


def test_break_glass_reader_and_outsider_cannot_delete(personas, login):
    case = open_case(personas)
    grant_delete(personas.officer)
    grant_delete(personas.advocate_other)
    reader = break_glass_client(personas, login, case)
    assert reader.get(f"/staff/cases/{case.pk}/delete/").status_code == 403
    outsider = signed_in(login, personas.advocate_other)
    assert outsider.get(f"/staff/cases/{case.pk}/delete/").status_code == 404
    assert Case.objects.filter(pk=case.pk).exists()


# --- intake from a tip ------------------------------------------------------------------------

INTAKE = {
    "legal_name": "Kiara Samplesby",
    "aliases": "Star",
    "date_of_birth": "2011-02-03",
    "gender": "female",
    "languages": "en",
    "city": "Eastgate",
    "guardian_contact": "",
    "safety_notes": "",
    "intake_source": "tip",
}


def make_tip():
    return tip_services.tip_submit(
        data=tip_services.TipInput(
            narrative="A girl of about 15 is dropped off at a motel every night.",
            subject_age_range="15_17",
        ),
        channel=Channel.WEB,
        issue_receipt=False,
    ).tip


def test_intake_from_a_tip_links_both_ways(personas, login):
    tip = make_tip()
    client = signed_in(login, personas.coordinator)
    response = client.post(
        "/staff/cases/new/",
        {
            **INTAKE,
            "tip_reference": tip.reference.lower(),
            "organisation": personas.coordinating_office.pk,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    tip.refresh_from_db()
    assert tip.status == Status.LINKED and tip.case_reference == case.reference
    assert case.tip_reference == tip.reference
    assert CaseEvent.objects.filter(case=case, kind="tip_linked").exists()
    tip_page = client.get(f"/staff/tips/{tip.pk}/").content.decode()
    assert f'href="/staff/cases/{case.pk}/"' in tip_page
    # an officer of the agency the tip was referred to, not on the care team, sees neither
    tip_services.tip_refer(tip=tip, by=personas.coordinator, organisation=personas.police)
    officer_page = signed_in(login, personas.officer).get(f"/staff/tips/{tip.pk}/")
    assert officer_page.status_code == 200
    assert case.reference not in officer_page.content.decode()
    assert "Linked to a case you cannot open" in officer_page.content.decode()


def test_intake_with_a_bad_tip_reference_keeps_what_was_typed(personas, login):
    client = signed_in(login, personas.coordinator)
    data = {
        **INTAKE,
        "tip_reference": "T-2026-999999",
        "organisation": personas.coordinating_office.pk,
    }
    response = client.post("/staff/cases/new/", data)
    page = response.content.decode()
    assert response.status_code == 400 and "No tip you may see" in page
    assert 'value="T-2026-999999"' in page and 'value="Kiara Samplesby"' in page
    assert not Case.objects.exists()
    tip = make_tip()
    response = client.post(
        "/staff/cases/new/", {**data, "tip_reference": tip.reference, "intake_source": "direct"}
    )
    assert response.status_code == 400 and "goes with the source" in response.content.decode()
    assert not Case.objects.exists()


def test_a_tip_reference_must_be_known_and_not_linked_yet(personas, login):
    tip = make_tip()
    data = {**INTAKE, "tip_reference": "T-NOPE-0000", "organisation": personas.provider.pk}
    response = signed_in(login, personas.advocate).post("/staff/cases/new/", data)
    assert response.status_code == 400 and "No tip you may see" in response.content.decode()
    coordinator = signed_in(login, personas.coordinator)
    data = {**data, "tip_reference": tip.reference, "organisation": personas.coordinating_office.pk}
    assert coordinator.post("/staff/cases/new/", data).status_code == 302
    tip.refresh_from_db()
    assert tip.case_reference == Case.objects.get().reference
    # a tip already linked cannot start a second case
    again = {**data, "legal_name": "Another Youthname", "date_of_birth": "2009-01-01"}
    response = coordinator.post("/staff/cases/new/", again)
    assert response.status_code == 400 and "already linked" in response.content.decode()


# --- case list filters and menu ---------------------------------------------------------------


def test_case_list_filters(personas, login, clock):
    mine = open_case(personas)
    other = open_case(
        personas,
        by=personas.advocate_other,
        organisation=personas.clinic,
        legal_name="Destiny Otherperson",
        date_of_birth=date(2009, 9, 9),
    )
    services.care_team_remove(member=other.team.get(), by=personas.coordinator)
    services.alerts_refresh()  # other: no lead
    client = signed_in(login, personas.coordinator)

    def listed(query):
        page = client.get("/staff/cases/" + query).content.decode()
        table = page.split('<table class="usa-table usa-table--striped', 1)[1]  # not the alerts
        return {c.reference for c in (mine, other) if c.reference in table}

    assert listed("") == {mine.reference, other.reference}
    assert listed("?without_lead=1") == {other.reference}
    assert listed("?with_alerts=1") == {other.reference}
    assert listed("?mine=1") == set()
    advocate = signed_in(login, personas.advocate).get("/staff/cases/?mine=1").content.decode()
    assert mine.reference in advocate and other.reference not in advocate
    assert 'name="with_alerts" value="1"' in advocate


def test_staff_menu_links(personas, login):
    page = signed_in(login, personas.coordinator).get("/staff/cases/").content.decode()
    assert 'href="/staff/cases/dashboard/"' in page and "Case dashboard" in page
    page = signed_in(login, personas.advocate).get("/staff/cases/").content.decode()
    assert "Case dashboard" not in page


def test_env_float(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("HW_TEST_FLOAT", "0.35")
    assert env_float("HW_TEST_FLOAT", 0.2) == 0.35
    monkeypatch.setenv("HW_TEST_FLOAT", "")
    assert env_float("HW_TEST_FLOAT", 0.2) == 0.2
    monkeypatch.setenv("HW_TEST_FLOAT", "lots")
    with pytest.raises(ImproperlyConfigured):
        env_float("HW_TEST_FLOAT", 0.2)


def test_delete_case_on_a_meeting_agenda_is_refused_and_nothing_is_lost(personas):
    from heatwatch.meetings import services as meeting_services

    case = open_case(personas)
    meeting = meeting_services.meeting_create(
        by=personas.coordinator,
        name="Weekly case review",
        location="Room 2",
        scheduled_start=timezone.now() + timedelta(days=2),
    )
    meeting_services.agenda_add(meeting=meeting, by=personas.coordinator, case=case, version=None)
    grant_delete(personas.coordinator)
    with pytest.raises(services.DeletionRefused, match="Other records"):
        services.record_delete(obj=case, by=personas.coordinator, reason=DELETE_REASON)
    assert Case.objects.filter(pk=case.pk).exists()
    assert Youth.objects.filter(pk=case.youth_id).exists()
    assert not AuditEntry.objects.filter(action=Action.DELETE).exists()
