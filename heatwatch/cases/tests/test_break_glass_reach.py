"""Break-glass is reachable where it is needed and tells the coordinators at once (issue 19)."""

from __future__ import annotations

import pytest

from heatwatch.accounts import services as account_services
from heatwatch.cases import services
from heatwatch.cases.tests.conftest import YOUTH_DETAILS, signed_in

pytestmark = pytest.mark.django_db

REASON = "Youth recovered tonight at the motel; need the safety plan now."


def test_an_outsiders_404_offers_emergency_access_to_those_allowed(personas, login, case):
    officer = signed_in(login, personas.officer)
    response = officer.get(f"/staff/cases/{case.pk}/")
    assert response.status_code == 404
    assert b"Emergency access (break-glass)" in response.content
    # the same page for a case that does not exist: nothing learnt
    missing = officer.get(f"/staff/cases/{case.pk + 1000}/")
    assert missing.status_code == 404
    for page in (response, missing):
        assert b"Emergency access (break-glass)" in page.content
        assert case.reference.encode() not in page.content


def test_no_offer_for_roles_that_may_not_break_glass(personas, login, case):
    response = signed_in(login, personas.analyst).get(f"/staff/cases/{case.pk}/")
    assert response.status_code in (403, 404)
    assert b"Emergency access" not in response.content


def test_the_break_glass_form_takes_the_reference_given(personas, login, case):
    response = signed_in(login, personas.officer).get(
        "/staff/cases/break-glass/", {"reference": case.reference}
    )
    assert response.status_code == 200
    assert f'value="{case.reference}"'.encode() in response.content


def test_each_use_e_mails_the_coordinators_at_once(
    personas, login, case, mailoutbox, django_capture_on_commit_callbacks
):
    second = account_services.user_create(
        username="coordinator2", email="c2@example.test", password=None, by=None
    )
    account_services.membership_grant(
        user=second, organisation=personas.coordinating_office, role="coordinator", by=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(login, personas.officer).post(
            "/staff/cases/break-glass/", {"reference": case.reference, "reason": REASON}
        )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mailoutbox) == ["c2@example.test", "coordinator@example.test"]
    for message in mailoutbox:
        assert case.reference in message.subject and "officer" in message.body
        assert "motel" not in message.body  # never the reason
        for detail in YOUTH_DETAILS:
            assert detail not in message.body


def test_the_notice_follows_each_coordinators_language(personas, case, mailoutbox):
    grant = services.break_glass(case=case, by=personas.officer, reason=REASON)
    personas.coordinator.language = "es"
    personas.coordinator.save()
    assert services.break_glass_notify(grant_id=grant.pk) == 1
