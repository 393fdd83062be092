"""The officer's referral inbox: acknowledge, outcomes, "youth recovered" → the coordinators'
case intake (tip linked, agency as referrer), and the escalation of unacknowledged urgent
referrals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.test.utils import override_settings

from heatwatch.audit.models import AuditEntry
from heatwatch.tips import services
from heatwatch.tips.models import ReferralOutcome, Status, Tip, Urgency

from .test_staff import make_tip

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(personas, login):
    return login(Client(), personas.coordinator)


@pytest.fixture
def officer(personas, login):
    return login(Client(), personas.officer)


def referred(personas, **overrides):
    tip = make_tip(**overrides)
    referral = services.tip_refer(tip=tip, by=personas.coordinator, organisation=personas.police)
    return tip, referral


def test_officer_acknowledges_from_the_inbox(personas, officer):
    tip, referral = referred(personas)
    inbox = officer.get("/staff/tips/").content.decode()
    assert f"Acknowledge {tip.reference}" in inbox
    response = officer.post(
        f"/staff/tips/{tip.pk}/referrals/{referral.pk}/acknowledge/", {"next": "inbox"}
    )
    assert response.status_code == 302 and response["Location"] == "/staff/tips/"
    referral.refresh_from_db()
    assert referral.acknowledged_by == personas.officer
    assert referral.outcome == ReferralOutcome.ACKNOWLEDGED
    first = referral.acknowledged_at
    officer.post(f"/staff/tips/{tip.pk}/referrals/{referral.pk}/acknowledge/")
    referral.refresh_from_db()
    assert referral.acknowledged_at == first  # once


def test_officer_cannot_acknowledge_another_agencys_referral(personas, login):
    from heatwatch.accounts import services as accounts
    from heatwatch.accounts.models import OrganisationType

    sheriff = accounts.organisation_create(
        name="Test Sheriff", type=OrganisationType.LAW_ENFORCEMENT, by=None
    )
    tip = make_tip()
    referral = services.tip_refer(tip=tip, by=personas.coordinator, organisation=sheriff)
    client = login(Client(), personas.officer)
    response = client.post(f"/staff/tips/{tip.pk}/referrals/{referral.pk}/acknowledge/")
    assert response.status_code == 404
    assert tip.reference not in client.get("/staff/tips/").content.decode()
    referral.refresh_from_db()
    assert referral.acknowledged_at is None


@pytest.mark.parametrize(
    "outcome", ["investigating", "youth_recovered", "referred_elsewhere", "no_action"]
)
def test_each_outcome_of_the_issue_is_recorded(personas, officer, outcome):
    tip, referral = referred(personas)
    response = officer.post(
        f"/staff/tips/{tip.pk}/referrals/{referral.pk}/outcome/", {"outcome": outcome}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.outcome == outcome and referral.acknowledged_at is not None


def test_unknown_outcome_is_refused(personas, officer):
    tip, referral = referred(personas)
    response = officer.post(
        f"/staff/tips/{tip.pk}/referrals/{referral.pk}/outcome/", {"outcome": "pending"}
    )
    assert response.status_code == 400
    with pytest.raises(services.TipError):
        services.referral_record_outcome(referral=referral, by=personas.officer, outcome="bogus")


INTAKE = {
    "legal_name": "Dana Recovered-Test",
    "aliases": "",
    "date_of_birth": "2010-02-03",
    "gender": "female",
    "languages": "en",
    "city": "Bayview",
    "organisation": "",
    "person_choice": "",
}


def test_youth_recovered_opens_a_case_intake_for_the_coordinator(
    personas, officer, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    tip, referral = referred(personas)
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(
            f"/staff/tips/{tip.pk}/referrals/{referral.pk}/outcome/",
            {"outcome": "youth_recovered", "note": "Safe at the station."},
        )
    mail = [m for m in mailoutbox if "Youth recovered" in m.subject]
    assert [m.to for m in mail] == [[personas.coordinator.email]]
    intake_url = f"/staff/tips/{tip.pk}/referrals/{referral.pk}/intake/"
    assert intake_url in mail[0].body and "Safe at the station" not in mail[0].body
    # officers never open the intake (they see no identity candidates)
    assert officer.get(intake_url).status_code == 403
    # the coordinator sees it waiting on the tip queue and the case list
    assert intake_url in coordinator.get("/staff/tips/").content.decode()
    assert intake_url in coordinator.get("/staff/cases/").content.decode()
    page = coordinator.get(intake_url)
    assert page.status_code == 200 and tip.reference in page.content.decode()
    data = {**INTAKE, "organisation": personas.coordinating_office.pk, "person_choice": "new"}
    # a typed tip reference or source is ignored: they come from the referral
    data |= {"tip_reference": "T-0000-000000", "intake_source": "direct"}
    response = coordinator.post(intake_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    tip.refresh_from_db()
    assert tip.status == Status.LINKED and tip.case_reference
    case_page = coordinator.get(response["Location"]).content.decode()
    assert tip.case_reference in case_page
    assert "Referred by Test Police Department" in case_page
    assert "Law-enforcement recovery" in case_page
    # done: no longer waiting, and the intake page sends back to the tip
    assert intake_url not in coordinator.get("/staff/tips/").content.decode()
    assert coordinator.get(intake_url).status_code == 302


def test_recovery_intake_runs_identity_matching(personas, coordinator):
    tip, referral = referred(personas)
    services.referral_record_outcome(
        referral=referral, by=personas.officer, outcome="youth_recovered"
    )
    intake_url = f"/staff/tips/{tip.pk}/referrals/{referral.pk}/intake/"
    first = {**INTAKE, "organisation": personas.coordinating_office.pk, "person_choice": "new"}
    other_tip, other = referred(personas, narrative="A second tip about the same youth.")
    services.referral_record_outcome(referral=other, by=personas.officer, outcome="youth_recovered")
    assert coordinator.post(intake_url, first).status_code == 302
    second = coordinator.post(
        f"/staff/tips/{other_tip.pk}/referrals/{other.pk}/intake/",
        {**first, "person_choice": ""},
    )
    assert second.status_code == 200
    assert "This youth may already be known" in second.content.decode()
    assert AuditEntry.objects.filter(object_type="identity.person", action="read").exists()


def test_intake_only_for_a_recovered_referral(personas, coordinator):
    tip, referral = referred(personas)
    url = f"/staff/tips/{tip.pk}/referrals/{referral.pk}/intake/"
    assert coordinator.get(url).status_code == 404


@override_settings(HEATWATCH_TIP_REFERRAL_ACK_MINUTES=30)
def test_unacknowledged_urgent_referral_escalates_once(
    personas, clock, mailoutbox, django_capture_on_commit_callbacks
):
    # urgency set directly: the triage form is tested elsewhere
    urgent, urgent_referral = referred(personas)
    Tip.objects.filter(pk=urgent.pk).update(urgency=Urgency.IMMEDIATE)
    routine, _ = referred(personas, narrative="A routine tip.")
    Tip.objects.filter(pk=routine.pk).update(urgency=Urgency.ROUTINE)
    seen, seen_referral = referred(personas, narrative="Urgent and acknowledged.")
    Tip.objects.filter(pk=seen.pk).update(urgency=Urgency.HIGH)
    services.referral_acknowledge(referral=seen_referral, by=personas.officer)

    clock.shift(timedelta(minutes=29))
    assert services.escalate_unacknowledged_referrals() == []
    clock.shift(timedelta(minutes=2))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        escalated = services.escalate_unacknowledged_referrals()
    assert [r.pk for r in escalated] == [urgent_referral.pk]
    assert any(
        "not acknowledged" in m.subject and personas.coordinator.email in m.to for m in mailoutbox
    )
    assert services.escalate_unacknowledged_referrals() == []  # once


def test_the_escalation_job_is_registered():
    from heatwatch.core import scheduling

    assert "tips.escalate_unacknowledged_referrals" in [j.name for j in scheduling.jobs()]
