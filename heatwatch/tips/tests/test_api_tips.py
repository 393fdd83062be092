"""The tip line's API: partner hotlines submit with a token, staff read with a session."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from django.test import Client

from heatwatch.api import services as api_services
from heatwatch.api.models import ApiToken, Scope
from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.conftest import login_verified, make_user
from heatwatch.tips import receipts, services
from heatwatch.tips.api import MAX_BODY_BYTES, TipIn
from heatwatch.tips.models import AgeRange, Channel, RedFlag, Status, Tip, Urgency

pytestmark = pytest.mark.django_db

URL = "/api/tips"
TIP = {
    "red_flags": ["older_partner", "hotels"],
    "narrative": "Caller saw a girl of about 14 taken into the Seaside Motel by an older man.",
    "subject_age_range": "12_14",
    "subject_description": "Long braids, yellow backpack",
    "location": "Seaside Motel, Route 9",
    "seen_when": "Last Friday around 11pm",
    "caller_notes": "Caller is a night clerk nearby; sounded sure.",
}
NO_TIP_WRITES = "nothing may be saved when the request is refused"


@pytest.fixture
def hotline_token(personas):
    token, plaintext = api_services.api_token_create(
        organisation=personas.community, name="Partner hotline", scopes=[Scope.TIPS_SUBMIT], by=None
    )
    return token, plaintext


@pytest.fixture
def post(client, hotline_token):
    """POST JSON to /api/tips with the hotline's token (or ``token=...``/None)."""
    _, plaintext = hotline_token

    def send(body=None, *, token=plaintext, raw=None, headers=None):
        extra = dict(headers or {})
        if token is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        data = raw if raw is not None else json.dumps(TIP if body is None else body)
        return client.post(URL, data=data, content_type="application/json", **extra)

    return send


def staff(user) -> Client:
    return login_verified(Client(), user)


def make_tip(**overrides) -> Tip:
    data = services.TipInput(
        **{
            "narrative": "Seen near the depot with an older man.",
            "red_flags": ["older_partner"],
            **overrides,
        }
    )
    return services.tip_submit(data=data, issue_receipt=False).tip


# --- partner hotlines: POST /api/tips ---------------------------------------------------------


def test_hotline_submits_a_tip(post, hotline_token):
    response = post()
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"reference", "urgency", "likely_spam"}  # no receipt unless asked
    assert re.fullmatch(r"T-\d{4}-\d{6}", body["reference"])
    assert body["urgency"] == Urgency.HIGH  # a minor seen at a motel
    assert body["likely_spam"] is False
    tip = Tip.objects.get(reference=body["reference"])
    assert tip.channel == Channel.API
    assert tip.narrative == TIP["narrative"] and tip.caller_notes == TIP["caller_notes"]
    assert tip.red_flags == ["hotels", "older_partner"]
    assert tip.receipt_lookup is None and tip.receipt_hash == ""
    assert tip.is_anonymous


def test_submission_is_audited(post):
    body = post().json()
    tip = Tip.objects.get(reference=body["reference"])
    entry = AuditEntry.objects.get(object_type="tips.tip", object_id=str(tip.pk))
    assert entry.action == Action.CREATE and entry.reason == "tip received by api"
    assert TIP["narrative"] not in entry.reason


