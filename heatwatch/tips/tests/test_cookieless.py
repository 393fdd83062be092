"""The tip forms work without cookies; a refused post never loses what the tipster typed.

Every test uses Django's test client with ``enforce_csrf_checks=True`` and never sends a cookie,
like a browser that blocks them.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from heatwatch.tips.models import Tip
from heatwatch.tips.tests.conftest import VALID, receipt_from

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def token_from(response) -> str:
    match = TOKEN_RE.search(response.content.decode())
    assert match, "no form token on the page"
    return match.group(1)


def fresh_token(browser: Client, path: str = "/report/") -> str:
    page = browser.get(path)
    browser.cookies.clear()  # whatever was set, the browser keeps none
    return token_from(page)


def post(browser: Client, path: str, data: dict, **headers):
    response = browser.post(path, data, **headers)
    browser.cookies.clear()
    return response


def test_the_form_sets_no_cookie_at_all(browser):
    page = browser.get("/report/")
    assert not page.cookies
    response = post(browser, "/report/", {**VALID, "form_token": token_from(page)})
    assert not response.cookies


def test_a_tip_is_stored_with_the_form_token_and_no_cookie(browser):
    token = fresh_token(browser)
    response = post(
        browser,
        "/report/",
        {**VALID, "form_token": token},
        HTTP_ORIGIN="http://testserver",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == 200
    receipt_from(response)
    assert Tip.objects.get().narrative.startswith("A girl of about 15")


def test_a_null_origin_vouched_for_by_the_browser_is_accepted(browser):
    # Referrer-Policy: no-referrer makes browsers send Origin: null on our own form posts.
    token = fresh_token(browser)
    response = post(
        browser,
        "/report/",
        {**VALID, "form_token": token},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == 200
    assert Tip.objects.count() == 1


def _assert_form_shown_again(response, *, status: int = 403) -> str:
    assert response.status_code == status
    body = response.content.decode()
    # Everything typed is there again, ready to send with a new token.
    assert "A girl of about 15 waits every evening near the bus depot" in body
    assert 'value="Harbor Street bus depot"' in body
    assert 'value="older_partner"' in body and "checked" in body
    assert token_from(response)
    assert Tip.objects.count() == 0
    return body


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://other.testserver"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},  # a sandboxed frame or a saved page, not vouched for
    ],
)
def test_a_cross_site_post_is_refused_and_everything_typed_is_shown_again(browser, headers):
    token = fresh_token(browser)
    response = post(browser, "/report/", {**VALID, "form_token": token}, **headers)
    body = _assert_form_shown_again(response)
    assert "from another website or from a saved copy of this page" in body
    assert "Send the tip" in body


def test_a_cross_site_post_in_spanish_is_refused_in_spanish_with_everything_kept(browser):
    token = fresh_token(browser, "/es/report/")
    response = post(
        browser,
        "/es/report/",
        {**VALID, "form_token": token},
        HTTP_ORIGIN="https://evil.example",
        HTTP_SEC_FETCH_SITE="cross-site",
    )
    body = _assert_form_shown_again(response)
    assert 'lang="es"' in body
    assert "Enviar el aviso" in body and "Cuéntenos con sus propias palabras" in body


def test_the_form_shown_again_can_be_sent(browser):
    token = fresh_token(browser)
    refused = post(
        browser, "/report/", {**VALID, "form_token": token}, HTTP_SEC_FETCH_SITE="cross-site"
    )
    response = post(browser, "/report/", {**VALID, "form_token": token_from(refused)})
    assert response.status_code == 200
    assert Tip.objects.count() == 1


def test_a_replayed_token_is_refused_the_same_kind_way(browser):
    token = fresh_token(browser)
    assert post(browser, "/report/", {**VALID, "form_token": token}).status_code == 200
    again = post(browser, "/report/", {**VALID, "form_token": token})
    assert again.status_code == 403
    body = again.content.decode()
    assert "If you already have a receipt code for it, your tip was received" in body
    assert "A girl of about 15 waits every evening" in body
    assert Tip.objects.count() == 1  # no second copy of the tip


def test_an_expired_token_is_refused_the_same_kind_way(browser, clock):
    token = fresh_token(browser)
    clock.shift(timedelta(hours=12, minutes=1))
    response = post(browser, "/report/", {**VALID, "form_token": token})
    body = _assert_form_shown_again(response)
    assert "open for more than 12 hours" in body


def test_a_token_still_fresh_after_eleven_hours_is_accepted(browser, clock):
    token = fresh_token(browser)
    clock.shift(timedelta(hours=11))
    assert post(browser, "/report/", {**VALID, "form_token": token}).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "",
        "forged:1vXyZ9:abcdefghijklmnopqrstuvwxyz0",
        None,  # a genuine token of the follow-up form: bound to that form only
    ],
)
def test_a_missing_forged_or_foreign_token_is_refused_the_same_kind_way(browser, token):
    if token is None:
        token = fresh_token(browser, "/report/follow-up/")
    response = post(browser, "/report/", {**VALID, "form_token": token})
    body = _assert_form_shown_again(response)
    assert "We could not check this form" in body


def test_follow_up_works_without_cookies(browser):
    code = receipt_from(post(browser, "/report/", {**VALID, "form_token": fresh_token(browser)}))
    thread = post(
        browser,
        "/report/follow-up/",
        {"code": code, "form_token": fresh_token(browser, "/report/follow-up/")},
    )
    assert thread.status_code == 200
    answered = post(
        browser,
        "/report/follow-up/",
        {"code": code, "body": "He drives a blue van.", "form_token": token_from(thread)},
    )
    assert answered.status_code == 200
    assert "He drives a blue van." in [m.body for m in Tip.objects.get().messages.all()]


def test_a_cross_site_answer_is_refused_and_kept_on_the_page(browser):
    code = receipt_from(post(browser, "/report/", {**VALID, "form_token": fresh_token(browser)}))
    token = fresh_token(browser, "/report/follow-up/")
    refused = post(
        browser,
        "/report/follow-up/",
        {"code": code, "body": "He drives a blue van.", "form_token": token},
        HTTP_SEC_FETCH_SITE="cross-site",
    )
    assert refused.status_code == 403
    body = refused.content.decode()
    assert "He drives a blue van." in body and code in body
    assert Tip.objects.get().messages.filter(direction="from_tipster").count() == 0
    # The page shown again sends the answer.
    sent = post(
        browser,
        "/report/follow-up/",
        {"code": code, "body": "He drives a blue van.", "form_token": token_from(refused)},
    )
    assert sent.status_code == 200
    assert Tip.objects.get().messages.filter(direction="from_tipster").count() == 1
