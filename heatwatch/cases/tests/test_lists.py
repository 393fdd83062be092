"""Long lists stay usable: the case list and the coordinators' dashboard come in pages, and the
dashboard filters alerts by kind."""

from __future__ import annotations

from datetime import date, timedelta

from django.test import Client

from heatwatch.cases import services
from heatwatch.cases.tests.conftest import open_case


def test_case_list_comes_in_pages_and_keeps_the_filters(personas, login):
    for n in range(52):
        open_case(personas, legal_name=f"Youth Number{n}", date_of_birth=date(2010, 1, 1 + n % 28))
    client = login(Client(), personas.advocate)
    first = client.get("/staff/cases/?status=open&mine=1").content.decode()
    assert "52 cases." in first
    assert first.count('href="/staff/cases/') - first.count('href="/staff/cases/new/') >= 50
    assert "Page 1 of 2" in first
    assert "?status=open&amp;mine=1&amp;page=2" in first
    second = client.get("/staff/cases/?status=open&mine=1&page=2").content.decode()
    assert "Page 2 of 2" in second
    # a bad page number gives a page, not an error
    assert client.get("/staff/cases/?page=zebra").status_code == 200


def test_dashboard_counts_and_filters_alerts_by_kind(personas, login, clock):
    case = open_case(personas)
    clock.shift(timedelta(days=15))
    services.alerts_refresh()
    client = login(Client(), personas.coordinator)
    page = client.get("/staff/cases/dashboard/").content.decode()
    assert "Stabilisation item overdue: 5" in page
    assert "No contact recently: 1" in page
    assert "6 open alerts" in page
    only = client.get("/staff/cases/dashboard/?kind=no_contact").content.decode()
    assert "1 open alert," in only and case.reference in only
    assert client.get("/staff/cases/dashboard/?kind=nonsense").status_code == 200
