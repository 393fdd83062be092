"""The links in our e-mails: confirmation, preference centre (interests, language, download,
erase) and one-click unsubscribe. A GET never changes anything; a bad link changes nothing."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.mailing import services
from heatwatch.mailing.models import Subscriber, SubscriberStatus
from heatwatch.mailing.tests.conftest import SAME_ORIGIN, form_token, make_subscriber

pytestmark = pytest.mark.django_db


def link_in(body: str, fragment: str) -> str:
    match = re.search(r"http://127\.0\.0\.1:8000(\S*" + re.escape(fragment) + r"\S*/)", body)
    assert match, f"no {fragment} link in {body!r}"
    return match.group(1)


# --- confirmation ---------------------------------------------------------------------------


@pytest.fixture
def pending(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscriber = make_subscriber("lee.park@example.test", confirm=False)
    return subscriber, link_in(mailoutbox[-1].body, "/subscribe/confirm/")


def test_the_confirmation_link_shows_a_button_and_a_get_confirms_nothing(visitor, pending):
    subscriber, link = pending
    page = visitor.get(link)
    assert page.status_code == 200
    assert "Confirm my subscription" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING


def test_pressing_the_button_confirms_and_sends_a_welcome(
    visitor, pending, mailoutbox, django_capture_on_commit_callbacks
):
    subscriber, link = pending
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(link)  # no cookie, no CSRF token: the link is the authority
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED
    assert subscriber.confirmed_at is not None
    assert mailoutbox[-1].subject == "Welcome to our mailing list"
    assert mailoutbox[-1].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert AuditEntry.objects.filter(action=Action.UPDATE, reason="confirmed").exists()


def test_an_expired_confirmation_link_gets_a_clear_page_and_changes_nothing(visitor, pending):
    subscriber, link = pending
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = visitor.post(link)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING


@pytest.mark.parametrize(
    "tamper",
    [
        lambda link: link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:],
        lambda link: link.replace("/confirm/", "/confirm/x"),
    ],
)
def test_a_tampered_confirmation_link_gets_a_clear_page_and_changes_nothing(
    visitor, pending, tamper
):
    subscriber, link = pending
    response = visitor.post(tamper(link))
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING


def test_a_link_signed_for_another_purpose_or_subscriber_does_not_confirm(visitor, pending):
    subscriber, _ = pending
    preferences = services.preferences_token(subscriber)
    assert visitor.post(f"/subscribe/confirm/{preferences}/").status_code == 404
    forged = signing.dumps({"s": subscriber.pk, "f": "0" * 16}, salt=services.CONFIRM_SALT)
    assert visitor.post(f"/subscribe/confirm/{forged}/").status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING


def test_an_over_long_token_is_refused_unread(visitor):
    assert visitor.get("/subscribe/confirm/" + "a" * 400 + "/").status_code == 404


# --- preference centre ----------------------------------------------------------------------


@pytest.fixture
def subscriber():
    return make_subscriber("sam.diaz@example.test", interests=("newsletter", "events"))


def preferences_url(subscriber: Subscriber) -> str:
    return f"/subscribe/preferences/{services.preferences_token(subscriber)}/"


def test_preferences_change_interests_and_language(visitor, subscriber):
    url = preferences_url(subscriber)
    page = visitor.get(url)
    assert page.status_code == 200
    assert not page.cookies
    response = visitor.post(
        url,
        {"interests": ["youth_network"], "language": "es", "form_token": form_token(page)},
        **SAME_ORIGIN,
    )
    assert response.status_code == 200
    assert "Your choices are saved." in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.interests == ["youth_network"]
    assert subscriber.language == "es"


def test_a_preferences_post_without_the_form_token_changes_nothing(visitor, subscriber):
    response = visitor.post(
        preferences_url(subscriber), {"interests": [], "language": "es"}, **SAME_ORIGIN
    )
    assert response.status_code == 403
    subscriber.refresh_from_db()
    assert subscriber.interests == ["newsletter", "events"] and subscriber.language == "en"


def test_an_expired_preferences_link_gets_a_clear_page(visitor, subscriber):
    url = preferences_url(subscriber)
    with time_machine.travel(timezone.now() + timedelta(days=181)):
        response = visitor.get(url)
    assert response.status_code == 410
    assert "sign up again" in response.content.decode().lower()


def test_download_my_data_gives_everything_as_json_and_is_audited(visitor, subscriber):
    url = preferences_url(subscriber)
    token = form_token(visitor.get(url))
    response = visitor.post(url + "data/", {"form_token": token}, **SAME_ORIGIN)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["email"] == "sam.diaz@example.test"
    assert data["interests"] == ["newsletter", "events"]
    assert data["status"] == "confirmed"
    assert AuditEntry.objects.filter(action=Action.EXPORT, object_id=str(subscriber.pk)).exists()


def test_download_is_refused_without_the_form_token(visitor, subscriber):
    response = visitor.post(preferences_url(subscriber) + "data/", {}, **SAME_ORIGIN)
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_erase_asks_first_and_then_deletes_everything(visitor, subscriber):
    url = preferences_url(subscriber) + "erase/"
    page = visitor.get(url)
    assert page.status_code == 200
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()
    response = visitor.post(url, {"form_token": form_token(page)}, **SAME_ORIGIN)
    assert response.status_code == 200
    assert not Subscriber.objects.filter(pk=subscriber.pk).exists()
    # The old links stop working at once.
    assert visitor.get(preferences_url(subscriber)).status_code == 404


# --- one-click unsubscribe (RFC 8058) ---------------------------------------------------------


def one_click_url(subscriber: Subscriber) -> str:
    return f"/unsubscribe/one-click/{subscriber.unsubscribe_token}/"


def test_one_click_post_without_cookies_or_csrf_token_unsubscribes_at_once(visitor, subscriber):
    response = visitor.post(
        one_click_url(subscriber),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not response.cookies
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None


def test_one_click_accepts_a_multipart_post(visitor, subscriber):
    response = visitor.post(one_click_url(subscriber), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_one_click_takes_nothing_but_the_token(visitor, subscriber):
    # An empty body (or any other) still unsubscribes: the token in the URL is all it needs.
    response = visitor.post(one_click_url(subscriber), b"", content_type="text/plain")
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_a_get_of_the_one_click_link_only_shows_a_button(visitor, subscriber):
    page = visitor.get(one_click_url(subscriber))
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED


def test_a_tampered_unsubscribe_token_gets_a_clear_page_and_changes_nothing(visitor, subscriber):
    token = subscriber.unsubscribe_token
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = visitor.post(f"/unsubscribe/one-click/{tampered}/")
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED


def test_unsubscribing_twice_is_harmless(visitor, subscriber):
    assert visitor.post(one_click_url(subscriber)).status_code == 200
    assert visitor.post(one_click_url(subscriber)).status_code == 200
    assert (
        AuditEntry.objects.filter(action=Action.UPDATE, reason="unsubscribed: one-click").count()
        == 1
    )


def test_the_spanish_one_click_link_works_too(visitor, subscriber):
    response = visitor.post("/es" + one_click_url(subscriber))
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_pages_reached_from_an_e_mail_are_never_cached(visitor, subscriber):
    for url in (
        preferences_url(subscriber),
        preferences_url(subscriber) + "erase/",
        one_click_url(subscriber),
        "/es" + one_click_url(subscriber),
        "/subscribe/",
    ):
        response = visitor.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
