"""Who may do what: prosecutors, victim-witness advocates, the linked youth, analysts, and a
youth who declined to take part in the prosecution keeps every service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from heatwatch.accounts import services as account_services
from heatwatch.accounts.models import OrganisationType, Role
from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.cases import services as case_services
from heatwatch.cases.models import ReferralStatus, StabilisationItem
from heatwatch.cases.tests.conftest import make_service
from heatwatch.conftest import make_user
from heatwatch.prosecution import services
from heatwatch.prosecution.tests.conftest import open_prosecution, signed_in


def test_prosecutor_sees_their_office_prosecutions(personas, login, prosecution):
    client = signed_in(login, personas.prosecutor)
    assert prosecution.reference in client.get("/staff/prosecution/").content.decode()
    page = client.get(f"/staff/prosecution/{prosecution.pk}/")
    assert page.status_code == 200 and "Derek Synthman" in page.content.decode()
    assert AuditEntry.objects.filter(
        action=Action.READ, object_type="prosecution.prosecution", object_id=str(prosecution.pk)
    ).exists()
    assert "Derek" not in client.get("/staff/prosecution/").content.decode()  # list: no name


def test_prosecutor_of_another_office_gets_404_audited(personas, login, prosecution):
    office = account_services.organisation_create(
        name="Other DA", type=OrganisationType.PROSECUTION, by=None
    )
    other = make_user("other_da")
    account_services.membership_grant(
        user=other, organisation=office, role=Role.PROSECUTOR, by=None
    )
    client = signed_in(login, other)
    assert client.get(f"/staff/prosecution/{prosecution.pk}/").status_code == 404
    assert prosecution.reference not in client.get("/staff/prosecution/").content.decode()
    assert AuditEntry.objects.filter(
        action=Action.ACCESS_DENIED, actor_id=other.pk, outcome=Outcome.DENIED
    ).exists()


def test_victim_witness_advocate_sees_only_assigned_prosecutions_read_only(
    personas, login, prosecution, vwa
):
    unassigned = open_prosecution(personas, name="Other Defendant")
    client = signed_in(login, vwa)
    listed = client.get("/staff/prosecution/").content.decode()
    assert prosecution.reference in listed and unassigned.reference not in listed
    page = client.get(f"/staff/prosecution/{prosecution.pk}/").content.decode()
    assert "Add a charge" not in page
    assert client.get(f"/staff/prosecution/{unassigned.pk}/").status_code == 404
    response = client.post(
        f"/staff/prosecution/{prosecution.pk}/charges/", {"statute": "PC 266h(b)"}
    )
    assert response.status_code == 403
    assert client.get(f"/staff/prosecution/{prosecution.pk}/edit/").status_code == 403


@pytest.mark.parametrize(
    "name", ["analyst", "coordinator", "advocate", "officer", "youth_lead", "administrator"]
)
def test_other_roles_never_see_prosecutions(personas, login, prosecution, name):
    client = signed_in(login, getattr(personas, name))
    assert client.get("/staff/prosecution/").status_code == 403
    assert client.get(f"/staff/prosecution/{prosecution.pk}/").status_code == 403
    assert client.get(f"/api/prosecution/{prosecution.pk}").status_code == 403


def test_analyst_sees_no_docket_and_no_entities(personas, login):
    client = signed_in(login, personas.analyst)
    for path in (
        "/staff/prosecution/docket/",
        "/staff/prosecution/entities/",
        "/api/prosecution/hearings",
    ):
        assert client.get(path).status_code == 403, path


def test_linked_youth_shows_only_to_who_may_see_the_case_too(
    personas, login, prosecution, case, vwa
):
    prosecutor = signed_in(login, personas.prosecutor)
    # The prosecutor is not on the care team: they cannot link the case, nor see it.
    response = prosecutor.post(
        f"/staff/prosecution/{prosecution.pk}/youths/", {"case_reference": case.reference}
    )
    assert response.status_code == 400
    assert "No case with this reference that you may open." in response.content.decode()
    assert prosecutor.get(f"/staff/cases/{case.pk}/").status_code == 404  # case notes: no

    case_services.care_team_add(
        case=case,
        by=personas.advocate,
        user=personas.prosecutor,
        organisation=personas.prosecution,
        team_role="prosecution",
    )
    assert prosecutor.get(f"/staff/cases/{case.pk}/").status_code == 200  # on the team: yes
    response = prosecutor.post(
        f"/staff/prosecution/{prosecution.pk}/youths/", {"case_reference": case.reference}
    )
    assert response.status_code == 302
    assert (
        case.reference in prosecutor.get(f"/staff/prosecution/{prosecution.pk}/").content.decode()
    )
    # The advocate assigned to the prosecution is not on the youth's team: no link shown.
    page = signed_in(login, vwa).get(f"/staff/prosecution/{prosecution.pk}/").content.decode()
    assert case.reference not in page
    body = signed_in(login, vwa).get(f"/api/prosecution/{prosecution.pk}").json()
    assert body["youths"] == []


def test_a_youth_who_declined_the_prosecution_keeps_every_service(personas, login, case):
    """Participation is information only: with the youth declining and the case linked to a
    prosecution and on the docket, the care team still does everything it does for anyone."""
    by = personas.advocate
    case = case_services.case_set_participation(
        case=case, by=by, participation="declined", version=case.version
    )
    case_services.care_team_add(
        case=case,
        by=by,
        user=personas.prosecutor,
        organisation=personas.prosecution,
        team_role="prosecution",
    )
    prosecution = open_prosecution(personas)
    services.youth_link(prosecution=prosecution, case=case, by=personas.prosecutor)
    services.hearing_record(
        case=case,
        by=personas.prosecutor,
        on=timezone.localdate() + timedelta(days=3),
        department="Dept. 2",
        purpose="review",
    )
    today = timezone.localdate()

    case_services.care_team_add(
        case=case,
        by=by,
        user=personas.advocate_other,
        organisation=personas.clinic,
        team_role="health",
    )
    for item in StabilisationItem.objects.filter(case=case):
        case_services.stabilisation_item_done(item=item, by=by, done_at=timezone.now())
    case_services.consent_grant(
        case=case,
        by=by,
        organisation=personas.clinic,
        scope=["name"],
        valid_from=today,
        valid_until=None,
        given_by="youth",
    )
    service = make_service(personas.clinic, name="Counselling")
    referral = case_services.referral_send(
        case=case, by=by, service=service, shared_fields=["name"], note="", join_waitlist=False
    )
    for to in (ReferralStatus.ACCEPTED, ReferralStatus.FIRST_CONTACT, ReferralStatus.COMPLETED):
        referral.refresh_from_db()
        referral = case_services.referral_answer(
            referral=referral, by=personas.advocate_other, to=to, note="", version=referral.version
        )
    case_services.contact_add(case=case, by=by, kind="in_person", at=timezone.now(), note="ok")
    goal = case_services.plan_goal_add(case=case, by=by, domain="safety", description="Safe home")
    case_services.plan_step_add(goal=goal, by=by, description="Visit", owner=by, due_on=today)
    case_services.placement_start(
        case=case,
        by=by,
        kind="foster",
        started_on=today,
        specialised=True,
        provider_name="Synthetic foster family",
        service=None,
        ended_on=None,
    )
    case.refresh_from_db()
    case = case_services.case_close(
        case=case,
        by=by,
        reason="goals_met",
        aftercare_check_in_on=today + timedelta(days=30),
        version=case.version,
    )
    case = case_services.case_reopen(case=case, by=by, version=case.version)
    assert case.is_open and case.participation == "declined"

    page = signed_in(login, by).get(f"/staff/cases/{case.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    for action in (
        "Add to the team",
        "Record consent",
        "Send the referral",
        "Log the contact",
        "Close the case",
    ):
        assert action in body, action
