"""The case API (/api/cases): the same need-to-know rules as the staff pages, JSON errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.cases import services
from heatwatch.cases.models import ReferralStatus
from heatwatch.cases.tests.conftest import make_service


def api(login, user) -> Client:
    return login(Client(), user)


def test_team_member_reads_the_case_in_full_and_the_read_is_audited(personas, login, case):
    client = api(login, personas.advocate)
    listed = client.get("/api/cases").json()
    assert [row["reference"] for row in listed["items"]] == [case.reference]
    assert "Marisol" not in str(listed)  # lists carry no youth field

    response = client.get(f"/api/cases/{case.reference}")
    assert response.status_code == 200
    body = response.json()
    assert body["youth"]["legal_name"] == "Marisol Testwell"
    assert body["youth"]["aliases"] == ["Candy"]
    assert [m["username"] for m in body["team"]] == ["advocate"]
    assert len(body["stabilisation"]) == 5
    assert AuditEntry.objects.filter(
        action=Action.READ, object_id=str(case.pk), actor_id=personas.advocate.pk
    ).exists()


@pytest.mark.parametrize("name", ["advocate_other", "officer", "prosecutor"])
def test_staff_outside_the_care_team_get_404_and_are_audited(personas, login, case, name):
    user = getattr(personas, name)
    client = api(login, user)
    response = client.get(f"/api/cases/{case.reference}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert client.get("/api/cases").json()["items"] == []
    assert AuditEntry.objects.filter(
        action=Action.ACCESS_DENIED, actor_id=user.pk, outcome=Outcome.DENIED
    ).exists()


def test_unknown_reference_answers_like_a_hidden_case(personas, login, case):
    response = api(login, personas.coordinator).get("/api/cases/C-1999-000000")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("name", ["analyst", "youth_lead", "administrator", "no_role"])
def test_roles_without_case_access_get_403_and_never_a_name(personas, login, case, name):
    client = api(login, getattr(personas, name))
    for path in ("/api/cases", f"/api/cases/{case.reference}", "/api/cases/alerts"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Marisol" not in response.content.decode()
        assert "detail" in response.json()


def test_password_only_session_gets_401(personas, case):
    client = Client()
    client.force_login(personas.coordinator)  # no second factor
    response = client.get(f"/api/cases/{case.reference}")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_bad_filter_is_a_422_with_the_field(personas, login, case):
    response = api(login, personas.coordinator).get("/api/cases?status=sleeping")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "status"


def test_closed_cases_on_request(personas, login, case):
    services.case_close(
        case=case,
        by=personas.advocate,
        reason="goals_met",
        aftercare_check_in_on=timezone.localdate() + timedelta(days=30),
        version=case.version,
    )
    client = api(login, personas.advocate)
    assert client.get("/api/cases").json()["items"] == []
    closed = client.get("/api/cases?status=closed").json()["items"]
    assert [row["status"] for row in closed] == ["closed"]


def test_alerts_of_my_cases(personas, login, clock, case):
    clock.shift(timedelta(days=15))
    services.alerts_refresh()
    alerts = api(login, personas.advocate).get("/api/cases/alerts").json()["items"]
    assert {a["kind"] for a in alerts} >= {"no_contact", "stabilisation_overdue"}
    assert {a["case_reference"] for a in alerts} == {case.reference}
    assert api(login, personas.advocate_other).get("/api/cases/alerts").json()["items"] == []


@pytest.fixture
def referral(personas, case):
    services.consent_grant(
        case=case,
        by=personas.advocate,
        organisation=personas.clinic,
        scope=["name", "languages"],
        valid_from=timezone.localdate(),
        valid_until=None,
        given_by="youth",
    )
    return services.referral_send(
        case=case,
        by=personas.advocate,
        service=make_service(personas.clinic, name="Youth clinic"),
        shared_fields=["languages"],
        note="Prefers afternoon appointments.",
    )


def test_receiving_agency_sees_only_the_shared_fields(personas, login, referral):
    client = api(login, personas.advocate_other)  # works at the clinic
    inbox = client.get("/api/cases/referrals").json()["items"]
    assert [r["id"] for r in inbox] == [referral.pk]
    body = client.get(f"/api/cases/referrals/{referral.pk}").json()
    assert body["shared"] == [{"label": "Languages", "value": "en es"}]
    assert body["note"] == "Prefers afternoon appointments."
    assert "Marisol" not in str(body)
    # …and still not the case itself
    assert client.get(f"/api/cases/{referral.case.reference}").status_code == 404


def test_agency_answers_through_the_api_with_its_version(personas, login, referral):
    client = api(login, personas.advocate_other)
    url = f"/api/cases/referrals/{referral.pk}/answer"
    declined = client.post(
        url, {"to": "declined", "version": referral.version}, content_type="application/json"
    )
    assert declined.status_code == 422
    assert "reason" in declined.json()["detail"]

    accepted = client.post(
        url, {"to": "accepted", "version": referral.version}, content_type="application/json"
    )
    assert accepted.status_code == 200
    assert accepted.json()["status"] == ReferralStatus.ACCEPTED

    stale = client.post(
        url,
        {"to": "first_contact", "version": referral.version},  # the version read before
        content_type="application/json",
    )
    assert stale.status_code == 409
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


def test_other_agencies_cannot_answer(personas, login, referral):
    response = api(login, personas.advocate).post(  # the sender, not the clinic
        f"/api/cases/referrals/{referral.pk}/answer",
        {"to": "accepted", "version": referral.version},
        content_type="application/json",
    )
    assert response.status_code == 404