def test_receipt_is_issued_on_request_and_stored_hashed(post, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    response = post({**TIP, "issue_receipt": True})
    assert response.status_code == 201
    code = response.json()["receipt_code"]
    assert re.fullmatch(r"\d{4}(-\d{4}){4}", code)
    tip = Tip.objects.get(reference=response.json()["reference"])
    digits = code.replace("-", "")
    assert tip.receipt_lookup == digits[:8]
    assert tip.receipt_hash.startswith("receipt_argon2$argon2id$")
    assert digits not in tip.receipt_hash
    assert receipts.verify(digits, tip.receipt_hash)


def test_immediate_danger_is_immediate(post):
    response = post({"red_flags": ["controlled"], "immediate_danger": True})
    assert response.json()["urgency"] == Urgency.IMMEDIATE


def test_contact_details_kept_only_when_not_anonymous(post):
    contact = {"contact_name": "Sam", "contact_phone": "555-0142"}
    anonymous = post({**TIP, **contact}).json()
    named = post({**TIP, **contact, "is_anonymous": False}).json()
    assert Tip.objects.get(reference=anonymous["reference"]).contact_phone == ""
    tip = Tip.objects.get(reference=named["reference"])
    assert not tip.is_anonymous and tip.contact_phone == "555-0142"


def test_partner_hotline_tips_are_not_rate_limited_into_spam(post, settings, hotline_token):
    from heatwatch.audit.models import Action, AuditEntry

    settings.HEATWATCH_TIP_RATE_PER_HOUR = 1
    results = [post().json() for _ in range(3)]
    assert [r["likely_spam"] for r in results] == [False, False, False]
    token, _ = hotline_token
    entry = AuditEntry.objects.filter(action=Action.CREATE, object_type="tips.tip").latest("seq")
    assert entry.organisation_id == token.organisation_id


def test_token_use_is_recorded(post, hotline_token):
    token, _ = hotline_token
    post()
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer hw_not-a-real-token",
        "Basic dXNlcjpwYXNz",
        "Token {token}",
    ],
)
def test_missing_or_bad_token_is_401(post, client, hotline_token, header):
    _, plaintext = hotline_token
    headers = {} if header is None else {"HTTP_AUTHORIZATION": header.format(token=plaintext)}
    response = client.post(URL, json.dumps(TIP), content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert not Tip.objects.exists(), NO_TIP_WRITES


def test_revoked_token_is_401(post, hotline_token):
    token, _ = hotline_token
    api_services.api_token_revoke(token=token, by=None)
    response = post()
    assert response.status_code == 401
    assert response.json()["detail"]
    assert not Tip.objects.exists(), NO_TIP_WRITES
    denied = AuditEntry.objects.last()
    assert (denied.action, denied.outcome) == (Action.ACCESS_DENIED, Outcome.DENIED)


def test_token_without_the_scope_is_403(post, hotline_token):
    token, _ = hotline_token
    ApiToken.objects.filter(pk=token.pk).update(scopes=[])
    response = post()
    assert response.status_code == 403
    assert "tips:submit" in response.json()["detail"]
    assert not Tip.objects.exists(), NO_TIP_WRITES


def test_a_staff_session_cannot_submit(personas):
    client = staff(personas.coordinator)
    response = client.post(URL, json.dumps(TIP), content_type="application/json")
    assert response.status_code == 401
    assert not Tip.objects.exists(), NO_TIP_WRITES


@pytest.mark.parametrize("raw", ["{", "not json", '{"narrative": "x",}', "\xff"])
def test_invalid_json_is_400(post, raw):
    response = post(raw=raw)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert not Tip.objects.exists(), NO_TIP_WRITES


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**TIP, "red_flags": ["older_partner", "purple"]}, ["body", "payload", "red_flags", 1]),
        ({**TIP, "subject_age_range": "40"}, ["body", "payload", "subject_age_range"]),
        (
            {**TIP, "narrative": "x" * (services.TEXT_LIMITS["narrative"] + 1)},
            ["body", "payload", "narrative"],
        ),
        (
            {**TIP, "contact_phone": "5" * (services.TEXT_LIMITS["contact_phone"] + 1)},
            ["body", "payload", "contact_phone"],
        ),
        ({**TIP, "narrative": 42}, ["body", "payload", "narrative"]),
        ({**TIP, "immediate_danger": "perhaps"}, ["body", "payload", "immediate_danger"]),
        ({**TIP, "language": "fr"}, ["body", "payload", "language"]),
        ({**TIP, "ip_address": "203.0.113.9"}, ["body", "payload", "ip_address"]),
        ([TIP], ["body", "payload"]),
    ],
)
def test_schema_errors_are_422_with_the_field(post, body, field):
    response = post(body)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert isinstance(errors, list)
    assert field in [e["loc"] for e in errors], errors
    assert all(set(e) == {"loc", "msg", "type"} for e in errors)
    assert "Seaside Motel" not in response.content.decode()  # the input is not echoed back
    assert not Tip.objects.exists(), NO_TIP_WRITES


