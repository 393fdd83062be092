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


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _smtp_mail_from(smtp: smtplib.SMTP, sender: str, size: int) -> None:
    """Open the SMTP transaction of one message (MAIL FROM) without waiting for the reply: the
    worker writes the row's "handing" while the server answers (``_smtp_hand`` reads it). The
    server can accept nothing before the message's final dot, so this is sent before the row is
    committed as handed over."""
    smtp.ehlo_or_helo_if_needed()
    options = f" size={size}" if smtp.does_esmtp and smtp.has_extn("size") else ""
    smtp.putcmd("mail", f"FROM:{smtplib.quoteaddr(sender)}{options}")


def _smtp_hand(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    """Hand one message to the server after ``_smtp_mail_from``, up to and including its final
    dot, without waiting for the server's verdict on it (``_smtp_verdict``): the worker builds
    the next message while the server takes this one in. The same dialogue and the same errors
    as ``smtplib``'s ``sendmail`` (one recipient, no mail options)."""
    code, reply = smtp.getreply()
    if code != 250:
        _smtp_abandon(smtp, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = smtp.rcpt(recipient)
    if code not in (250, 251):
        _smtp_abandon(smtp, code)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    body = _LEADING_DOT.sub(b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body + b".\r\n")


def _smtp_withdraw(smtp: smtplib.SMTP) -> None:
    """Close a transaction opened by ``_smtp_mail_from`` for a row this worker lost."""
    code, _ = smtp.getreply()
    if code != 421:
        smtp.rset()


def _smtp_verdict(smtp: smtplib.SMTP) -> None:
    """The server's reply to the message handed last: returns on "250", raises otherwise."""
    code, reply = smtp.getreply()
    if code != 250:
        _smtp_abandon(smtp, code)
        raise smtplib.SMTPDataError(code, reply)


def _smtp_abandon(smtp: smtplib.SMTP, code: int) -> None:
    """After a refusal: 421 means the server is closing; otherwise reset the transaction."""
    if code == 421:
        smtp.close()
        return
    try:
        smtp.rset()
    except smtplib.SMTPServerDisconnected:
        pass


@dataclass
class _Prepared:
    """One row's message, built before anything about it is written: ``data`` (SMTP) or
    ``message`` (another e-mail backend), or ``skip`` / ``error`` when it is not to be sent."""

    delivery: Delivery
    data: bytes = b""
    message: Any = None
    sender: str = ""
    skip: bool = False
    error: str = ""


@dataclass
class _Run:
    """What one batch shares: the SMTP connection, the renderer, the pacer, the counts, the row
    handed to the server whose verdict is not yet read (``handed``), and the row the server last
    accepted whose "accepted" is not yet written (``accepted``; see ``_dispatch``)."""

    connection: Any
    renderer: emails.NewsletterRenderer
    pacer: Pacer
    result: BatchResult
    claim: str = ""
    handed: Delivery | None = None
    accepted: Delivery | None = None
    accepted_at: Any = None

    @property
    def smtp(self) -> smtplib.SMTP | None:
        smtp = getattr(self.connection, "connection", None)
        return smtp if isinstance(smtp, smtplib.SMTP) else None

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


def _prepare(run: _Run, delivery: Delivery) -> _Prepared:
    """Build one row's message; writes nothing (it runs while the server takes in the
    previous message)."""
    subscriber = delivery.subscriber
    if subscriber is None or subscriber.status != SubscriberStatus.CONFIRMED:
        # Unsubscribed, suppressed or erased since the row was queued: never mailed.
        return _Prepared(delivery, skip=True)
    delivery.message_id = delivery.message_id or emails.message_id_for(delivery)
    prepared = _Prepared(delivery)
    try:
        # Built and serialised before anything is handed over: a message that cannot be built
        # (a header with a line break, say) fails alone and is never retried.
        if run.smtp is not None:
            prepared.data = emails.dkim_sign(run.renderer.message_bytes(delivery=delivery))
        else:  # a non-SMTP e-mail backend (development): Django's message, no envelope
            prepared.message = run.renderer.message(delivery=delivery)
            prepared.message.message()
        prepared.sender = emails.envelope_sender(delivery)
    except Exception as exc:  # noqa: BLE001 - recorded on the row, the batch goes on
        logger.exception("mailing: could not build the message of delivery %s", delivery.pk)
        prepared.error = f"message not built: {type(exc).__name__}"
    return prepared


def _refused(run: _Run, delivery: Delivery, exc: Exception) -> None:
    """The server refused this message: nothing was delivered, the reason is kept."""
    assert delivery.subscriber is not None  # noqa: S101 - only handed rows get here
    reason = _smtp_reason(exc, address=delivery.subscriber.email)
    if _temporary(exc):
        services.delivery_retry_later(delivery=delivery, claim=run.claim, error=reason)
        run.result.deferred += 1
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
    run.result.failed += 1


_REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused)


def _take_verdict(run: _Run) -> None:
    """Read the server's verdict on the row handed last: on "250" it becomes the pending
    "accepted" (written with the next row's write, or at the batch's end)."""
    delivery, run.handed = run.handed, None
    if delivery is None:
        return
    smtp = run.smtp
    try:
        if smtp is not None:
            _smtp_verdict(smtp)
    except _REFUSALS as exc:
        _refused(run, delivery, exc)
        return
    # From the server's "250" to the commit of this "accepted" (with the next row's "handing",
    # or at the batch's end) is the one window a crash leaves in doubt.
    run.accepted, run.accepted_at = delivery, timezone.now()
    run.result.accepted += 1


def _dispatch(run: _Run, prepared: _Prepared) -> None:
    """Write one row's step: skipped or failed, or "handing" (with the previous row's
    "accepted") and hand the message to the server, leaving its verdict to ``_take_verdict``."""
    delivery, result = prepared.delivery, run.result
    if prepared.skip:
        run.mark(delivery, status=DeliveryStatus.SKIPPED, expect=DeliveryStatus.CLAIMED)
        result.skipped += 1
        return
    if prepared.error:
        run.mark(
            delivery,
            status=DeliveryStatus.FAILED,
            expect=DeliveryStatus.CLAIMED,
            error=prepared.error,
        )
        result.failed += 1
        return
    run.pacer.wait()
    smtp = run.smtp
    if smtp is not None:
        _smtp_mail_from(smtp, prepared.sender, len(prepared.data))
    handed = services.delivery_hand_over(
        delivery=delivery, claim=run.claim, accepted=run.accepted, accepted_at=run.accepted_at
    )
    run.accepted = None
    if not handed:
        if smtp is not None:
            _smtp_withdraw(smtp)
        result.lost += 1
        return
    delivery.attempts += 1
    assert delivery.subscriber is not None  # noqa: S101 - _prepare skips erased subscribers
    try:
        if smtp is not None:
            _smtp_hand(smtp, prepared.sender, delivery.subscriber.email, prepared.data)
        else:
            run.connection.send_messages([prepared.message])
    except _REFUSALS as exc:
        _refused(run, delivery, exc)
        return
    run.handed = delivery


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
            prepared = _prepare(run, delivery)  # while the server takes in the previous one
            _take_verdict(run)
            _dispatch(run, prepared)
        _take_verdict(run)
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
