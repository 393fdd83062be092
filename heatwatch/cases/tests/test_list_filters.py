"""The case list's filters and the staff menu."""

from __future__ import annotations

from datetime import date

import pytest

from heatwatch.cases import services
from heatwatch.cases.tests.conftest import (
    open_case,
    signed_in,
)

pytestmark = pytest.mark.django_db


def test_case_list_filters(personas, login, clock):
    mine = open_case(personas)
    other = open_case(
        personas,
        by=personas.advocate_other,
        organisation=personas.clinic,
        legal_name="Destiny Otherperson",
        date_of_birth=date(2009, 9, 9),
    )
    services.care_team_remove(member=other.team.get(), by=personas.coordinator)
    services.alerts_refresh()  # other: no lead
    client = signed_in(login, personas.coordinator)

    def listed(query):
        page = client.get("/staff/cases/" + query).content.decode()
        table = page.split('<table class="usa-table usa-table--striped', 1)[1]  # not the alerts
        return {c.reference for c in (mine, other) if c.reference in table}

    assert listed("") == {mine.reference, other.reference}
    assert listed("?without_lead=1") == {other.reference}
    assert listed("?with_alerts=1") == {other.reference}
    assert listed("?mine=1") == set()
    advocate = signed_in(login, personas.advocate).get("/staff/cases/?mine=1").content.decode()
    assert mine.reference in advocate and other.reference not in advocate
    assert 'name="with_alerts" value="1"' in advocate


def test_staff_menu_links(personas, login):
    page = signed_in(login, personas.coordinator).get("/staff/cases/").content.decode()
    assert 'href="/staff/cases/dashboard/"' in page and "Case dashboard" in page
    page = signed_in(login, personas.advocate).get("/staff/cases/").content.decode()
    assert "Case dashboard" not in page