def test_a_tip_rule_broken_is_422_with_the_message(post):
    response = post({"narrative": "   ", "issue_receipt": True})
    assert response.status_code == 422
    assert response.json() == {"detail": "Tell us what you saw: tick a red flag or describe it."}
    assert not Tip.objects.exists(), NO_TIP_WRITES
    assert not AuditEntry.objects.filter(object_type="tips.tip").exists()


def test_oversize_body_is_413(post):
    padding = "x" * (MAX_BODY_BYTES + 1)
    response = post(raw=json.dumps({**TIP, "narrative": padding}))
    assert response.status_code == 413
    assert response.json()["detail"].startswith("Request body is larger than")
    assert not Tip.objects.exists(), NO_TIP_WRITES


def test_a_body_just_under_the_limit_gets_to_validation(post):
    response = post(raw=json.dumps({**TIP, "narrative": "x" * (MAX_BODY_BYTES - 1000)}))
    assert response.status_code == 422


def test_schema_mirrors_the_service_input():
    fields = {f.name for f in dataclasses.fields(services.TipInput)}
    assert set(TipIn.model_fields) == fields | {"issue_receipt"}
    for name, limit in services.TEXT_LIMITS.items():
        assert any(
            getattr(m, "max_length", None) == limit for m in TipIn.model_fields[name].metadata
        ), name


# --- staff: GET /api/tips and /api/tips/{id} --------------------------------------------------


@pytest.fixture
def tips(personas):
    """Three tips: one referred to the officer's agency, one not, one likely spam."""
    referred = make_tip(narrative="Referred tip narrative", immediate_danger=True)
    services.tip_refer(tip=referred, by=personas.coordinator, organisation=personas.police)
    other = make_tip(narrative="Unreferred tip narrative")
    spam = make_tip(narrative="Spam narrative")
    services.tip_mark_spam(tip=spam, by=personas.coordinator, likely_spam=True)
    return {"referred": referred, "other": other, "spam": spam}


def test_coordinator_lists_the_queue_without_decrypting(personas, tips):
    response = staff(personas.coordinator).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    refs = [item["reference"] for item in body["items"]]
    assert refs == [tips["referred"].reference, tips["other"].reference]  # most urgent first
    item = body["items"][0]
    assert item["urgency"] == Urgency.IMMEDIATE and item["status"] == Status.REFERRED
    assert "narrative" not in item and "contact_phone" not in item
    assert "narrative" not in response.content.decode()


def test_coordinator_filters_status_urgency_and_spam(personas, tips):
    client = staff(personas.coordinator)
    assert [t["reference"] for t in client.get(URL, {"status": "new"}).json()["items"]] == [
        tips["other"].reference
    ]
    assert client.get(URL, {"urgency": "immediate"}).json()["count"] == 1
    assert client.get(URL, {"urgency": "high"}).json()["count"] == 0
    spam = client.get(URL, {"likely_spam": "true"}).json()
    assert [t["reference"] for t in spam["items"]] == [tips["spam"].reference]
    assert client.get(URL, {"status": "nonsense"}).status_code == 422


def test_list_is_paged(personas, tips):
    for _ in range(3):
        make_tip()
    client = staff(personas.coordinator)
    page = client.get(URL, {"page": 2, "page_size": 2}).json()
    assert page["count"] == 5 and len(page["items"]) == 2
    assert client.get(URL, {"page": 0}).status_code == 422


def test_officer_lists_only_tips_referred_to_their_agency(personas, tips):
    client = staff(personas.officer)
    body = client.get(URL).json()
    assert [t["reference"] for t in body["items"]] == [tips["referred"].reference]
    assert client.get(URL, {"likely_spam": "true"}).json()["count"] == 0


def test_officer_of_another_agency_sees_nothing(personas, tips):
    from heatwatch.accounts.models import OrganisationType, Role
    from heatwatch.accounts.services import membership_grant, organisation_create

    sheriff = organisation_create(
        name="Test Sheriff", type=OrganisationType.LAW_ENFORCEMENT, by=None
    )
    deputy = make_user("deputy")
    membership_grant(user=deputy, organisation=sheriff, role=Role.OFFICER, by=None)
    client = staff(deputy)
    assert client.get(URL).json()["count"] == 0
    assert client.get(f"{URL}/{tips['referred'].pk}").status_code == 404


