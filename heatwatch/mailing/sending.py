"""Sending a newsletter: each subscriber gets it once, even when a worker runs twice, two run
at once, or one is killed mid-send (docs/mailing.md, "Exactly once").

1. ``deliveries_queue`` creates one claim row per recipient; a unique constraint (newsletter,
   subscriber) means a second run adds none.
2. A worker claims a batch (``deliveries_claim``: a conditional UPDATE from ``queued``, so a row
   is one worker's only), opens one SMTP connection for the batch, and for each row:
   re-checks the subscriber is still confirmed (else ``skipped``), commits ``handing`` with the
   row's fixed Message-ID, hands the message to SMTP, then commits ``accepted`` (or ``failed``
   with the reply). Each step is conditional on the worker still holding the row.
3. A worker whose lease ran out (killed) has its rows given back: ``claimed`` rows were never
   handed to SMTP; ``handing`` rows are the one unavoidable window (the server may have
   accepted the message before the commit) and go out again with the same Message-ID.
"""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.utils import timezone

from heatwatch.mailing import emails, services
from heatwatch.mailing.models import Delivery, DeliveryStatus, Newsletter, SubscriberStatus

logger = logging.getLogger(__name__)


@dataclass
class BatchResult:
    accepted: int = 0
    failed: int = 0
    skipped: int = 0
    lost: int = 0  # rows another worker took over (this one's lease ran out)
    deferred: int = 0  # temporary failures (4xx), queued again for later


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _temporary(exc: Exception) -> bool:
    """A 4xx reply: the server asks us to try again later (greylisting, a full queue)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return False


def _smtp_reason(exc: Exception, *, address: str) -> str:
    """The SMTP reply of a refusal, with the recipient's address taken out (servers often
    quote it)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {_text(msg)}" for code, msg in exc.recipients.values()]
        reason = "refused: " + "; ".join(codes)
    elif isinstance(exc, smtplib.SMTPResponseException):
        reason = f"{exc.smtp_code} {_text(exc.smtp_error)}"
    else:
        reason = type(exc).__name__
    return re.sub(re.escape(address), "<recipient>", reason, flags=re.IGNORECASE)[:300]


def _send_one(connection: object, delivery: Delivery, claim: str, result: BatchResult) -> None:
    subscriber = delivery.subscriber
    if subscriber is None or subscriber.status != SubscriberStatus.CONFIRMED:
        # Unsubscribed, suppressed or erased since the row was queued: never mailed.
        services.delivery_mark(
            delivery=delivery, claim=claim, status=DeliveryStatus.SKIPPED, expect="claimed"
        )
        result.skipped += 1
        return
    message_id = delivery.message_id or emails.message_id_for(delivery)
    delivery.message_id = message_id
    try:
        # Built and serialised before anything is handed over: a message that cannot be built
        # (a header with a line break, say) fails alone and is never retried.
        message = emails.newsletter_message(delivery=delivery)
        message.message()
    except Exception as exc:  # noqa: BLE001 - recorded on the row, the batch goes on
        logger.exception("mailing: could not build the message of delivery %s", delivery.pk)
        services.delivery_mark(
            delivery=delivery,
            claim=claim,
            status=DeliveryStatus.FAILED,
            expect=DeliveryStatus.CLAIMED,
            error=f"message not built: {type(exc).__name__}",
        )
        result.failed += 1
        return
    if not services.delivery_mark(
        delivery=delivery,
        claim=claim,
        status=DeliveryStatus.HANDING,
        expect=DeliveryStatus.CLAIMED,
        message_id=message_id,
        handed_at=timezone.now(),
        attempts=delivery.attempts + 1,
    ):
        result.lost += 1
        return
    delivery.attempts += 1
    try:
        connection.send_messages([message])  # type: ignore[attr-defined]
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        # The server refused this message: nothing was delivered, the reason is kept.
        reason = _smtp_reason(exc, address=subscriber.email)
        if _temporary(exc):
            services.delivery_retry_later(delivery=delivery, claim=claim, error=reason)
            result.deferred += 1
            return
        services.delivery_mark(
            delivery=delivery,
            claim=claim,
            status=DeliveryStatus.FAILED,
            expect=DeliveryStatus.HANDING,
            error=reason,
        )
        result.failed += 1
        return
    # From the server's "250" to this commit is the one window a crash leaves in doubt.
    services.delivery_mark(
        delivery=delivery,
        claim=claim,
        status=DeliveryStatus.ACCEPTED,
        expect=DeliveryStatus.HANDING,
        accepted_at=timezone.now(),
    )
    result.accepted += 1


def send_batch(*, newsletter: Newsletter) -> BatchResult | None:
    """Claim one batch and send it over one SMTP connection; None when nothing is queued.

    A connection failure (the server went away) leaves the row being handed in ``handing`` and
    the rest ``claimed``: their lease runs out and another run takes them up.
    """
    claim, rows = services.deliveries_claim(
        newsletter=newsletter, size=settings.HEATWATCH_MAILING_BATCH_SIZE
    )
    if not rows:
        return None
    result = BatchResult()
    connection = get_connection(fail_silently=False)
    connection.open()
    try:
        for delivery in rows:
            _send_one(connection, delivery, claim, result)
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - the batch's records are already written
            logger.warning("mailing: closing the SMTP connection failed")
    return result


def send_newsletter(*, newsletter_id: int) -> BatchResult:
    """Queue a newsletter's recipients (idempotent) and send every queued row; safe to run twice,
    or in several workers at once."""
    total = BatchResult()
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    if newsletter is None or newsletter.status == "draft":
        return total
    if newsletter.status == "sending":
        services.deliveries_queue(newsletter=newsletter)
    services.deliveries_release_expired(newsletter=newsletter)
    while (batch := send_batch(newsletter=newsletter)) is not None:
        for name in ("accepted", "failed", "skipped", "lost", "deferred"):
            setattr(total, name, getattr(total, name) + getattr(batch, name))
    services.newsletter_finish_if_done(newsletter=newsletter)
    return total
