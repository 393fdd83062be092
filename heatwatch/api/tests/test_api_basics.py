"""The API's shell: index, schema, authentication, JSON errors."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.conftest import login_verified

pytestmark = pytest.mark.django_db


def test_index_points_to_the_schema(client):
    response = client.get("/api/")
    assert response.status_code == 200
    assert response.json()["openapi"] == "/api/openapi.json"


def test_openapi_schema_is_served(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/me" in schema["paths"]


def test_docs_page_uses_no_third_party_assets(client):
    body = client.get("/api/docs").content.decode()
    assert "cdn." not in body and "unpkg" not in body
    assert "/static/ninja/" in body


def test_me_needs_a_two_factor_session(client, personas):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}

    client.force_login(personas.officer)  # password only
    assert client.get("/api/me").status_code == 401


def test_me_returns_roles(personas):
    client = login_verified(Client(), personas.officer)
    response = client.get("/api/me")
    assert response.status_code == 200
    assert response.json() == {"username": "officer", "roles": ["officer"]}


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found."}


def test_wrong_method_is_a_4xx(client):
    response = client.post("/api/", data="{}", content_type="application/json")
    assert response.status_code == 405
