"""Bounces and suppressions (docs/mailing.md, "Bounces").

A bounce is read from a bounce message (``heatwatch mailing bounces FILE``: an mbox or a
Maildir; RFC 3464 delivery-status notifications and the common non-standard formats through
flufl.bounce) or comes from a permanent SMTP refusal while sending. A message is tied to its
subscriber by the VERP envelope sender it was returned to (``emails.envelope_sender``: the send
record's number and an HMAC of it); a forged or altered token is refused and changes nothing.
A bounce without a token counts only with ``--trust-unsigned`` (mail sent before VERP was on).

A hard (permanent) bounce suppresses the address at once; soft (temporary) ones suppress it
when HEATWATCH_MAILING_SOFT_BOUNCE_LIMIT of them arrive within
HEATWATCH_MAILING_SOFT_BOUNCE_WINDOW_DAYS. A suppressed address is never mailed and is not
re-subscribed by the form or an import; a coordinator may lift it (audited).
"""

from __future__ import annotations

import email
import email.utils
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from flufl.bounce import all_failures

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.mailing.models import (
    Bounce,
    BounceKind,
    Delivery,
    Subscriber,
    SubscriberStatus,
)

MAX_MESSAGE_BYTES = 5 * 1024 * 1024  # a bounce bigger than this is refused unread
# Headers a delivered bounce names its (VERP) recipient in.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
_VERP_LIKE = re.compile(r"[^\s<>@,]+\+\d{1,12}-[0-9a-z]+@[^\s<>,]+", re.IGNORECASE)
_STATUS = re.compile(r"^Status:\s*([245])\.\d{1,3}\.\d{1,3}", re.IGNORECASE | re.MULTILINE)


class BounceFileError(Exception):
    """The file cannot be read as an mbox or a Maildir; the message names where."""


@dataclass
class BounceMessage:
    """One message of a bounce mailbox, with where it was found (for error messages)."""

    where: str
    data: bytes


@dataclass
class BounceReport:
    read: int = 0
    hard: int = 0
    soft: int = 0
    suppressed: int = 0
    duplicates: int = 0
    ignored: list[str] = field(default_factory=list)  # not a bounce / nobody of ours
    refused: list[str] = field(default_factory=list)  # forged token, too big, unreadable


# --- suppressing ------------------------------------------------------------------------------


def _suppress(subscriber: Subscriber, *, reason: str, actor: User | None = None) -> bool:
    """Suppress a locked subscriber row; False when it already was (or is gone)."""
    if subscriber.status == SubscriberStatus.SUPPRESSED:
        return False
    subscriber.status = SubscriberStatus.SUPPRESSED
    subscriber.suppressed_at = timezone.now()
    subscriber.suppressed_reason = reason[:300]
    subscriber.save(update_fields=["status", "suppressed_at", "suppressed_reason", "updated_at"])
    audit_log(
        action=Action.UPDATE,
        actor=actor,
        obj=subscriber,
        fields=["status"],
        reason=f"suppressed: {reason}"[:300],
    )
    return True


def _soft_score(subscriber: Subscriber, now: datetime) -> int:
    window = timedelta(days=int(settings.HEATWATCH_MAILING_SOFT_BOUNCE_WINDOW_DAYS))
    return Bounce.objects.filter(
        subscriber=subscriber,
        kind=BounceKind.SOFT,
        cleared_at__isnull=True,
        received_at__gte=now - window,
    ).count()


@transaction.atomic
def bounce_record(
    *, subscriber_id: int, kind: str, detail: str, message_key: str, received_at: datetime
) -> str:
    """Record one bounce of a subscriber and suppress them if it is hard, or if their soft
    score in the window reached the limit. Returns "suppressed", "recorded", "duplicate" (this
    bounce message was read before) or "gone" (the subscriber was erased)."""
    subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id).first()
    if subscriber is None:
        return "gone"
    try:
        with transaction.atomic():
            Bounce.objects.create(
                subscriber=subscriber,
                kind=kind,
                detail=detail[:300],
                message_key=message_key,
                received_at=received_at,
            )
    except IntegrityError:
        return "duplicate"
    if kind == BounceKind.HARD:
        reason = f"hard bounce: {detail}" if detail else "hard bounce"
        return "suppressed" if _suppress(subscriber, reason=reason) else "recorded"
    score = _soft_score(subscriber, timezone.now())
    limit = int(settings.HEATWATCH_MAILING_SOFT_BOUNCE_LIMIT)
    if score >= limit:
        days = settings.HEATWATCH_MAILING_SOFT_BOUNCE_WINDOW_DAYS
        reason = f"{score} soft bounces in {days} days (last: {detail})"
        return "suppressed" if _suppress(subscriber, reason=reason) else "recorded"
    return "recorded"


