"""N+1 guards for the screening lists: the screener's list, the coordinators' referrals, the
case list's sections (screenings waiting and recovered youths waiting for intake)."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.screening import services
from heatwatch.tips import services as tip_services

from .conftest import answers, complete, start

pytestmark = pytest.mark.django_db


def _referred(teacher, school, questionnaire, n):
    made = []
    for _ in range(n):
        done = complete(start(teacher, school, questionnaire), teacher, answers(exchange="yes"))
        made.append(services.screening_refer(result=done, by=teacher))
    return made


def test_my_screenings_page(teacher, school, questionnaire, login, queries_do_not_grow):
    rows = _referred(teacher, school, questionnaire, 2)
    client = login(Client(), teacher)
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/screening/"),
        lambda: rows.extend(_referred(teacher, school, questionnaire, 10)),
        most=20,
    )
    assert all(r.reference in after.content.decode() for r in rows)


def test_referrals_page(personas, teacher, school, questionnaire, login, queries_do_not_grow):
    rows = _referred(teacher, school, questionnaire, 2)
    client = login(Client(), personas.coordinator)
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/screening/referrals/"),
        lambda: rows.extend(_referred(teacher, school, questionnaire, 10)),
        most=20,
    )
    assert all(r.reference in after.content.decode() for r in rows)


def _recovered(personas, n):
    from heatwatch.tips.tests.test_staff import make_tip

    made = []
    for i in range(n):
        tip = make_tip(narrative=f"Tip number {i} about a recovered youth.")
        referral = tip_services.tip_refer(
            tip=tip, by=personas.coordinator, organisation=personas.police
        )
        tip_services.referral_record_outcome(
            referral=referral, by=personas.officer, outcome="youth_recovered"
        )
        made.append(tip)
    return made


def test_case_list_sections(personas, teacher, school, questionnaire, login, queries_do_not_grow):
    rows = _referred(teacher, school, questionnaire, 1)
    tips = _recovered(personas, 2)
    client = login(Client(), personas.coordinator)

    def more():
        rows.extend(_referred(teacher, school, questionnaire, 5))
        tips.extend(_recovered(personas, 5))

    _, after = queries_do_not_grow(lambda: client.get("/staff/cases/"), more, most=40)
    page = after.content.decode()
    assert all(r.reference in page for r in rows) and all(t.reference in page for t in tips)
