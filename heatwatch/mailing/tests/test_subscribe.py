"""The public sign-up: double opt-in, idempotent, and silent about who is on the list."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from heatwatch.mailing import services
from heatwatch.mailing.models import Subscriber, SubscriberStatus
from heatwatch.mailing.tests.conftest import SAME_ORIGIN, TOKEN_RE, form_token, make_subscriber


def same_page(a, b) -> bool:
    """Byte for byte the same, but for the footer sign-up form's fresh token (a new one on
    every page, whatever the address)."""
    return TOKEN_RE.sub("", a.content.decode()) == TOKEN_RE.sub("", b.content.decode())


pytestmark = pytest.mark.django_db

VALID = {
    "email": "ana.reyes@example.test",
    "name": "Ana",
    "organisation": "Bayview Youth Club",
    "interests": ["newsletter", "trainings"],
    "language": "en",
}


def post_form(visitor, data, path="/subscribe/"):
    token = form_token(visitor.get(path))
    response = visitor.post(path, {**data, "form_token": token}, **SAME_ORIGIN)
    visitor.cookies.clear()
    return response


def test_the_page_sets_no_cookie_and_is_spanish_under_es(visitor):
    page = visitor.get("/subscribe/")
    assert page.status_code == 200
    assert not page.cookies
    spanish = visitor.get("/es/subscribe/")
    assert spanish.status_code == 200
    assert '<html lang="es">' in spanish.content.decode()
    assert re.search(r'value="es"[^>]* checked', spanish.content.decode())


def test_sign_up_stores_a_pending_subscriber_and_mails_a_confirmation_link(
    visitor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(visitor, VALID)
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert not response.cookies
    subscriber = Subscriber.objects.get()
    assert subscriber.status == SubscriberStatus.PENDING
    assert subscriber.interests == ["newsletter", "trainings"]
    assert [m.to for m in mailoutbox] == [["ana.reyes@example.test"]]
    assert "/subscribe/confirm/" in mailoutbox[0].body


def test_the_address_is_encrypted_at_rest_and_found_by_its_blind_index(visitor):
    post_form(visitor, VALID)
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, name, organisation, email_index FROM mailing_subscriber")
        row = cursor.fetchone()
    assert "ana.reyes" not in " ".join(row)
    assert "Bayview Youth" not in row[2]
    assert row[3] == services.email_index("  ANA.Reyes@Example.TEST ")


def test_subscribing_twice_gives_the_same_answer_and_one_row(
    visitor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = post_form(visitor, VALID)
        second = post_form(visitor, {**VALID, "email": "ANA.REYES@example.test "})
    assert first.status_code == second.status_code == 200
    assert same_page(first, second)
    assert Subscriber.objects.count() == 1
    assert len(mailoutbox) == 2  # a new confirmation link each time


def test_an_address_already_confirmed_gets_the_same_page_and_keeps_its_choices(
    visitor, mailoutbox, django_capture_on_commit_callbacks
):
    new = post_form(visitor, {**VALID, "email": "someone.else@example.test"})
    make_subscriber("ana.reyes@example.test", interests=("events",), language="es")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = post_form(visitor, VALID)
    assert again.status_code == new.status_code == 200
    assert same_page(again, new)
    subscriber = Subscriber.objects.get(email_index=services.email_index(VALID["email"]))
    assert subscriber.status == SubscriberStatus.CONFIRMED
    assert subscriber.interests == ["events"] and subscriber.language == "es"
    # The address itself is told it is already subscribed, with its preference link.
    assert len(mailoutbox) == 1
    assert "/es/subscribe/preferences/" in mailoutbox[0].body
    assert "/subscribe/confirm/" not in mailoutbox[0].body


def test_a_malformed_address_is_refused_and_what_was_typed_is_kept(visitor):
    response = post_form(visitor, {**VALID, "email": "ana.reyes@@example"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="ana.reyes@@example"' in page
    assert 'value="Bayview Youth Club"' in page
    assert "usa-error-message" in page
    assert not Subscriber.objects.exists()


def test_over_long_answers_are_refused(visitor):
    response = post_form(visitor, {**VALID, "name": "x" * 121})
    assert response.status_code == 400
    assert not Subscriber.objects.exists()


def test_at_least_one_interest_is_needed(visitor):
    response = post_form(visitor, {**VALID, "interests": []})
    assert response.status_code == 400
    assert "Choose at least one." in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_filled_honeypot_gets_the_same_answer_and_stores_nothing(visitor, mailoutbox):
    real = post_form(visitor, {**VALID, "email": "real.person@example.test"})
    bot = post_form(visitor, {**VALID, "website": "http://spam.example"})
    assert bot.status_code == 200
    assert same_page(bot, real)
    assert Subscriber.objects.count() == 1


def test_a_post_without_the_form_token_is_refused_and_keeps_what_was_typed(visitor):
    response = visitor.post("/subscribe/", VALID, **SAME_ORIGIN)
    assert response.status_code == 403
    assert 'value="ana.reyes@example.test"' in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_post_from_another_site_is_refused(visitor):
    token = form_token(visitor.get("/subscribe/"))
    response = visitor.post(
        "/subscribe/",
        {**VALID, "form_token": token},
        HTTP_ORIGIN="https://evil.example",
        HTTP_SEC_FETCH_SITE="cross-site",
    )
    assert response.status_code == 403
    assert not Subscriber.objects.exists()


def test_too_many_sign_ups_from_one_source_are_refused(visitor, settings):
    settings.HEATWATCH_MAILING_SUBSCRIBES_PER_HOUR = 2
    for n in range(2):
        assert post_form(visitor, {**VALID, "email": f"p{n}@example.test"}).status_code == 200
    response = post_form(visitor, {**VALID, "email": "p9@example.test"})
    assert response.status_code == 429
    assert 'value="p9@example.test"' in response.content.decode()
    assert Subscriber.objects.count() == 2


def test_confirmation_mails_to_one_address_are_limited_per_day(
    visitor, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.HEATWATCH_MAILING_CONFIRM_MAILS_PER_DAY = 2
    with django_capture_on_commit_callbacks(execute=True):
        answers = {TOKEN_RE.sub("", post_form(visitor, VALID).content.decode()) for _ in range(4)}
    assert len(answers) == 1
    assert len(mailoutbox) == 2


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_compact_footer_form_signs_up_for_the_newsletter_in_the_page_language(
    visitor, language
):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(language):
        form = render_to_string("mailing/_footer_signup.html", {"LANGUAGE_CODE": language})
    action = re.search(r'action="([^"]+)"', form).group(1)
    assert action == ("/es/subscribe/" if language == "es" else "/subscribe/")
    fields = dict(re.findall(r'name="(\w+)"[^>]*?value="([^"]*)"', form))
    response = visitor.post(
        action, {**fields, "email": "footer@example.test", "website": ""}, **SAME_ORIGIN
    )
    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.interests == ["newsletter"]
    assert subscriber.language == language
    assert subscriber.status == SubscriberStatus.PENDING
