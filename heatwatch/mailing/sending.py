"""Sending a newsletter: each subscriber gets it once, even when a worker runs twice, two run
at once, or one is killed mid-send (docs/mailing.md, "Exactly once").

1. ``deliveries_queue`` creates one claim row per recipient; a unique constraint (newsletter,
   subscriber) means a second run adds none.
2. A worker claims a batch (``deliveries_claim``: a conditional UPDATE from ``queued``, so a row
   is one worker's only), opens one SMTP connection for the batch, and for each row:
   re-checks the subscriber is still confirmed (else ``skipped``), commits ``handing`` with the
   row's fixed Message-ID, hands the message to SMTP, and records ``accepted`` (or ``failed``
   with the reply). The "accepted" of one row is committed with the "handing" of the next (or
   at the batch's end): one commit per message, and at most one row in doubt at any time.
   Each step is conditional on the worker still holding the row.
   The batch goes over one reused SMTP connection, at most HEATWATCH_MAILING_RATE_PER_SECOND
   messages a second, each from its own VERP envelope sender and DKIM-signed when configured;
   a pause (the coordinator's) stops the run before its next batch.
3. A worker whose lease ran out (killed) has its rows given back: ``claimed`` rows were never
   handed to SMTP; ``handing`` rows are the one unavoidable window (the server may have
   accepted the message before the commit) and go out again with the same Message-ID.
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from heatwatch.mailing import bounces, emails, services
from heatwatch.mailing.models import (
    Delivery,
    DeliveryStatus,
    Newsletter,
    NewsletterStatus,
    SubscriberStatus,
)

logger = logging.getLogger(__name__)


@dataclass
class BatchResult:
    accepted: int = 0
    failed: int = 0
    skipped: int = 0
    lost: int = 0  # rows another worker took over (this one's lease ran out)
    deferred: int = 0  # temporary failures (4xx), queued again for later


@dataclass
class Pacer:
    """Keeps a worker at or under ``rate`` messages a second (0: no limit). The clock and the
    sleep are parameters so the pacing is tested without waiting."""

    rate: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: float = field(default=0.0, init=False)

    def wait(self) -> None:
        """Return when the next message may go."""
        if self.rate <= 0:
            return
        now = self.clock()
        if self._next > now:
            self.sleep(self._next - now)
            now = self._next
        self._next = max(now, self._next) + 1.0 / self.rate


def _permanent_refusal(exc: Exception) -> bool:
    """The server refused the recipient itself for good (5xx at RCPT): the address is marked."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
        500 <= code < 600 for code, _ in exc.recipients.values()
    )


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


@dataclass
class _Run:
    """What one batch shares: the SMTP connection, the renderer, the pacer, the counts, and the
    row the server last accepted whose "accepted" is not yet written (see ``_send_one``)."""

    connection: Any
    renderer: emails.NewsletterRenderer
    pacer: Pacer
    result: BatchResult
    claim: str = ""
    accepted: Delivery | None = None
    accepted_at: Any = None

    def mark(self, delivery: Delivery, *, status: str, expect: str, **fields: Any) -> bool:
        """Move ``delivery`` on, writing the pending "accepted" of the previous row in the same
        transaction: one commit per message, and never more than one row in doubt."""
        with transaction.atomic():
            self.flush()
            return services.delivery_mark(
                delivery=delivery, claim=self.claim, status=status, expect=expect, **fields
            )

    def flush(self) -> None:
        """Write the pending "accepted" (a batch's end, or before any other write)."""
        if self.accepted is None:
            return
        services.delivery_mark(
            delivery=self.accepted,
            claim=self.claim,
            status=DeliveryStatus.ACCEPTED,
            expect=DeliveryStatus.HANDING,
            accepted_at=self.accepted_at,
        )
        self.accepted = None


