"""Intake from a tip: the link both ways, a wrong or already-linked reference."""

from __future__ import annotations

import pytest

from heatwatch.cases.models import (
    Case,
    CaseEvent,
)
from heatwatch.cases.tests.conftest import (
    signed_in,
)
from heatwatch.tips import services as tip_services
from heatwatch.tips.models import Channel, Status

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
