"""Need to know: the care team and coordinators see a case; nobody else (DESIGN.md §5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.cases import services
from heatwatch.cases.models import BreakGlass
from heatwatch.cases.tests.conftest import open_case

REASON = "Youth recovered tonight at the motel; need the safety plan now."


def signed_in(login, user) -> Client:
    return login(Client(), user)


def test_care_team_member_opens_case_and_read_is_audited(personas, login, case):
    response = signed_in(login, personas.advocate).get(f"/staff/cases/{case.pk}/")
    assert response.status_code == 200
    assert "Marisol Testwell" in response.content.decode()
    assert AuditEntry.objects.filter(
        action=Action.READ,
        object_type="cases.case",
        object_id=str(case.pk),
        actor_id=personas.advocate.pk,
    ).exists()


def test_coordinator_sees_every_case(personas, login, case):
    response = signed_in(login, personas.coordinator).get(f"/staff/cases/{case.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["advocate_other", "officer", "prosecutor"])
def test_advocate_of_another_team_cannot_see_case(personas, login, case, name):
    user = getattr(personas, name)
    client = signed_in(login, user)
    assert client.get(f"/staff/cases/{case.pk}/").status_code == 404
    assert case.reference not in client.get("/staff/cases/").content.decode()
    assert AuditEntry.objects.filter(
        action=Action.ACCESS_DENIED,
        object_id=str(case.pk),
        actor_id=user.pk,
        outcome=Outcome.DENIED,
    ).exists()
    # …nor act on it
    response = client.post(
        f"/staff/cases/{case.pk}/contacts/", {"kind": "phone", "at": "2026-01-01T10:00"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["analyst", "youth_lead", "administrator", "no_role"])
def test_analyst_never_sees_a_name(personas, login, case, name):
    client = signed_in(login, getattr(personas, name))
    for url in ("/staff/cases/", f"/staff/cases/{case.pk}/", "/staff/cases/referrals/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Marisol" not in response.content.decode()


def test_removed_member_loses_access(personas, login, case):
    member = services.care_team_add(
        case=case,
        by=personas.advocate,
        user=personas.advocate_other,
        organisation=personas.clinic,
        team_role="health",
    )
    client = signed_in(login, personas.advocate_other)
    assert client.get(f"/staff/cases/{case.pk}/").status_code == 200
    services.care_team_remove(member=member, by=personas.advocate)
    assert client.get(f"/staff/cases/{case.pk}/").status_code == 404


def test_break_glass_read_is_audited_time_limited_and_listed(personas, login, case, clock):
    client = signed_in(login, personas.officer)
    response = client.post(
        "/staff/cases/break-glass/", {"reference": case.reference, "reason": "short"}
    )
    assert response.status_code == 400  # a reason is needed
    response = client.post(
        "/staff/cases/break-glass/", {"reference": case.reference, "reason": REASON}
    )
    assert response.status_code == 302
    assert client.get(f"/staff/cases/{case.pk}/").status_code == 200
    assert AuditEntry.objects.filter(
        action=Action.BREAK_GLASS, object_id=str(case.pk), actor_id=personas.officer.pk
    ).exists()
    # the reason (free text) is kept encrypted on the grant, never in the audit log
    assert not AuditEntry.objects.filter(reason__contains="motel").exists()
    # a break-glass reader reads; they do not work the case
    response = client.post(
        f"/staff/cases/{case.pk}/contacts/", {"kind": "phone", "at": "2026-11-23T10:00"}
    )
    assert response.status_code == 403
    # coordinators see it on the dashboard
    dashboard = signed_in(login, personas.coordinator).get("/staff/cases/dashboard/")
    assert REASON in dashboard.content.decode()
    # and it expires
    clock.shift(timedelta(minutes=services.break_glass_minutes() + 1))
    client = signed_in(login, personas.officer)  # the idle session timed out meanwhile
    assert client.get(f"/staff/cases/{case.pk}/").status_code == 404


def test_break_glass_unknown_reference_is_audited(personas, login):
    client = signed_in(login, personas.prosecutor)
    response = client.post(
        "/staff/cases/break-glass/", {"reference": "C-2026-999999", "reason": REASON}
    )
    assert response.status_code == 400
    assert AuditEntry.objects.filter(action=Action.BREAK_GLASS, outcome=Outcome.FAILURE).exists()
    assert not BreakGlass.objects.exists()


def test_coordinator_and_analyst_cannot_break_glass(personas, login, case):
    for user in (personas.coordinator, personas.analyst):
        response = signed_in(login, user).post(
            "/staff/cases/break-glass/", {"reference": case.reference, "reason": REASON}
        )
        assert response.status_code == 403
    assert not BreakGlass.objects.exists()


def test_agency_sees_only_shared_fields(personas, login):
    from heatwatch.cases.tests.conftest import make_service

    case = open_case(personas)
    service = make_service(personas.clinic, name="Youth health")
    services.consent_grant(
        case=case,
        by=personas.advocate,
        organisation=personas.clinic,
        scope=["name", "languages"],
        valid_from=timezone.localdate(case.opened_at),
        valid_until=None,
        given_by="youth",
    )
    referral = services.referral_send(
        case=case, by=personas.advocate, service=service, shared_fields=["languages"]
    )
    client = signed_in(login, personas.advocate_other)
    inbox = client.get("/staff/cases/referrals/")
    assert case.reference in inbox.content.decode()
    page = client.get(f"/staff/cases/referrals/{referral.pk}/").content.decode()
    assert "en es" in page
    assert "Marisol" not in page and "Harbor Street" not in page
    # the agency does not get the case itself
    assert client.get(f"/staff/cases/{case.pk}/").status_code == 404
    # another agency cannot open the referral
    other = signed_in(login, personas.officer)
    assert other.get(f"/staff/cases/referrals/{referral.pk}/").status_code == 404
