"""Schemathesis against the API's own OpenAPI schema, through the WSGI application (security
test, finding 10): no request it makes gets a 5xx, and every answer is one the schema declares.

Authenticated as a partner hotline (an API token, for ``POST /api/tips``) and as a coordinator
with a two-factor session (for the staff endpoints), so requests get past authentication.
Derandomised and bounded, so the run is the same every time and takes seconds, not minutes.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from heatwatch.api import services as api_services
from heatwatch.api.api import api
from heatwatch.api.models import Scope
from heatwatch.conftest import login_verified

MAX_EXAMPLES = 25  # per operation and phase
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    unsupported_method,
]


@pytest.fixture
def wsgi_app(db):
    """The project's WSGI application, sharing the test's database transaction: like Django's
    test client, keep the request signals from closing the connection mid-test."""
    from heatwatch.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(personas):
    """An API token with ``tips:submit``, and a coordinator's two-factor session cookie with a
    CSRF token, so writes with the session get past the CSRF check to their validation."""
    _, token = api_services.api_token_create(
        organisation=personas.community, name="Fuzzing hotline", scopes=[Scope.TIPS_SUBMIT], by=None
    )
    session = login_verified(Client(), personas.coordinator).cookies[
        django_settings.SESSION_COOKIE_NAME
    ]
    csrf = secrets.token_hex(16)  # a 32-character secret, sent as cookie and header alike
    return {
        "headers": {"Authorization": f"Bearer {token}", "X-CSRFToken": csrf},
        "cookies": {
            django_settings.SESSION_COOKIE_NAME: session.value,
            django_settings.CSRF_COOKIE_NAME: csrf,
        },
    }


@pytest.fixture(scope="module")
def tally():
    """Cases run per operation and status; printed at the end (``pytest -s``)."""
    counts: Counter[tuple[str, int]] = Counter()
    started = time.monotonic()
    yield counts
    total = sum(counts.values())
    statuses = Counter(status for (_, status) in counts.elements())
    print(  # noqa: T201 - the figures for docs/api.md
        f"\nschemathesis: {total} cases, {len({op for op, _ in counts})} operations, "
        f"{sum(n for s, n in statuses.items() if s >= 500)} server errors, "
        f"statuses {dict(sorted(statuses.items()))}, {time.monotonic() - started:.1f} s"
    )


# The schema the API serves at /api/openapi.json (test_the_schema_is_the_served_one).
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_request_as_its_schema_says(case, wsgi_app, credentials, tally):
    response = case.call_and_validate(app=wsgi_app, checks=CHECKS, **credentials)
    tally[(case.operation.label, response.status_code)] += 1
    assert response.status_code < 500


def test_the_schema_is_the_served_one(client):
    assert client.get("/api/openapi.json").json() == schema.raw_schema
