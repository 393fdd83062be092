"""The case pages: intake with identity candidates, the case page's forms, inbox, list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from heatwatch.cases import services
from heatwatch.cases.models import Case, Contact, Referral, ReferralStatus
from heatwatch.cases.tests.conftest import make_service, open_case

pytestmark = pytest.mark.django_db

INTAKE = {
    "legal_name": "Kiara Samplesby",
    "aliases": "Star",
    "date_of_birth": "2011-02-03",
    "gender": "female",
    "languages": "en",
    "city": "Eastgate",
    "guardian_contact": "",
    "safety_notes": "",
    "intake_source": "recovery",
    "tip_reference": "",
}


@pytest.fixture
def advocate(personas, login) -> Client:
    return login(Client(), personas.advocate)


def test_intake_creates_case_when_nobody_matches(personas, advocate):
    response = advocate.post("/staff/cases/new/", {**INTAKE, "organisation": personas.provider.pk})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{case.pk}/"
    assert case.youth.legal_name == "Kiara Samplesby"


def test_intake_shows_candidates_and_links_the_chosen_person(personas, advocate):
    first = open_case(personas, legal_name="Kiara Samplesby", date_of_birth=date(2011, 2, 3))
    services.case_close(
        case=first,
        by=personas.advocate,
        reason="moved",
        aftercare_check_in_on=None,
        version=first.version,
    )
    data = {**INTAKE, "organisation": personas.provider.pk}
    response = advocate.post("/staff/cases/new/", data)
    page = response.content.decode()
    assert response.status_code == 200 and "may already be known" in page
    assert f'value="{first.youth.person_id}"' in page
    assert "Kiara Samplesby" in page  # the typed data is kept (hidden fields)
    # a person that matching did not offer cannot be picked
    other = open_case(personas, legal_name="Destiny Otherperson", date_of_birth=date(2009, 9, 9))
    response = advocate.post(
        "/staff/cases/new/", {**data, "person_choice": str(other.youth.person_id)}
    )
    assert response.status_code == 400
    response = advocate.post(
        "/staff/cases/new/", {**data, "person_choice": str(first.youth.person_id)}
    )
    assert response.status_code == 302
    newest = Case.objects.exclude(pk__in=[first.pk, other.pk]).get()
    assert newest.youth.person_id == first.youth.person_id


def test_intake_form_keeps_typed_data_and_shows_errors(personas, advocate):
    response = advocate.post(
        "/staff/cases/new/",
        {**INTAKE, "legal_name": "", "organisation": personas.provider.pk, "estimated_age": "14"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "usa-error-message" in page and 'value="Eastgate"' in page
    assert not Case.objects.exists()


def test_case_page_forms(personas, advocate, case):
    url = f"/staff/cases/{case.pk}/"
    page = advocate.get(url).content.decode()
    assert "Stabilisation" in page and "Marisol Testwell" in page
    assert "<script>" not in page and "style=" not in page  # strict CSP: nothing inline
    at = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert (
        advocate.post(f"{url}contacts/", {"kind": "phone", "at": at, "note": "ok"}).status_code
        == 302
    )
    assert Contact.objects.get(case=case).note == "ok"
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = advocate.post(f"{url}contacts/", {"kind": "phone", "at": future, "note": "typed"})
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    assert "typed" in response.content.decode()


def test_stale_close_shows_a_clear_error(personas, advocate, case):
    old = case.version
    services.case_set_participation(
        case=case, by=personas.coordinator, participation="declined", version=old
    )
    response = advocate.post(
        f"/staff/cases/{case.pk}/close/", {"reason": "goals_met", "version": old}
    )
    assert response.status_code == 409
    assert "Someone else changed this case" in response.content.decode()


def test_referral_to_waitlisted_service_via_the_page(personas, advocate, case):
    service = make_service(
        personas.clinic, capacity={"capacity": 2, "available_slots": 0, "waitlist_open": True}
    )
    url = f"/staff/cases/{case.pk}/referrals/"
    response = advocate.post(url, {"service": service.pk})
    assert response.status_code == 400 and "waitlist" in response.content.decode()
    response = advocate.post(url, {"service": service.pk, "join_waitlist": "on"})
    assert response.status_code == 302
    assert Referral.objects.get().status == ReferralStatus.WAITLISTED


def test_agency_answers_from_its_inbox(personas, login, case):
    referral = services.referral_send(
        case=case, by=personas.advocate, service=make_service(personas.clinic)
    )
    agency = login(Client(), personas.advocate_other)
    url = f"/staff/cases/referrals/{referral.pk}/"
    assert agency.post(f"{url}decline/", {"note": ""}).status_code == 400
    assert agency.post(f"{url}accept/", {"note": ""}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    # the sender's team cannot answer for the agency
    sender = login(Client(), personas.advocate)
    assert sender.post(f"{url}first-contact/", {}).status_code == 404


def test_case_list_queries_do_not_grow_with_cases(
    personas, advocate, django_assert_max_num_queries
):
    for n in range(6):
        open_case(personas, legal_name=f"Youth Number{n}", date_of_birth=None)
    with django_assert_max_num_queries(14):
        response = advocate.get("/staff/cases/")
    assert response.status_code == 200
    assert "Number" not in response.content.decode()  # no names in lists


def test_inbox_queries_do_not_grow(personas, login, django_assert_max_num_queries):
    service = make_service(personas.clinic)
    for n in range(5):
        case = open_case(personas, legal_name=f"Youth Inbox{n}", date_of_birth=None)
        services.referral_send(case=case, by=personas.advocate, service=service)
    agency = login(Client(), personas.advocate_other)
    with django_assert_max_num_queries(12):
        response = agency.get("/staff/cases/referrals/")
    assert response.content.decode().count("/staff/cases/referrals/") >= 5


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_dashboard_and_case_page_queries_are_constant(personas, login, clock):
    coordinator = login(Client(), personas.coordinator)
    case = open_case(personas)
    services.alerts_refresh()
    before = {
        url: _queries(coordinator, url)
        for url in ("/staff/cases/", "/staff/cases/dashboard/", f"/staff/cases/{case.pk}/")
    }
    service = make_service(personas.clinic)
    for n in range(4):
        other = open_case(personas, legal_name=f"Youth Extra{n}", date_of_birth=None)
        services.referral_send(case=other, by=personas.advocate, service=service)
        services.contact_add(case=case, by=personas.advocate, kind="text", at=timezone.now())
        services.care_team_add(
            case=other,
            by=personas.advocate,
            user=personas.coordinator,
            organisation=personas.coordinating_office,
            team_role="coordinator",
        )
    services.referral_send(case=case, by=personas.advocate, service=service)
    clock.shift(timedelta(days=4))
    services.alerts_refresh()
    coordinator = login(Client(), personas.coordinator)
    for url, count in before.items():
        assert _queries(coordinator, url) <= count + 1, url  # +1: the first referral/contact


def test_coordinator_reviews_break_glass(personas, login, case):
    officer = login(Client(), personas.officer)
    officer.post(
        "/staff/cases/break-glass/",
        {"reference": case.reference, "reason": "Emergency placement call from the shelter."},
    )
    grant = case.break_glass.get()
    url = f"/staff/cases/dashboard/break-glass/{grant.pk}/reviewed/"
    assert officer.post(url).status_code == 403
    assert login(Client(), personas.coordinator).post(url).status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == personas.coordinator


def test_team_and_consent_forms(personas, advocate, case):
    url = f"/staff/cases/{case.pk}/"
    response = advocate.post(
        f"{url}team/",
        {
            "user": personas.advocate_other.pk,
            "organisation": personas.clinic.pk,
            "team_role": "health",
            "is_lead": "on",
        },
    )
    assert response.status_code == 302
    lead = case.team.get(is_lead=True, removed_at__isnull=True)
    assert lead.user == personas.advocate_other
    today = timezone.localdate()
    response = advocate.post(
        f"{url}consents/",
        {
            "organisation": personas.clinic.pk,
            "scope": ["name"],
            "given_by": "youth",
            "valid_from": today.isoformat(),
            "valid_until": (today - timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "cannot end before it starts" in response.content.decode()
    # outside consent, the referral page refuses to share
    service = make_service(personas.clinic)
    response = advocate.post(
        f"{url}referrals/", {"service": service.pk, "shared_fields": ["safety"]}
    )
    assert response.status_code == 400 and "No consent" in response.content.decode()
    assert not Referral.objects.exists()
    # removing a member
    member = case.team.get(user=personas.advocate_other)
    assert advocate.post(f"{url}team/{member.pk}/remove/").status_code == 302
    member.refresh_from_db()
    assert member.removed_at is not None


def test_close_and_reopen_from_the_case_page(personas, advocate, case):
    url = f"/staff/cases/{case.pk}/"
    check_in = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = advocate.post(
        f"{url}close/",
        {"reason": "goals_met", "aftercare_check_in_on": check_in, "version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    page = advocate.get(url).content.decode()
    assert "Reopen the case" in page and 'name="reason"' not in page
    assert advocate.post(f"{url}reopen/", {"version": case.version}).status_code == 302
    case.refresh_from_db()
    assert case.status == "open" and case.events.filter(kind="closed").exists()


def test_checklist_item_is_given_to_a_team_member(personas, login, case):
    from heatwatch.cases.models import CaseEvent

    services.care_team_add(
        case=case,
        by=personas.advocate,
        user=personas.advocate_other,
        organisation=personas.clinic,
        team_role="health",
    )
    item = case.stabilisation.get(kind="medical")
    client = login(Client(), personas.advocate)
    url = f"/staff/cases/{case.pk}/stabilisation/{item.pk}/owner/"
    assert f'id="owner-{item.pk}"' in client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert client.post(url, {"owner": personas.advocate_other.pk}).status_code == 302
    item.refresh_from_db()
    assert item.owner == personas.advocate_other
    assert CaseEvent.objects.filter(case=case, summary__contains="now owned by advocate_other")
    # only to someone on the team
    refused = client.post(url, {"owner": personas.officer.pk})
    assert refused.status_code == 400
    assert "Give the item to someone on the care team." in refused.content.decode()
    item.refresh_from_db()
    assert item.owner == personas.advocate_other
    # outsiders cannot
    assert login(Client(), personas.prosecutor).post(url, {"owner": 1}).status_code == 404
