"""N+1 guards: every case list (pages and API) needs as many queries for 12 rows as for 2.

Each test shows the list with two rows, adds ten more, and requires no more queries; it also
checks that the new rows are on the page, so the guard cannot pass on an empty list.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from heatwatch.cases import services
from heatwatch.cases.tests.conftest import make_service, open_case

pytestmark = pytest.mark.django_db

FEW, MORE = 2, 10  # two rows, then ten more


def _cases(personas, n: int) -> list:
    return [open_case(personas, legal_name=f"Youth Count{i}", date_of_birth=None) for i in range(n)]


def _references(response) -> set[str]:
    import re

    return set(re.findall(r"C-\d{4}-\d{4,}", response.content.decode()))


def test_case_list_page(personas, login, queries_do_not_grow):
    cases = _cases(personas, FEW)
    client = login(Client(), personas.coordinator)
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/cases/?status=all"),
        lambda: cases.extend(_cases(personas, MORE)),
        most=25,
    )
    assert after.status_code == 200
    assert {c.reference for c in cases} <= _references(after)


def _cases_with_alerts(personas, clock, n: int) -> list:
    """Cases opened 15 days ago (their stabilisation items overdue, no contact since), with
    their alerts raised; the clock comes back to now, so signed-in sessions stay fresh."""
    now = timezone.now()
    clock.move_to(now - timedelta(days=15))
    cases = _cases(personas, n)
    clock.move_to(now)
    services.alerts_refresh()
    return cases


def test_case_list_page_with_alerts(personas, login, clock, queries_do_not_grow):
    cases = _cases_with_alerts(personas, clock, FEW)
    client = login(Client(), personas.advocate)  # on every care team (the lead)
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/cases/"),
        lambda: cases.extend(_cases_with_alerts(personas, clock, MORE)),
        most=25,
    )
    assert {c.reference for c in cases} <= _references(after)
    assert after.content.decode().count('bg-accent-warm-dark">6<') == FEW + MORE  # open alerts


def test_coordinators_dashboard(personas, login, clock, queries_do_not_grow):
    def add(n: int) -> list:
        new = _cases_with_alerts(personas, clock, n)
        for case in new:
            services.break_glass(case=case, by=personas.officer, reason="Youth recovered tonight.")
        return new

    cases = add(FEW)
    client = login(Client(), personas.coordinator)
    # The no-contact alerts only: one per case, so all twelve fit on the first page.
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/cases/dashboard/?kind=no_contact"),
        lambda: cases.extend(add(MORE)),
        most=25,
    )
    assert {c.reference for c in cases} <= _references(after)
    assert after.content.decode().count("reviewed/") == FEW + MORE  # a grant to review each
    everything = client.get("/staff/cases/dashboard/")
    assert f"{6 * (FEW + MORE)} open alerts" in everything.content.decode()


def _referrals(personas, service, n: int) -> list:
    cases = _cases(personas, n)
    for case in cases:
        services.referral_send(case=case, by=personas.advocate, service=service)
    return cases


def test_referral_inbox(personas, login, queries_do_not_grow):
    service = make_service(personas.clinic)
    cases = _referrals(personas, service, FEW)
    agency = login(Client(), personas.advocate_other)
    _, after = queries_do_not_grow(
        lambda: agency.get("/staff/cases/referrals/"),
        lambda: cases.extend(_referrals(personas, service, MORE)),
        most=20,
    )
    assert {c.reference for c in cases} <= _references(after)


def test_case_api_list(personas, login, queries_do_not_grow):
    cases = _cases(personas, FEW)
    client = login(Client(), personas.advocate)
    _, after = queries_do_not_grow(
        lambda: client.get("/api/cases"), lambda: cases.extend(_cases(personas, MORE)), most=20
    )
    assert {row["reference"] for row in after.json()["items"]} == {c.reference for c in cases}


def test_case_api_alerts(personas, login, clock, queries_do_not_grow):
    cases = _cases_with_alerts(personas, clock, FEW)
    client = login(Client(), personas.advocate)
    before, after = queries_do_not_grow(
        lambda: client.get("/api/cases/alerts?page_size=200"),
        lambda: cases.extend(_cases_with_alerts(personas, clock, MORE)),
        most=20,
    )
    assert len(before.json()["items"]) == 6 * FEW
    assert len(after.json()["items"]) == 6 * (FEW + MORE)
    assert {row["case_reference"] for row in after.json()["items"]} == {c.reference for c in cases}


def test_case_api_referral_inbox(personas, login, queries_do_not_grow):
    service = make_service(personas.clinic)
    cases = _referrals(personas, service, FEW)
    agency = login(Client(), personas.advocate_other)
    _, after = queries_do_not_grow(
        lambda: agency.get("/api/cases/referrals"),
        lambda: cases.extend(_referrals(personas, service, MORE)),
        most=20,
    )
    assert {row["case_reference"] for row in after.json()["items"]} == {c.reference for c in cases}
