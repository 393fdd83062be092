"""Sending at scale: pacing, pause and resume, permanent refusals marking the address, the VERP
envelope sender with its HMAC token, and DKIM signing (verified as a receiver would)."""

from __future__ import annotations

import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from heatwatch.mailing import emails, sending, services, tasks
from heatwatch.mailing.models import (
    Bounce,
    Delivery,
    DeliveryStatus,
    Newsletter,
    NewsletterStatus,
    Subscriber,
    SubscriberStatus,
)
from heatwatch.mailing.tests.conftest import make_subscriber
from heatwatch.mailing.tests.test_sending import newsletter

pytestmark = pytest.mark.django_db


def test_the_pacer_keeps_to_the_rate_without_waiting_in_the_test():
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = sending.Pacer(rate=4, clock=lambda: now[0], sleep=sleep)
    for _ in range(9):
        pacer.wait()
    # 9 messages at 4 a second: the first goes at once, then one every 0.25 s.
    assert now[0] == pytest.approx(102.0)
    assert all(s == pytest.approx(0.25) for s in slept)
    assert sending.Pacer(rate=0).wait() is None  # no limit: never sleeps


def test_a_paused_send_stops_before_its_next_batch_and_resumes_where_it_stopped(
    smtp_sink, settings, personas, login, django_capture_on_commit_callbacks
):
    settings.HEATWATCH_MAILING_BATCH_SIZE = 2
    for i in range(5):
        make_subscriber(f"reader{i}@example.test")
    item = newsletter()
    # The coordinator pauses while the first batch is out: the run stops after it.
    original = sending.send_batch
    calls = []

    def pause_after_first(**kwargs):
        result = original(**kwargs)
        if not calls:
            services.newsletter_pause(
                newsletter=item, by=personas.coordinator, version=item.version
            )
        calls.append(result)
        return result

    sending.send_batch = pause_after_first
    try:
        tasks.send_newsletter.enqueue(newsletter_id=item.pk)
    finally:
        sending.send_batch = original
    assert len(smtp_sink.received) == 2
    item.refresh_from_db()
    assert item.status == NewsletterStatus.PAUSED
    # The periodic resume job leaves a paused send alone.
    tasks.resume_sending.enqueue()
    assert len(smtp_sink.received) == 2
    # A stale resume (an old version) changes nothing: 409 on the page.
    coordinator = login(Client(), personas.coordinator)
    item.refresh_from_db()
    stale = coordinator.post(f"/staff/mailing/{item.pk}/resume/", {"version": item.version - 1})
    assert stale.status_code == 409
    assert "changed since you loaded the page" in stale.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.newsletter_resume(newsletter=item, by=personas.coordinator, version=item.version)
    assert smtp_sink.per_recipient() == {f"reader{i}@example.test": 1 for i in range(5)}
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SENT


def test_a_stale_pause_is_refused(personas):
    item = newsletter()
    with pytest.raises(services.StaleNewsletter):
        services.newsletter_pause(
            newsletter=item, by=personas.coordinator, version=item.version + 1
        )
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SENDING


def test_a_permanent_refusal_suppresses_the_address(smtp_sink):
    make_subscriber("gone@example.test")
    make_subscriber("here@example.test")
    smtp_sink.refuse.add("gone@example.test")
    tasks.send_newsletter.enqueue(newsletter_id=newsletter().pk)
    gone = Subscriber.objects.get(email_index=services.email_index("gone@example.test"))
    assert gone.status == SubscriberStatus.SUPPRESSED
    assert gone.suppressed_reason.startswith("hard bounce: SMTP refused: 550")
    assert "gone@example.test" not in gone.suppressed_reason
    assert Bounce.objects.get(subscriber=gone).kind == "hard"
    # The next newsletter skips the address.
    tasks.send_newsletter.enqueue(newsletter_id=newsletter(subject="Spring").pk)
    assert smtp_sink.per_recipient()["here@example.test"] == 2
    assert "gone@example.test" not in smtp_sink.per_recipient()


def test_each_message_has_its_own_verp_envelope_sender_and_a_forged_one_is_refused(
    smtp_sink, settings
):
    settings.HEATWATCH_MAILING_BOUNCE_ADDRESS = "bounces@bayview.example"
    reader = make_subscriber("ana@example.test")
    tasks.send_newsletter.enqueue(newsletter_id=newsletter().pk)
    (received,) = smtp_sink.received
    delivery = Delivery.objects.get(subscriber=reader)
    assert received.mail_from.startswith(f"bounces+{delivery.pk}-")
    assert received.mail_from.endswith("@bayview.example")
    assert received.message["From"] == settings.DEFAULT_FROM_EMAIL
    assert emails.delivery_from_verp(received.mail_from) == delivery.pk
    assert emails.delivery_from_verp(received.mail_from.upper()) == delivery.pk
    forged = received.mail_from.replace(f"+{delivery.pk}-", f"+{delivery.pk + 1}-")
    assert emails.delivery_from_verp(forged) is None
    signature = received.mail_from.split("-", 1)[1].split("@")[0]
    altered = received.mail_from.replace(signature, "0" * len(signature))
    assert emails.delivery_from_verp(altered) is None
    assert emails.delivery_from_verp("someone@example.test") is None


def test_messages_are_dkim_signed_over_the_list_headers(smtp_sink, settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings.HEATWATCH_MAILING_DKIM_DOMAIN = "bayview.example"
    settings.HEATWATCH_MAILING_DKIM_SELECTOR = "hw2026"
    settings.HEATWATCH_MAILING_DKIM_PRIVATE_KEY = pem.decode()
    make_subscriber("ana@example.test")
    tasks.send_newsletter.enqueue(newsletter_id=newsletter().pk)
    (received,) = smtp_sink.received
    raw = received.raw
    header = received.message["DKIM-Signature"]
    assert "d=bayview.example" in header and "s=hw2026" in header
    signed = header.replace(" ", "").replace("\n", "").lower()
    assert "list-unsubscribe:list-unsubscribe-post" in signed

    def dns(name, timeout=5):
        assert name == b"hw2026._domainkey.bayview.example."
        return b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    assert dkim.verify(raw, dnsfunc=dns)
    # Altering a signed header breaks the signature.
    assert not dkim.verify(raw.replace(b"Winter newsletter", b"Winter newsletter!"), dnsfunc=dns)


def test_without_dkim_settings_nothing_is_signed(smtp_sink):
    make_subscriber("ana@example.test")
    tasks.send_newsletter.enqueue(newsletter_id=newsletter().pk)
    (received,) = smtp_sink.received
    assert received.message["DKIM-Signature"] is None
    assert Newsletter.objects.get().deliveries.get().status == DeliveryStatus.ACCEPTED