@pytest.mark.parametrize(
    "persona",
    ["advocate", "advocate_other", "prosecutor", "analyst", "youth_lead", "administrator"],
)
def test_other_roles_are_refused_and_audited(personas, tips, persona):
    user = getattr(personas, persona)
    client = staff(user)
    for url in (URL, f"{URL}/{tips['other'].pk}"):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json() == {"detail": "Permission denied."}
        denied = AuditEntry.objects.last()
        assert denied.action == Action.ACCESS_DENIED and denied.actor_id == user.pk
        assert denied.object_id == url


def test_reads_need_a_two_factor_session(personas, tips, client):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{tips['other'].pk}").status_code == 401
    client.force_login(personas.coordinator)  # password only
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{tips['other'].pk}").status_code == 401


def test_a_hotline_token_cannot_read(client, hotline_token, tips):
    _, plaintext = hotline_token
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    assert client.get(URL, **auth).status_code == 401
    assert client.get(f"{URL}/{tips['other'].pk}", **auth).status_code == 401


def test_list_has_no_n_plus_one(personas, tips, django_assert_num_queries):
    client = staff(personas.coordinator)
    client.get(URL)  # warm the session and role caches of this client
    tips["other"].assignee = personas.coordinator
    tips["other"].save()
    for _ in range(4):
        make_tip(red_flags=["school"], subject_age_range=AgeRange.AGE_15_17)
    # Session, user, OTP device, roles; the count and one page query (assignees joined);
    # the idle-timeout middleware's session write (savepoint, update, release).
    with django_assert_num_queries(QUERIES_FOR_A_LIST) as captured:
        body = client.get(URL).json()
    assert body["count"] == 6
    assert any(t["assignee"] == "coordinator" for t in body["items"])
    assert sum("tips_tip" in q["sql"] for q in captured.captured_queries) == 2


QUERIES_FOR_A_LIST = 9


def test_detail_returns_the_decrypted_tip_and_audits_the_read(personas, tips):
    tip = tips["other"]
    response = staff(personas.coordinator).get(f"{URL}/{tip.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == tip.reference
    assert body["narrative"] == "Unreferred tip narrative"
    assert body["red_flags"] == ["older_partner"] and body["has_receipt"] is False
    read = AuditEntry.objects.last()
    assert (read.action, read.object_type, read.object_id, read.actor_id) == (
        Action.READ,
        "tips.tip",
        str(tip.pk),
        personas.coordinator.pk,
    )


def test_officer_opens_a_referred_tip_but_not_another(personas, tips):
    client = staff(personas.officer)
    assert client.get(f"{URL}/{tips['referred'].pk}").json()["narrative"] == (
        "Referred tip narrative"
    )
    before = AuditEntry.objects.count()
    for tip in (tips["other"], tips["spam"]):
        response = client.get(f"{URL}/{tip.pk}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    # No read was recorded; each attempt is logged as a denied access.
    new = AuditEntry.objects.filter(seq__gt=before).values_list("action", flat=True)
    assert list(new) == ["access_denied", "access_denied"]


def test_missing_tip_is_the_same_404(personas, tips):
    response = staff(personas.officer).get(f"{URL}/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


# --- the schema -------------------------------------------------------------------------------


def test_openapi_documents_the_tip_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    post = paths["/api/tips"]["post"]
    assert post["security"] == [{"ApiTokenAuth": []}]
    assert {"201", "400", "401", "403", "413", "422"} <= set(post["responses"])
    assert paths["/api/tips"]["get"]["security"] == [{"StaffSessionAuth": []}]
    assert {"200", "401", "403", "404"} <= set(paths["/api/tips/{tip_id}"]["get"]["responses"])
    components = schema["components"]
    assert components["securitySchemes"]["ApiTokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert sorted(components["schemas"]["RedFlag"]["enum"]) == sorted(RedFlag.values)
    assert sorted(components["schemas"]["AgeRange"]["enum"]) == sorted(AgeRange.values)
    tip_in = components["schemas"]["TipIn"]
    assert tip_in["additionalProperties"] is False
    assert tip_in["properties"]["narrative"]["maxLength"] == services.TEXT_LIMITS["narrative"]
    assert "issue_receipt" in tip_in["properties"]
