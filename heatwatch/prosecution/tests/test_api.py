"""The prosecution API (/api/prosecution): the same rules as the pages, JSON errors."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from heatwatch.prosecution.models import Charge, Hearing
from heatwatch.prosecution.tests.conftest import signed_in


def _post(client, path, body, method="post"):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def test_prosecutor_opens_charges_and_advances_a_prosecution(personas, login):
    client = signed_in(login, personas.prosecutor)
    created = _post(
        client,
        "/api/prosecution",
        {
            "defendant": {"name": "Ray Synthetic", "role": "buyer", "aliases": ["R"]},
            "opened_on": "2026-09-01",
            "prosecutor": "prosecutor",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    pk = body["id"]
    assert body["defendant_name"] == "Ray Synthetic" and body["stage"] == "investigation"

    listed = client.get("/api/prosecution").json()
    assert [r["reference"] for r in listed["items"]] == [body["reference"]]
    assert "Ray" not in json.dumps(listed)

    charge = _post(client, f"/api/prosecution/{pk}/charges", {"statute": "PC 647(b)(3)"})
    assert charge.status_code == 201
    unknown = _post(client, f"/api/prosecution/{pk}/charges", {"statute": "XX 1"})
    assert unknown.status_code == 422
    assert "Unknown statute code" in unknown.json()["detail"]
    assert Charge.objects.count() == 1

    version = client.get(f"/api/prosecution/{pk}").json()["version"]
    ok = _post(
        client,
        f"/api/prosecution/{pk}/stages",
        {"stage": "charged", "on": "2026-09-05", "version": version},
    )
    assert ok.status_code == 200 and ok.json()["stage"] == "charged"
    version = ok.json()["version"]
    early = _post(
        client,
        f"/api/prosecution/{pk}/stages",
        {"stage": "arraignment", "on": "2026-08-01", "version": version},
    )
    assert early.status_code == 422 and "must run in order" in early.json()["detail"]
    stale = _post(
        client,
        f"/api/prosecution/{pk}/stages",
        {"stage": "arraignment", "on": "2026-09-06", "version": version - 1},
    )
    assert stale.status_code == 409 and "detail" in stale.json()

    update = {
        "defendant": {"name": "Ray Synthetic", "role": "buyer"},
        "outcome": "pleaded",
        "sentence": "Synthetic sentence",
        "version": version,
    }
    assert _post(client, f"/api/prosecution/{pk}", update, "put").status_code == 200
    assert _post(client, f"/api/prosecution/{pk}", update, "put").status_code == 409


def test_other_roles_get_403_and_outsiders_404(personas, login, prosecution, vwa):
    for name in ("analyst", "coordinator", "advocate", "officer"):
        client = signed_in(login, getattr(personas, name))
        assert client.get("/api/prosecution").status_code == 403
        assert client.get(f"/api/prosecution/{prosecution.pk}").status_code == 403
    advocate = signed_in(login, vwa)
    assert advocate.get(f"/api/prosecution/{prosecution.pk}").status_code == 200
    response = _post(
        advocate, f"/api/prosecution/{prosecution.pk}/charges", {"statute": "PC 266h(b)"}
    )
    assert response.status_code == 403
    missing = signed_in(login, personas.prosecutor).get("/api/prosecution/999999")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not found."}


def test_hearings_through_the_api(personas, login, case):
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    client = signed_in(login, personas.prosecutor)
    made = _post(
        client,
        "/api/prosecution/hearings",
        {"case_reference": case.reference, "on": day, "department": "Dept. 1", "purpose": "review"},
    )
    assert made.status_code == 201 and made.json()["case_reference"] == case.reference
    assert (
        signed_in(login, personas.advocate)
        .get("/api/prosecution/hearings")
        .json()["items"][0]["on"]
        == day
    )
    assert (
        signed_in(login, personas.advocate_other).get("/api/prosecution/hearings").json()["items"]
        == []
    )
    refused = _post(
        signed_in(login, personas.advocate),
        "/api/prosecution/hearings",
        {"case_reference": case.reference, "on": day, "department": "D", "purpose": "review"},
    )
    assert refused.status_code == 403
    assert Hearing.objects.count() == 1
    bad = client.get("/api/prosecution/hearings?from=2026-12-10&to=2026-01-01")
    assert bad.status_code == 422


@pytest.mark.parametrize("path", ["/api/prosecution", "/api/prosecution/hearings"])
def test_password_only_session_gets_401(personas, path):
    from django.test import Client

    client = Client()
    client.force_login(personas.prosecutor)
    assert client.get(path).status_code == 401