def _send_one(run: _Run, delivery: Delivery) -> None:
    result = run.result
    subscriber = delivery.subscriber
    if subscriber is None or subscriber.status != SubscriberStatus.CONFIRMED:
        # Unsubscribed, suppressed or erased since the row was queued: never mailed.
        run.mark(delivery, status=DeliveryStatus.SKIPPED, expect=DeliveryStatus.CLAIMED)
        result.skipped += 1
        return
    message_id = delivery.message_id or emails.message_id_for(delivery)
    delivery.message_id = message_id
    smtp = getattr(run.connection, "connection", None)
    message = None
    try:
        # Built and serialised before anything is handed over: a message that cannot be built
        # (a header with a line break, say) fails alone and is never retried.
        if isinstance(smtp, smtplib.SMTP):
            data = emails.dkim_sign(run.renderer.message_bytes(delivery=delivery))
        else:  # a non-SMTP e-mail backend (development): Django's message, no envelope
            message = run.renderer.message(delivery=delivery)
            message.message()
        sender = emails.envelope_sender(delivery)
    except Exception as exc:  # noqa: BLE001 - recorded on the row, the batch goes on
        logger.exception("mailing: could not build the message of delivery %s", delivery.pk)
        run.mark(
            delivery,
            status=DeliveryStatus.FAILED,
            expect=DeliveryStatus.CLAIMED,
            error=f"message not built: {type(exc).__name__}",
        )
        result.failed += 1
        return
    run.pacer.wait()
    handed = services.delivery_hand_over(
        delivery=delivery, claim=run.claim, accepted=run.accepted, accepted_at=run.accepted_at
    )
    run.accepted = None
    if not handed:
        result.lost += 1
        return
    delivery.attempts += 1
    try:
        if isinstance(smtp, smtplib.SMTP):
            smtp.sendmail(sender, [subscriber.email], data)
        else:
            run.connection.send_messages([message])
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        # The server refused this message: nothing was delivered, the reason is kept.
        reason = _smtp_reason(exc, address=subscriber.email)
        if _temporary(exc):
            services.delivery_retry_later(delivery=delivery, claim=run.claim, error=reason)
            result.deferred += 1
            return
        if _permanent_refusal(exc):
            bounces.suppress_after_refusal(delivery=delivery, reason=reason)
        services.delivery_mark(
            delivery=delivery,
            claim=run.claim,
            status=DeliveryStatus.FAILED,
            expect=DeliveryStatus.HANDING,
            error=reason,
        )
        result.failed += 1
        return
    # From the server's "250" to the commit of this "accepted" (with the next row's "handing",
    # or at the batch's end) is the one window a crash leaves in doubt.
    run.accepted, run.accepted_at = delivery, timezone.now()
    result.accepted += 1


def send_batch(
    *,
    newsletter: Newsletter,
    renderer: emails.NewsletterRenderer | None = None,
    pacer: Pacer | None = None,
) -> BatchResult | None:
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
    run = _Run(
        connection=connection,
        renderer=renderer or emails.NewsletterRenderer(newsletter),
        pacer=pacer or Pacer(rate=float(settings.HEATWATCH_MAILING_RATE_PER_SECOND or 0)),
        result=result,
        claim=claim,
    )
    try:
        for delivery in rows:
            _send_one(run, delivery)
    finally:
        run.flush()
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - the batch's records are already written
            logger.warning("mailing: closing the SMTP connection failed")
    return result


def send_newsletter(*, newsletter_id: int) -> BatchResult:
    """Queue a newsletter's recipients (idempotent) and send every queued row; safe to run twice,
    or in several workers at once. A paused newsletter stops before the next batch (the rows
    of the batch in hand are finished first); resuming starts a new run."""
    total = BatchResult()
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    if newsletter is None or newsletter.status != NewsletterStatus.SENDING:
        return total
    services.deliveries_queue(newsletter=newsletter)
    services.deliveries_release_expired(newsletter=newsletter)
    renderer = emails.NewsletterRenderer(newsletter)
    pacer = Pacer(rate=float(settings.HEATWATCH_MAILING_RATE_PER_SECOND or 0))
    while (
        services.newsletter_is_sending(newsletter=newsletter)
        and (batch := send_batch(newsletter=newsletter, renderer=renderer, pacer=pacer)) is not None
    ):
        for name in ("accepted", "failed", "skipped", "lost", "deferred"):
            setattr(total, name, getattr(total, name) + getattr(batch, name))
    services.newsletter_finish_if_done(newsletter=newsletter)
    return total