def suppress_after_refusal(*, delivery: Delivery, reason: str) -> None:
    """A permanent SMTP refusal (5xx at RCPT) while sending: a hard bounce of the address."""
    if delivery.subscriber_id is None:
        return
    bounce_record(
        subscriber_id=delivery.subscriber_id,
        kind=BounceKind.HARD,
        detail=f"SMTP {reason}",
        message_key=f"smtp-refusal:{delivery.pk}:{delivery.attempts}",
        received_at=timezone.now(),
    )


@transaction.atomic
def unsuppress(*, subscriber: Subscriber, by: User, reason: str) -> Subscriber:
    """Lift a suppression (a coordinator, audited with the reason): the address is confirmed
    again if it had been, and its earlier bounces no longer count towards a new suppression."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status != SubscriberStatus.SUPPRESSED:
        from heatwatch.mailing.services import MailingError

        raise MailingError(_("This address is not suppressed."))
    now = timezone.now()
    subscriber.status = (
        SubscriberStatus.CONFIRMED if subscriber.confirmed_at else SubscriberStatus.PENDING
    )
    subscriber.suppressed_at = None
    subscriber.suppressed_reason = ""
    subscriber.save(update_fields=["status", "suppressed_at", "suppressed_reason", "updated_at"])
    Bounce.objects.filter(subscriber=subscriber, cleared_at__isnull=True).update(cleared_at=now)
    audit_log(
        action=Action.UPDATE,
        actor=by,
        obj=subscriber,
        fields=["status"],
        reason=f"un-suppressed: {reason}"[:300],
    )
    return subscriber


# --- reading bounce messages -----------------------------------------------------------------


def read_mailbox(path: Path) -> Iterator[BounceMessage]:
    """The messages of an mbox file or a Maildir directory, each with where it was found
    ("message 3 (line 120)" or the Maildir file name). Raises BounceFileError when the path is
    neither."""
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new")):
            raise BounceFileError(f"{path}: a directory, but not a Maildir (no cur/ and new/)")
        for sub in ("new", "cur"):
            for file in sorted((path / sub).iterdir()):
                if not file.is_file() or file.name.startswith("."):
                    continue
                where = f"Maildir file {sub}/{file.name}"
                try:
                    data = file.read_bytes()
                except OSError as exc:
                    raise BounceFileError(f"{where}: cannot be read ({exc.strerror})") from None
                yield BounceMessage(where=where, data=data)
        return
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BounceFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with handle:
        yield from _read_mbox(handle, path)


def _read_mbox(handle: BinaryIO, path: Path) -> Iterator[BounceMessage]:
    lines: list[bytes] = []
    start = 0
    number = 0
    previous_blank = True
    for lineno, line in enumerate(handle, start=1):
        if line.startswith(b"From ") and previous_blank:
            if lines:
                yield BounceMessage(where=f"message {number} (line {start})", data=b"".join(lines))
            number += 1
            start = lineno
            lines = []
            previous_blank = False
            continue
        if number == 0:
            if line.strip():
                raise BounceFileError(
                    f"{path} line {lineno}: not an mbox file (each message must begin with a "
                    "'From ' line)"
                )
            continue
        if len(lines) < 200_000:
            lines.append(line[1:] if line.startswith(b">From ") else line)
        previous_blank = not line.strip()
    if lines:
        yield BounceMessage(where=f"message {number} (line {start})", data=b"".join(lines))
    elif number == 0:
        raise BounceFileError(f"{path}: empty, no message in it")


def _verp_addresses(message: Message) -> list[str]:
    found = []
    for header in RECIPIENT_HEADERS:
        for value in message.get_all(header, []):
            found += _VERP_LIKE.findall(str(value))
    return found


def _kind(message: Message, temporary: frozenset[bytes], permanent: frozenset[bytes]) -> str:
    if permanent:
        return BounceKind.HARD
    if temporary:
        return BounceKind.SOFT
    # A delivery-status report flufl.bounce found no address in: read its Status codes.
    for part in message.walk():
        if part.get_content_type() in ("message/delivery-status", "text/plain"):
            text = part.as_string() if part.is_multipart() else str(part.get_payload())
            codes = _STATUS.findall(text)
            if "5" in codes:
                return BounceKind.HARD
            if "4" in codes:
                return BounceKind.SOFT
    return ""


def _detail(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            text = part.as_string()
            status = re.search(r"^Status:\s*([0-9.]+)", text, re.MULTILINE | re.IGNORECASE)
            code = re.search(r"^Diagnostic-Code:\s*(.+)$", text, re.MULTILINE | re.IGNORECASE)
            bits = [status.group(1) if status else "", code.group(1).strip() if code else ""]
            return " ".join(b for b in bits if b)[:200]
    subject = str(message.get("Subject", ""))
    return subject[:200]


def _received(message: Message) -> datetime:
    now = timezone.now()
    try:
        when = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return now
    if when is None or when.tzinfo is None or when > now:
        return now
    return when


def _strip_address(detail: str, addresses: list[str]) -> str:
    for address in addresses:
        detail = re.sub(re.escape(address), "<recipient>", detail, flags=re.IGNORECASE)
    return detail


def ingest(path: Path, *, trust_unsigned: bool = False) -> BounceReport:
    """Read every bounce message at ``path`` and record what it says (safe to run twice on the
    same mailbox: a message is counted once). Raises BounceFileError for a file that is not an
    mbox or a Maildir."""
    from heatwatch.mailing.emails import delivery_from_verp
    from heatwatch.mailing.services import email_index

    report = BounceReport()
    for item in read_mailbox(path):
        report.read += 1
        if len(item.data) > MAX_MESSAGE_BYTES:
            report.refused.append(f"{item.where}: larger than {MAX_MESSAGE_BYTES} bytes")
            continue
        message = email.message_from_bytes(item.data)
        key = hashlib.sha256(item.data).hexdigest()
        verp = _verp_addresses(message)
        subscriber_ids: list[int] = []
        if verp:
            pks = [delivery_from_verp(address) for address in verp]
            if any(pk is None for pk in pks):
                report.refused.append(f"{item.where}: forged or altered VERP token; ignored")
                continue
            subscriber_ids = [
                pk
                for pk in Delivery.objects.filter(pk__in=pks).values_list(
                    "subscriber_id", flat=True
                )
                if pk is not None
            ]
        try:
            temporary, permanent = all_failures(message)
        except Exception:  # noqa: BLE001 - a detector choking on a malformed message
            temporary, permanent = frozenset(), frozenset()
        kind = _kind(message, temporary, permanent)
        if not kind:
            report.ignored.append(f"{item.where}: not a bounce")
            continue
        found = [a.decode(errors="replace") for a in (*temporary, *permanent)]
        if not verp:
            if not trust_unsigned:
                report.ignored.append(f"{item.where}: no VERP token (see --trust-unsigned)")
                continue
            indexes = [email_index(address) for address in found]
            subscriber_ids = list(
                Subscriber.objects.filter(email_index__in=indexes).values_list("pk", flat=True)
            )
        if not subscriber_ids:
            report.ignored.append(f"{item.where}: not one of our subscribers")
            continue
        detail = _strip_address(_detail(message), found)
        for subscriber_id in subscriber_ids:
            outcome = bounce_record(
                subscriber_id=subscriber_id,
                kind=kind,
                detail=detail,
                message_key=key,
                received_at=_received(message),
            )
            if outcome == "duplicate":
                report.duplicates += 1
                continue
            if outcome == "gone":
                continue
            report.hard += kind == BounceKind.HARD
            report.soft += kind == BounceKind.SOFT
            report.suppressed += outcome == "suppressed"
    return report
