"""Sending a newsletter through the task, to a real local SMTP sink (aiosmtpd): the headers of
RFC 8058, both parts, and each subscriber exactly once however often the task runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from heatwatch.mailing import sending, services, tasks
from heatwatch.mailing.models import Delivery, DeliveryStatus, Newsletter, NewsletterStatus
from heatwatch.mailing.tests.conftest import make_subscriber

pytestmark = pytest.mark.django_db

READERS = ["ana@example.test", "ben@example.test", "cruz@example.test"]


@pytest.fixture
def readers():
    return [make_subscriber(address) for address in READERS]


def newsletter(**overrides) -> Newsletter:
    item = services.newsletter_create(
        subject=overrides.pop("subject", "Winter newsletter"),
        body=overrides.pop("body", "Three trainings this winter.\n\nSee you there."),
        interest=overrides.pop("interest", "newsletter"),
        language=overrides.pop("language", ""),
        by=None,
    )
    # Started as the coordinator's "send" does, without running the task yet.
    Newsletter.objects.filter(pk=item.pk).update(
        status=NewsletterStatus.SENDING, queued_at=timezone.now()
    )
    item.refresh_from_db()
    return item


def run(item: Newsletter) -> None:
    tasks.send_newsletter.enqueue(newsletter_id=item.pk)


def test_each_reader_gets_one_message_with_the_list_headers_and_both_parts(smtp_sink, readers):
    item = newsletter()
    run(item)
    assert smtp_sink.per_recipient() == dict.fromkeys(READERS, 1)
    for reader in readers:
        (message,) = smtp_sink.to(reader.email)
        token = reader.unsubscribe_token
        assert message["List-Unsubscribe"].strip() == (
            f"<http://127.0.0.1:8000/unsubscribe/one-click/{token}/>"
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Subject"] == "Winter newsletter"
        delivery = Delivery.objects.get(subscriber=reader)
        assert message["Message-ID"] == delivery.message_id
        assert delivery.status == DeliveryStatus.ACCEPTED and delivery.accepted_at
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert "Three trainings this winter." in text and "Three trainings this winter." in html
        # A visible unsubscribe link in both bodies, and the preference centre.
        assert f"/unsubscribe/one-click/{token}/" in text
        assert f"/unsubscribe/one-click/{token}/" in html
        assert "/subscribe/preferences/" in text
        # CSS inlined: no style sheet left for mail clients to drop.
        assert "<style" not in html and 'style="' in html
        # No tracking: no image at all, and links point only at our own site.
        assert "<img" not in html
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SENT and item.finished_at


def test_a_spanish_reader_gets_spanish_links(smtp_sink):
    make_subscriber("dolores@example.test", language="es")
    run(newsletter())
    (message,) = smtp_sink.to("dolores@example.test")
    assert "/es/unsubscribe/one-click/" in message["List-Unsubscribe"]


def test_running_the_send_task_twice_sends_each_reader_once(smtp_sink, readers):
    item = newsletter()
    run(item)
    run(item)
    Newsletter.objects.filter(pk=item.pk).update(status=NewsletterStatus.SENDING)
    run(item)  # even if the newsletter were started again, the claim rows stand
    assert smtp_sink.per_recipient() == dict.fromkeys(READERS, 1)
    assert Delivery.objects.filter(newsletter=item).count() == 3


def test_unsubscribed_unconfirmed_and_uninterested_addresses_are_not_mailed(
    smtp_sink, readers, visitor
):
    make_subscriber("pending@example.test", confirm=False)
    make_subscriber("events.only@example.test", interests=("events",))
    gone = make_subscriber("gone@example.test")
    visitor.post(f"/unsubscribe/one-click/{gone.unsubscribe_token}/")
    run(newsletter())
    assert set(smtp_sink.per_recipient()) == set(READERS)


def test_the_language_of_a_newsletter_limits_its_audience(smtp_sink, readers):
    make_subscriber("elena@example.test", language="es")
    run(newsletter(language="es"))
    assert smtp_sink.per_recipient() == {"elena@example.test": 1}


def test_an_address_unsubscribed_after_queueing_is_skipped(smtp_sink, readers):
    item = newsletter()
    services.deliveries_queue(newsletter=item)
    services.unsubscribe(subscriber=readers[1], how="test")
    run(item)
    assert set(smtp_sink.per_recipient()) == {READERS[0], READERS[2]}
    assert Delivery.objects.get(subscriber=readers[1]).status == DeliveryStatus.SKIPPED


def test_a_refused_recipient_is_recorded_as_failed_with_the_reason(smtp_sink, readers):
    smtp_sink.refuse.add(READERS[0])
    item = newsletter()
    run(item)
    failed = Delivery.objects.get(subscriber=readers[0])
    assert failed.status == DeliveryStatus.FAILED
    assert failed.error == "refused: 550 5.1.1 <<recipient>>: No such user here"
    assert set(smtp_sink.per_recipient()) == {READERS[1], READERS[2]}
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SENT


def test_a_message_refused_after_its_final_dot_fails_alone(smtp_sink, readers):
    # The worker reads the server's verdict on a message only after building the next one:
    # a refusal of the message itself still lands on its own row, and the next rows go out.
    smtp_sink.refuse_data.add(READERS[1])
    item = newsletter()
    run(item)
    rows = {row.subscriber_id: row for row in Delivery.objects.filter(newsletter=item)}
    refused = rows[readers[1].pk]
    assert refused.status == DeliveryStatus.FAILED
    assert refused.error == "554 5.7.1 Message refused by the content filter"
    for reader in (readers[0], readers[2]):
        assert rows[reader.pk].status == DeliveryStatus.ACCEPTED
    assert smtp_sink.per_recipient() == {READERS[0]: 1, READERS[2]: 1}
    readers[1].refresh_from_db()
    assert readers[1].status == "confirmed"  # a refused message is not a refused address


def test_a_row_taken_over_mid_batch_is_not_sent_and_the_batch_goes_on(smtp_sink, readers):
    # The worker opens each message's SMTP transaction before it writes "handing"; a row
    # another worker has taken over by then (this one's lease ran out) is withdrawn unsent.
    item = newsletter()
    services.deliveries_queue(newsletter=item)
    second = Delivery.objects.filter(newsletter=item).order_by("pk")[1]
    taken: list[int] = []

    def other_worker_takes_the_second_row(_seconds: float) -> None:
        if not taken:  # the pacer's first wait comes just before the second hand-over
            taken.append(Delivery.objects.filter(pk=second.pk).update(claim_token="another"))

    pacer = sending.Pacer(rate=1000, clock=lambda: 0.0, sleep=other_worker_takes_the_second_row)
    result = sending.send_batch(newsletter=item, pacer=pacer)
    assert taken == [1]
    assert (result.accepted, result.lost) == (2, 1)
    sent = smtp_sink.per_recipient()
    assert sent == {r.email: 1 for r in readers if r.pk != second.subscriber_id}
    assert Delivery.objects.get(pk=second.pk).status == DeliveryStatus.CLAIMED


def test_a_line_starting_with_a_dot_arrives_whole(smtp_sink, readers):
    item = newsletter(body="Before the dot.\n\n.hidden line\n\n.\n\nAfter the dot.")
    run(item)
    (message,) = smtp_sink.to(READERS[0])
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert ".hidden line" in text and "After the dot." in text
    assert smtp_sink.per_recipient() == dict.fromkeys(READERS, 1)


def test_two_workers_never_claim_the_same_row(readers):
    item = newsletter()
    services.deliveries_queue(newsletter=item)
    first_claim, first = services.deliveries_claim(newsletter=item, size=2)
    second_claim, second = services.deliveries_claim(newsletter=item, size=2)
    assert len(first) == 2 and len(second) == 1
    assert not {d.pk for d in first} & {d.pk for d in second}
    assert services.deliveries_claim(newsletter=item, size=2)[1] == []


def test_a_live_workers_claim_is_left_alone(smtp_sink, readers):
    item = newsletter()
    services.deliveries_queue(newsletter=item)
    _, held = services.deliveries_claim(newsletter=item, size=1)
    run(item)  # a second worker, while the first still holds its lease
    assert held[0].subscriber.email not in smtp_sink.per_recipient()
    assert len(smtp_sink.received) == 2
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SENDING  # not finished while a row is held


def test_rows_of_a_killed_worker_are_sent_once_after_its_lease(smtp_sink, readers):
    item = newsletter()
    services.deliveries_queue(newsletter=item)
    _, held = services.deliveries_claim(newsletter=item, size=3)
    # The worker dies before handing anything to SMTP; its lease runs out.
    Delivery.objects.filter(newsletter=item).update(lease_until=timezone.now() - timedelta(1))
    run(item)
    assert smtp_sink.per_recipient() == dict.fromkeys(READERS, 1)
    assert len(held) == 3


def test_a_row_in_doubt_goes_out_again_with_its_own_message_id(smtp_sink, readers):
    """The one unavoidable window: handed to SMTP, maybe accepted, not recorded. The copy
    carries the same Message-ID, so an MTA or reader that de-duplicates drops it."""
    item = newsletter()
    services.deliveries_queue(newsletter=item)
    claim, (row, *_) = services.deliveries_claim(newsletter=item, size=1)
    assert services.delivery_mark(
        delivery=row,
        claim=claim,
        status=DeliveryStatus.HANDING,
        expect=DeliveryStatus.CLAIMED,
        message_id="<in-doubt.1@127.0.0.1>",
        attempts=1,
    )
    Delivery.objects.filter(pk=row.pk).update(lease_until=timezone.now() - timedelta(1))
    run(item)
    (message,) = smtp_sink.to(row.subscriber.email)
    assert message["Message-ID"] == "<in-doubt.1@127.0.0.1>"
    row.refresh_from_db()
    assert row.status == DeliveryStatus.ACCEPTED and row.attempts == 2


def test_a_draft_is_never_sent_by_the_task(smtp_sink, readers):
    item = services.newsletter_create(
        subject="Draft", body="Not yet.", interest="newsletter", language="", by=None
    )
    run(item)
    assert smtp_sink.received == []
    assert sending.send_newsletter(newsletter_id=10_000).accepted == 0


def test_the_periodic_resume_finishes_a_send_whose_worker_died(
    smtp_sink, readers, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    item = newsletter()
    services.deliveries_queue(newsletter=item)
    services.deliveries_claim(newsletter=item, size=3)
    Delivery.objects.filter(newsletter=item).update(lease_until=timezone.now() - timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tick", "--all", stdout=None)
    assert smtp_sink.per_recipient() == dict.fromkeys(READERS, 1)
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SENT


def test_a_message_that_cannot_be_built_fails_alone_and_is_not_retried(smtp_sink, readers):
    item = newsletter(subject="Broken\nBcc: someone@example.test")
    run(item)
    assert smtp_sink.received == []
    assert set(Delivery.objects.values_list("status", "error")) == {
        (DeliveryStatus.FAILED, "message not built: BadHeaderError")
    }
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SENT


def test_a_message_whose_hand_over_keeps_being_interrupted_is_given_up(smtp_sink, readers):
    item = newsletter()
    services.deliveries_queue(newsletter=item)
    Delivery.objects.filter(subscriber=readers[0]).update(
        status=DeliveryStatus.HANDING,
        attempts=services.MAX_ATTEMPTS,
        lease_until=timezone.now() - timedelta(1),
    )
    run(item)
    assert set(smtp_sink.per_recipient()) == {READERS[1], READERS[2]}
    assert Delivery.objects.get(subscriber=readers[0]).error.startswith("given up after 5")


def test_a_temporary_failure_is_retried_later_with_a_growing_delay(smtp_sink, readers):
    import time_machine

    smtp_sink.defer.add(READERS[0])
    item = newsletter()
    run(item)
    row = Delivery.objects.get(subscriber=readers[0])
    assert row.status == DeliveryStatus.QUEUED and row.attempts == 1
    assert row.error == "refused: 451 4.7.1 Greylisted, please try again later"
    assert timedelta(minutes=4) < row.retry_at - timezone.now() <= timedelta(minutes=5)
    run(item)  # too early: not tried again
    assert Delivery.objects.get(pk=row.pk).attempts == 1
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SENDING  # not finished while a row waits
    smtp_sink.defer.clear()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        run(item)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.ACCEPTED and row.attempts == 2
    assert smtp_sink.per_recipient() == dict.fromkeys(READERS, 1)


def test_a_temporary_failure_is_given_up_after_five_attempts(smtp_sink, readers):
    import time_machine

    smtp_sink.defer.add(READERS[0])
    item = newsletter()
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        for _ in range(services.MAX_ATTEMPTS):
            run(item)
            traveller.shift(timedelta(hours=2))
    row = Delivery.objects.get(subscriber=readers[0])
    assert row.status == DeliveryStatus.FAILED and row.attempts == services.MAX_ATTEMPTS
    assert row.error.endswith("(given up after 5 attempts)")
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SENT


def test_the_fast_serialiser_writes_the_message_djangos_would(smtp_sink):
    """The worker writes each message from a per-language frame (emails.message_bytes); what a
    mail client parses from it is what Django's own message of the same newsletter says:
    headers, both parts, the reader's links, non-ASCII text and long lines intact."""
    from email import message_from_bytes, policy

    from heatwatch.mailing import emails

    make_subscriber("dolores@example.test", language="es")
    long_line = "Capacitación para escuelas = talleres " * 12  # over 76 characters, with "="
    item = newsletter(subject="Boletín de invierno: ñandú", body=f"Tres talleres.\n\n{long_line}")
    services.deliveries_queue(newsletter=item)
    delivery = Delivery.objects.select_related("subscriber", "newsletter").get()
    renderer = emails.NewsletterRenderer(item)
    fast = message_from_bytes(renderer.message_bytes(delivery=delivery), policy=policy.default)
    reference = message_from_bytes(
        renderer.message(delivery=delivery).message().as_bytes(linesep="\r\n"),
        policy=policy.default,
    )
    for header in ("Subject", "From", "To", "Message-ID", "List-Unsubscribe",
                   "List-Unsubscribe-Post", "MIME-Version"):  # fmt: skip
        assert str(fast[header]).strip() == str(reference[header]).strip(), header
    assert fast["Subject"] == "Boletín de invierno: ñandú"
    assert fast.get_content_type() == "multipart/alternative" and fast["Date"]
    for kind in ("plain", "html"):
        ours = fast.get_body(preferencelist=(kind,)).get_content()
        theirs = reference.get_body(preferencelist=(kind,)).get_content()
        assert ours.strip() == theirs.strip(), kind
        assert long_line.strip() in " ".join(ours.split()) or kind == "html"
    assert delivery.subscriber.unsubscribe_token in fast.get_body(("plain",)).get_content()
    links = emails.links_for(delivery.subscriber)
    assert links["unsubscribe"] in fast.get_body(("plain",)).get_content()
    assert f"<{links['unsubscribe']}>" == str(fast["List-Unsubscribe"]).strip()
    assert links["preferences"] in fast.get_body(("plain",)).get_content()
    data = renderer.message_bytes(delivery=delivery)
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_an_internationalised_address_is_written_by_the_email_package(smtp_sink):
    from email import message_from_bytes, policy

    from heatwatch.mailing import emails

    make_subscriber("josé@ejemplo.test")
    item = newsletter()
    services.deliveries_queue(newsletter=item)
    delivery = Delivery.objects.select_related("subscriber", "newsletter").get()
    data = emails.NewsletterRenderer(item).message_bytes(delivery=delivery)
    parsed = message_from_bytes(data, policy=policy.default)
    assert parsed["To"] and "Winter newsletter" == parsed["Subject"]
