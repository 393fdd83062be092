"""Anonymity is enforced: nothing stored or logged can identify an anonymous tipster."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test import Client

from heatwatch.tips.models import Tip
from heatwatch.tips.tests.conftest import VALID, receipt_from

pytestmark = pytest.mark.django_db

DISTINCT_IP = "203.0.113.77"  # TEST-NET-3: never a real person's address
DISTINCT_UA = "DistinctiveTipsterAgent/9.9 (marker-7b1f3c)"


def everything_in_the_database() -> str:
    """Every value of every table, as text (what someone with the database would see)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from the DB
            for row in cursor.fetchall():
                chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


def test_no_ip_or_user_agent_is_stored_or_logged(caplog):
    caplog.set_level(logging.DEBUG)
    client = Client(REMOTE_ADDR=DISTINCT_IP, HTTP_USER_AGENT=DISTINCT_UA)
    response = client.post("/report/", VALID)
    code = receipt_from(response)
    # The tipster comes back, answers, and gets a wrong code once too.
    client.post("/report/follow-up/", {"code": code})
    client.post("/report/follow-up/", {"code": code, "body": "He drives a blue van."})
    client.post("/report/follow-up/", {"code": "1111-2222-3333-4444-5555"})
    assert Tip.objects.get().messages.count() == 2

    stored = everything_in_the_database()
    assert DISTINCT_IP not in stored
    assert "203.0.113" not in stored
    assert "marker-7b1f3c" not in stored and "DistinctiveTipsterAgent" not in stored
    logged = caplog.text
    assert DISTINCT_IP not in logged
    assert "marker-7b1f3c" not in logged


def test_no_cookie_at_all(db):
    # The forms carry their own token (heatwatch.core.csrf), so not even a CSRF cookie is set.
    client = Client(REMOTE_ADDR=DISTINCT_IP)
    pages = [client.get("/report/"), client.post("/report/", VALID), client.get("/")]
    pages.append(client.get("/report/follow-up/"))
    names = {name for page in pages for name in page.cookies}
    assert names == set()


def test_tip_pages_load_nothing_from_other_sites(client):
    for path in ("/report/", "/report/follow-up/", "/es/report/"):
        body = client.get(path).content.decode()
        for marker in ("http://", "https://", "//cdn", "<iframe"):
            # Only our own relative URLs; tel:/mailto: links are allowed.
            assert marker not in body.replace("https://www.w3.org", ""), (path, marker)
