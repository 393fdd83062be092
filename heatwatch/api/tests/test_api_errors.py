"""Every API error is a JSON 4xx that matches the OpenAPI schema (security test, finding 10):
page bounds, JSON 405 with ``Allow``, one documented 422 body, chunked bodies refused."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
from django.test import Client
from django.test.client import FakePayload

from heatwatch.api import services as api_services
from heatwatch.api.models import Scope
from heatwatch.conftest import login_verified
from heatwatch.tips.models import Tip

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # more than a 64-bit integer
LISTS = ["/api/tips", "/api/cases", "/api/cases/alerts", "/api/cases/referrals"]


@pytest.fixture
def coordinator(personas) -> Client:
    return login_verified(Client(), personas.coordinator)


@pytest.fixture
def token(personas) -> str:
    _, plaintext = api_services.api_token_create(
        organisation=personas.community, name="Partner hotline", scopes=[Scope.TIPS_SUBMIT], by=None
    )
    return plaintext


def schema_of(client: Client, path: str, method: str, status: int) -> dict:
    """The response schema the OpenAPI document promises, with its references resolved."""
    document = client.get("/api/openapi.json").json()
    response = document["paths"][path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    return {**schema, "components": document["components"]}


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert "detail" in body
    return body


# --- page numbers and page sizes --------------------------------------------------------------


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("number", [HUGE, "1000001", "0", "-1"])
def test_a_page_out_of_range_is_a_422_not_a_500(coordinator, url, number):
    body = assert_json_error(coordinator.get(url, {"page": number}), 422)
    assert [e["loc"] for e in body["detail"]] == [["query", "page"]]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("size", [HUGE, "201", "0"])
def test_a_page_size_out_of_range_is_a_422(coordinator, url, size):
    body = assert_json_error(coordinator.get(url, {"page_size": size}), 422)
    assert [e["loc"] for e in body["detail"]] == [["query", "page_size"]]


def test_the_tip_queue_takes_at_most_100_a_page(coordinator):
    assert coordinator.get("/api/tips", {"page_size": "100"}).status_code == 200
    assert_json_error(coordinator.get("/api/tips", {"page_size": "101"}), 422)


def test_the_last_allowed_page_is_an_empty_page(coordinator):
    response = coordinator.get("/api/tips", {"page": "100000", "page_size": "100"})
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_the_bounds_are_in_the_schema(client):
    params = client.get("/api/openapi.json").json()["paths"]["/api/tips"]["get"]["parameters"]
    by_name = {p["name"]: p["schema"] for p in params}
    assert by_name["page"]["minimum"] == 1 and by_name["page"]["maximum"] == 100_000
    page_size = by_name["page_size"]
    bounds = page_size.get("anyOf", [page_size])[0]
    assert bounds["minimum"] == 1 and bounds["maximum"] == 100


# --- 405 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("post", "/api/", {"GET"}),
        ("delete", "/api/tips", {"GET", "POST"}),
        ("put", "/api/tips/1", {"GET"}),
        ("get", "/api/cases/referrals/1/answer", {"POST"}),
    ],
)
def test_a_wrong_method_is_a_json_405_with_allow(coordinator, method, url, allow):
    response = getattr(coordinator, method)(url)
    body = assert_json_error(response, 405)
    assert body == {"detail": "Method not allowed."}
    assert set(response["Allow"].split(", ")) == allow


@pytest.mark.parametrize(
    "url", ["/api/no-such-thing", "/api/cases/referrals/null,null/answer", "/api/tips/x"]
)
def test_an_unknown_path_with_any_method_stays_a_json_404(personas, url):
    client = login_verified(Client(enforce_csrf_checks=True), personas.coordinator)
    for method in ("get", "post", "delete"):
        body = assert_json_error(getattr(client, method)(url), 404)  # not the CSRF page
        assert body == {"detail": "Not found."}


# --- one 422 body, as documented ----------------------------------------------------------------


def test_every_422_in_the_schema_is_the_same_validation_error():
    document = Client().get("/api/openapi.json").json()
    refs = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            queries = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            if queries or "requestBody" in operation:
                assert "422" in responses, f"{method.upper()} {path} can answer 422"
            if "422" in responses:
                refs.add(responses["422"]["content"]["application/json"]["schema"]["$ref"])
            for status, response in responses.items():
                if status.startswith("4") and status != "422":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema["$ref"] == "#/components/schemas/Error", (path, status)
    assert refs == {"#/components/schemas/ValidationError"}


def test_a_bad_case_filter_matches_the_documented_422(coordinator):
    response = coordinator.get("/api/cases", {"status": "nonsense"})
    body = assert_json_error(response, 422)
    jsonschema_rs.validate(schema_of(coordinator, "/api/cases", "get", 422), body)
    assert body["detail"][0]["loc"] == ["query", "status"]


def test_a_bad_tip_and_a_broken_tip_rule_both_match_the_documented_422(client, token):
    schema = schema_of(client, "/api/tips", "post", 422)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for body in ({"language": "fr", "narrative": "Seen at the depot."}, {"narrative": "  "}):
        response = client.post(
            "/api/tips", data=json.dumps(body), content_type="application/json", **auth
        )
        jsonschema_rs.validate(schema, assert_json_error(response, 422))
    assert not Tip.objects.exists()


def test_an_unknown_referral_answer_matches_the_documented_404(coordinator):
    schema = schema_of(coordinator, "/api/cases/referrals/{referral_id}/answer", "post", 404)
    response = coordinator.post(
        "/api/cases/referrals/999999/answer",
        data=json.dumps({"to": "accepted", "version": 1}),
        content_type="application/json",
    )
    jsonschema_rs.validate(schema, assert_json_error(response, 404))


# --- chunked bodies -----------------------------------------------------------------------------


def chunked(payload: bytes) -> bytes:
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)


def test_a_chunked_tip_is_refused_with_411_and_nothing_is_saved(client, token):
    payload = json.dumps({"narrative": "Seen at the depot with an older man."}).encode()
    for terminated in (False, True):  # gunicorn de-chunks and sets wsgi.input_terminated
        response = client.generic(
            "POST",
            "/api/tips",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            CONTENT_TYPE="application/json",
            HTTP_TRANSFER_ENCODING="chunked",
            **{
                "wsgi.input": FakePayload(payload if terminated else chunked(payload)),
                "wsgi.input_terminated": terminated,
            },
        )
        body = assert_json_error(response, 411)
        assert body == {"detail": "Send the body with a Content-Length header."}
    assert not Tip.objects.exists()
    jsonschema_rs.validate(schema_of(client, "/api/tips", "post", 411), body)


def test_a_body_with_a_content_length_is_still_read(client, token):
    response = client.post(
        "/api/tips",
        data=json.dumps({"narrative": "Seen at the depot with an older man."}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201
