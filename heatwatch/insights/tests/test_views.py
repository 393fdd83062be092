"""The public data page, its downloads and charts; the staff pages: who sees what, and that
nothing shown to analysts names a person."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.insights import services
from heatwatch.insights.models import Snapshot, SnapshotStatus
from heatwatch.insights.tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(records):
    snap = services.snapshot_prepare(now=NOW)
    return services.snapshot_publish(snapshot_id=snap.pk, version=None, by=None)


def test_data_page_without_snapshot_says_so(client):
    response = client.get("/data/")
    assert response.status_code == 200
    assert b"No figures have been published yet." in response.content


def test_data_page_shows_published_figures_tables_and_charts(client, published):
    response = client.get("/data/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Figures as of" in body and "change as records are updated" in body
    assert "fewer than 11" in body
    assert f"/data/charts/{published.pk}/youth.svg" in body
    assert "<script" not in body.split("</main>")[0].split("<main")[1]
    # No suppressed cell's true value appears in any table cell.
    for cell in published.cells.filter(published=False).exclude(value=0):
        assert f"<td>{cell.value} (" not in body or cell.value >= 11


def test_spanish_data_page(client, published):
    response = client.get("/es/data/")
    assert response.status_code == 200
    assert b'lang="es"' in response.content


def test_chart_is_svg_and_drafts_have_none(client, published):
    response = client.get(f"/data/charts/{published.pk}/youth.age.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert b"<script" not in response.content
    draft = services.snapshot_prepare(now=NOW)
    assert client.get(f"/data/charts/{draft.pk}/youth.svg").status_code == 404
    assert client.get(f"/data/charts/{published.pk}/nope.svg").status_code == 404


def test_csv_has_only_published_values(client, published):
    response = client.get("/data/data.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["table", "year", "category", "value", "percent_of_year_total"]
    values = [r[3] for r in rows[1:]]
    assert "<11" in values
    assert all(v == "<11" or int(v) == 0 or int(v) >= 11 for v in values)
    one = client.get("/data/tables/youth.age.csv")
    assert one.status_code == 200
    assert {r[0] for r in csv.reader(io.StringIO(one.content.decode()))} == {"table", "youth.age"}
    assert client.get("/data/tables/nope.csv").status_code == 404


def test_api_snapshot_matches_page(client, published):
    data = client.get("/api/insights/snapshot").json()
    assert data["id"] == published.pk and data["threshold"] == 11
    names = {t["name"] for t in data["tables"]}
    assert {"youth", "youth.age", "tips.month", "trained.audience"} <= names
    figures = [f for t in data["tables"] for r in t["rows"] for f in r["figures"]]
    assert any(f["suppressed"] and f["value"] is None for f in figures)
    assert all(f["value"] in (None, 0) or f["value"] >= 11 for f in figures)
    assert client.get("/api/insights/tables/youth.gender").status_code == 200
    missing = client.get("/api/insights/tables/nope")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_before_the_first_publication_api_and_csv_are_empty(client, db):
    response = client.get("/api/insights/snapshot")
    assert response.status_code == 200
    assert response.json()["id"] is None and response.json()["tables"] == []
    csv_response = client.get("/data/data.csv")
    assert csv_response.status_code == 200
    assert (
        csv_response.content.decode().strip() == "table,year,category,value,percent_of_year_total"
    )
    assert client.get("/api/insights/tables/youth").status_code == 404


def test_coordinator_publishes_a_draft_audited(personas, login, records):
    draft = services.snapshot_prepare(now=NOW)
    coordinator = login(Client(), personas.coordinator)
    page = coordinator.get(f"/staff/insights/snapshots/{draft.pk}/")
    assert page.status_code == 200 and b"Publish on the data page" in page.content
    response = coordinator.post(
        f"/staff/insights/snapshots/{draft.pk}/publish/", {"version": draft.version}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == SnapshotStatus.PUBLISHED and draft.published_by == personas.coordinator
    assert AuditEntry.objects.filter(
        action=Action.UPDATE, object_type="insights.snapshot", object_id=str(draft.pk)
    ).exists()


def test_stale_publish_is_409(personas, login, records):
    draft = services.snapshot_prepare(now=NOW)
    coordinator = login(Client(), personas.coordinator)
    response = coordinator.post(
        f"/staff/insights/snapshots/{draft.pk}/publish/", {"version": draft.version + 5}
    )
    assert response.status_code == 409
    assert Snapshot.objects.get(pk=draft.pk).status == SnapshotStatus.DRAFT


def test_analyst_cannot_publish(personas, login, records):
    draft = services.snapshot_prepare(now=NOW)
    analyst = login(Client(), personas.analyst)
    assert analyst.get(f"/staff/insights/snapshots/{draft.pk}/").status_code == 200
    assert analyst.post(f"/staff/insights/snapshots/{draft.pk}/publish/").status_code == 403
    assert Snapshot.objects.get(pk=draft.pk).status == SnapshotStatus.DRAFT


def test_dashboard_is_counts_only(personas, login, records):
    analyst = login(Client(), personas.analyst)
    response = analyst.get("/staff/insights/?start=2020-01-01&end=2027-01-01")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Open cases: 300" in body
    assert "Synthetic Youth" not in body and "S-" not in body  # no name, no case reference


def test_dashboard_bad_dates_say_what_to_fix(personas, login, db):
    analyst = login(Client(), personas.analyst)
    response = analyst.get("/staff/insights/?start=yesterday&end=2020-01-01")
    assert response.status_code == 400
    assert b"Enter dates as YYYY-MM-DD." in response.content
    assert b'value="yesterday"' in response.content  # what was typed is kept


def test_officer_cannot_see_dashboards(personas, login, db):
    officer = login(Client(), personas.officer)
    assert officer.get("/staff/insights/").status_code == 403
    assert officer.get("/staff/insights/reports/").status_code == 403


def test_partner_sees_its_own_referrals(personas, login, db):
    advocate = login(Client(), personas.advocate)
    response = advocate.get("/staff/insights/partner/")
    assert response.status_code == 200
    assert personas.provider.name.encode() in response.content


@pytest.mark.parametrize("funder", ["victim_services", "trafficking_assistance", "state_county"])
def test_grant_report_exports_are_audited(personas, login, records, funder):
    analyst = login(Client(), personas.analyst)
    query = f"?funder={funder}&start=2024-01-01&end=2025-01-01"
    page = analyst.get("/staff/insights/reports/" + query)
    assert page.status_code == 200
    before = AuditEntry.objects.filter(action=Action.EXPORT).count()
    exported = analyst.get("/staff/insights/reports/export.csv" + query + "&public=1")
    assert exported.status_code == 200
    text = exported.content.decode()
    assert "Synthetic Youth" not in text
    assert "fewer than 11" in text or funder == "state_county"
    xlsx = analyst.get("/staff/insights/reports/export.xlsx" + query)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert AuditEntry.objects.filter(action=Action.EXPORT).count() == before + 2


def test_grant_report_bad_input(personas, login, db):
    analyst = login(Client(), personas.analyst)
    assert analyst.get("/staff/insights/reports/?funder=nope").status_code == 400
    assert analyst.get("/staff/insights/reports/export.csv?funder=nope").status_code == 400
    assert analyst.get("/staff/insights/reports/export.pdf?funder=state_county").status_code == 404
