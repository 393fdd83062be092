"""A body sent without a declared length is refused clearly, on every page (issue 10 follow-up:
the API already refused it; a chunked form post reached the view as an empty form)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_chunked_post_to_the_tip_form_gets_411_and_nothing_is_stored(client):
    from heatwatch.tips.models import Tip

    response = client.post(
        "/report/",
        data=b"description=chunked",
        content_type="application/x-www-form-urlencoded",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert b"Nothing was saved" in response.content
    assert Tip.objects.count() == 0


def test_a_chunked_post_in_spanish_gets_the_spanish_page(client):
    response = client.post(
        "/es/report/", data=b"x=1", content_type="text/plain", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert response.status_code == 411
    assert b'lang="es"' in response.content


def test_the_api_answers_json(client):
    response = client.post(
        "/api/tips", data=b"{}", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert response.status_code == 411
    assert response.json() == {"detail": "Send the body with a Content-Length header."}


def test_an_ordinary_post_is_not_affected(client):
    response = client.post("/report/", data={})
    assert response.status_code != 411
