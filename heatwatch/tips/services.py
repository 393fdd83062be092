"""Writes for tips: intake from every channel, the receipt channel, triage, referral, retention.

Every function audits in the same transaction as its change; e-mails and notifications go out
with ``transaction.on_commit``. Nothing here receives or stores a client address or user agent:
abuse limits work on an opaque daily source key (heatwatch.core.ratelimit).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Organisation, OrganisationType, User
from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.core import ratelimit
from heatwatch.core.csrf import FORM_TOKEN_MAX_AGE
from heatwatch.lib.crypto import blind_index
from heatwatch.lib.uploads import (
    MAX_PIXELS_PER_REQUEST,
    CleanFile,
    UploadRefused,
    WorkLimit,
    clean_upload,
)
from heatwatch.lib.versioning import StaleEdit, bump, locked
from heatwatch.tips import receipts
from heatwatch.tips.extensions import existing_case_reference, recovery_intake
from heatwatch.tips.models import (
    OFFICER_OUTCOMES,
    OPEN_OUTCOMES,
    SERIOUS_FLAGS,
    AgeRange,
    Channel,
    CloseReason,
    RedFlag,
    ReferralOutcome,
    SpentFormToken,
    Status,
    Tip,
    TipAttachment,
    TipIndex,
    TipLink,
    TipMessage,
    TipNote,
    TipReferral,
    TipTally,
    Urgency,
)

MAX_ATTACHMENTS = 5
TEXT_LIMITS = {
    "narrative": 10_000,
    "subject_description": 2_000,
    "subject_names": 500,
    "location": 1_000,
    "seen_when": 500,
    "online_handles": 2_000,
    "contact_name": 200,
    "contact_phone": 50,
    "contact_email": 254,
    "caller_notes": 5_000,
}
MESSAGE_LIMIT = 5_000
# Decoding work per source and hour, in units of 10 million pixels (a PDF counts as 4 units, a
# 12-megapixel photo as 2): bounds what one source can make the server decode.
UPLOAD_UNIT_PIXELS = 10_000_000
UPLOAD_UNITS_PER_SOURCE_HOUR = 60
UPLOAD_PIXELS_PER_REQUEST = MAX_PIXELS_PER_REQUEST  # three images of the largest size


class TipError(ValueError):
    """A request that breaks a tip rule; the message is safe to show."""


class StaleTip(TipError, StaleEdit):
    """Someone else changed the tip since this form was loaded (no lost update)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this tip while you were editing it. Your changes were not "
                "saved; review the tip again."
            )
        )


class ReceiptInvalid(TipError):
    """Wrong, unknown or expired receipt code (deliberately one error for all three)."""


class ReceiptThrottled(TipError):
    """Too many wrong codes from this source or for this receipt: wait and try again."""


@dataclass
class TipInput:
    """What someone reports, from any channel (web form, phone log, partner API)."""

    narrative: str = ""
    red_flags: Sequence[str] = ()
    subject_age_range: str = AgeRange.UNKNOWN
    subject_description: str = ""
    subject_names: str = ""
    location: str = ""
    seen_when: str = ""
    online_handles: str = ""
    immediate_danger: bool = False
    is_anonymous: bool = True
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    caller_notes: str = ""
    language: str = "en"


@dataclass
class SubmitResult:
    tip: Tip
    receipt_code: str | None
    # (position, file name, reason) of each file that was not attached
    refused_files: list[tuple[str, str, str]] = field(default_factory=list)


def compute_urgency(*, immediate_danger: bool, red_flags: Iterable[str], age_range: str) -> str:
    """Immediate danger first; a minor with a serious red flag or three or more flags is high."""
    if immediate_danger:
        return Urgency.IMMEDIATE
    flags = set(red_flags)
    minor = age_range in {AgeRange.UNDER_12, AgeRange.AGE_12_14, AgeRange.AGE_15_17}
    if (minor or age_range == AgeRange.UNKNOWN) and (flags & SERIOUS_FLAGS or len(flags) >= 3):
        return Urgency.HIGH
    return Urgency.ROUTINE


def format_receipt(code: str) -> str:
    """``12345678901234567890`` → ``1234-5678-9012-3456-7890`` (easier to read out)."""
    return receipts.format_code(code)


def _validate(data: TipInput) -> None:
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(data, name)) > limit:
            raise TipError(_("%(field)s is too long.") % {"field": name.replace("_", " ")})
    unknown = set(data.red_flags) - set(RedFlag.values)
    if unknown:
        raise TipError(_("Unknown red flag: %(flags)s") % {"flags": ", ".join(sorted(unknown))})
    if data.subject_age_range not in AgeRange.values:
        raise TipError(_("Unknown age range."))
    if not any(
        (
            data.narrative.strip(),
            data.red_flags,
            data.subject_description.strip(),
            data.online_handles.strip(),
            data.location.strip(),
        )
    ):
        raise TipError(_("Tell us what you saw: tick a red flag or describe it."))


def _new_reference(now: datetime) -> str:
    for _attempt in range(20):
        candidate = f"T-{now:%Y}-{secrets.randbelow(10**6):06d}"
        if not Tip.objects.filter(reference=candidate).exists():
            return candidate
    raise TipError("could not allocate a tip reference")


@dataclass(frozen=True)
class _Receipt:
    code: str
    encoded: str


def _prepare_receipt() -> _Receipt:
    """A new code and its slow hash, computed before any transaction opens (the hash takes
    tens of milliseconds and must not hold database locks)."""
    for _attempt in range(20):
        code = receipts.new_code()
        if not Tip.objects.filter(receipt_lookup=receipts.lookup_of(code)).exists():
            return _Receipt(code=code, encoded=receipts.hash_code(code))
    raise TipError("could not allocate a receipt code")


def _apply_receipt(tip: Tip, receipt: _Receipt, now: datetime) -> None:
    tip.receipt_lookup = receipts.lookup_of(receipt.code)
    tip.receipt_hash = receipt.encoded
    tip.receipt_last_visit_at = now
    tip.receipt_expires_at = now + timedelta(days=settings.HEATWATCH_RECEIPT_TTL_DAYS)


def _handle_keys(item: str) -> set[str]:
    """``@Jaz``, ``jaz`` and ``https://social.example/jaz/`` all give the key ``jaz``."""
    item = item.strip().rstrip("/")
    keys = set()
    if "://" in item or "/" in item:
        without_scheme = item.split("://", 1)[-1]
        keys.add(without_scheme)
        item = without_scheme.rsplit("/", 1)[-1]
    item = item.lstrip("@").strip()
    if len(item) >= 3:
        keys.add(item)
    return {key for key in keys if len(key) >= 3}


def _index_tip(tip: Tip, data: TipInput) -> None:
    """Blind indexes of handles, names and place, to find related tips without plaintext."""
    entries: set[tuple[str, str]] = set()
    for item in re.split(r"[\s,;]+", data.online_handles):
        for key in _handle_keys(item):
            entries.add((TipIndex.Kind.HANDLE, blind_index(key, context="tips.tipindex.handle")))
    for item in re.split(r"[\n,;]+", data.subject_names):
        if len(item.strip()) >= 3:
            entries.add((TipIndex.Kind.NAME, blind_index(item, context="tips.tipindex.name")))
    if data.location.strip():
        entries.add(
            (TipIndex.Kind.LOCATION, blind_index(data.location, context="tips.tipindex.location"))
        )
    TipIndex.objects.bulk_create(TipIndex(tip=tip, kind=k, digest=d) for k, d in entries)


def _source_charge(source_key: str | None) -> Callable[[int], bool] | None:
    """Count decoding work against the source's hourly budget (None: no source, no budget)."""
    if source_key is None:
        return None
    key = source_key
    window = timedelta(hours=1)

    def charge(pixels: int) -> bool:
        units = max(1, math.ceil(pixels / UPLOAD_UNIT_PIXELS))
        spent = ratelimit.hits(scope="upload-work", key=key, window=window)
        if spent + units > UPLOAD_UNITS_PER_SOURCE_HOUR:
            return False
        for _unit in range(units):
            ratelimit.hit(scope="upload-work", key=key, window=window)
        return True

    return charge


@dataclass
class _CheckedFiles:
    clean: list[CleanFile] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)


def _check_files(uploads: Sequence[UploadedFile], *, source_key: str | None) -> _CheckedFiles:
    """Clean every file before any transaction opens (decoding is slow and bounded).

    A refused file is reported by position, name and reason; the others are kept.
    """
    checked = _CheckedFiles()
    work = WorkLimit(pixels=UPLOAD_PIXELS_PER_REQUEST, charge=_source_charge(source_key))
    for position, upload in enumerate(uploads, start=1):
        name = (upload.name or "")[:100]
        if position > MAX_ATTACHMENTS:
            checked.refused.append(
                (
                    str(position),
                    name,
                    _("Only %(n)d files can be sent at once.") % {"n": MAX_ATTACHMENTS},
                )
            )
            continue
        try:
            checked.clean.append(clean_upload(upload, work=work))
        except UploadRefused as exc:
            checked.refused.append((str(position), name, str(exc)))
    return checked


def _attach(tip: Tip, files: Sequence[CleanFile], *, from_tipster: bool) -> None:
    """Store cleaned files, encrypted, on the tip."""
    for clean in files:
        TipAttachment.objects.create(
            tip=tip,
            content_type=clean.content_type,
            size=len(clean.content),
            blob=base64.b64encode(clean.content).decode("ascii"),
            from_tipster=from_tipster,
        )


def form_token_spend(*, nonce: str) -> bool:
    """Use up a public form's token; False if it was used before (a replay or a second click).

    Stores only a hash of the nonce until the token would have expired, then deletes it.
    """
    now = timezone.now()
    SpentFormToken.objects.filter(expires_at__lt=now).delete()
    digest = hashlib.sha256(nonce.encode("utf-8")).hexdigest()
    try:
        with transaction.atomic():
            SpentFormToken.objects.create(digest=digest, expires_at=now + FORM_TOKEN_MAX_AGE)
    except IntegrityError:
        return False
    return True


def _acknowledgement(tip: Tip) -> str:
    with translation.override(tip.language):
        return _(
            "Thank you. Your tip was received and will be read by the program's staff. "
            "Any questions we have for you will appear here. Please check back in two or "
            "three days, and again within a week."
        )


def tip_submit(
    *,
    data: TipInput,
    attachments: Sequence[UploadedFile] = (),
    channel: str = Channel.WEB,
    source_key: str | None = None,
    honeypot_filled: bool = False,
    logged_by: User | None = None,
    issue_receipt: bool = True,
    organisation: Organisation | None = None,
) -> SubmitResult:
    """Record a tip from any channel.

    The tip is always kept: a filled honeypot or a source over its rate limit puts it in the
    likely-spam queue, a refused file is reported back while the rest of the tip is saved.
    Returns the receipt code (shown once, never stored) when one was issued. ``organisation``
    names the partner hotline of an API submission in the audit log. Files are cleaned within
    the per-request and per-source bounds of heatwatch.lib.uploads before the transaction.
    """
    _validate(data)
    receipt = _prepare_receipt() if issue_receipt else None
    files = _check_files(attachments, source_key=source_key)
    with transaction.atomic():
        return _tip_create(
            data=data,
            files=files,
            channel=channel,
            source_key=source_key,
            honeypot_filled=honeypot_filled,
            logged_by=logged_by,
            receipt=receipt,
            organisation=organisation,
        )


def _tip_create(
    *,
    data: TipInput,
    files: _CheckedFiles,
    channel: str,
    source_key: str | None,
    honeypot_filled: bool,
    logged_by: User | None,
    receipt: _Receipt | None,
    organisation: Organisation | None,
) -> SubmitResult:
    now = timezone.now()
    spam_reasons: list[str] = []
    if honeypot_filled:
        spam_reasons.append("honeypot")
    if source_key is not None:
        count = ratelimit.hit(scope="tip-submit", key=source_key, window=timedelta(hours=1))
        if count > settings.HEATWATCH_TIP_RATE_PER_HOUR:
            spam_reasons.append("rate")
    urgency = compute_urgency(
        immediate_danger=data.immediate_danger,
        red_flags=data.red_flags,
        age_range=data.subject_age_range,
    )
    anonymous = data.is_anonymous or not (data.contact_phone or data.contact_email)
    tip = Tip(
        reference=_new_reference(now),
        channel=channel,
        language=data.language if data.language in {"en", "es"} else "en",
        urgency=urgency,
        urgency_computed=urgency,
        red_flags=sorted(set(data.red_flags)),
        immediate_danger=data.immediate_danger,
        narrative=data.narrative.strip(),
        subject_age_range=data.subject_age_range,
        subject_description=data.subject_description.strip(),
        subject_names=data.subject_names.strip(),
        location=data.location.strip(),
        seen_when=data.seen_when.strip(),
        online_handles=data.online_handles.strip(),
        is_anonymous=anonymous,
        contact_name="" if anonymous else data.contact_name.strip(),
        contact_phone="" if anonymous else data.contact_phone.strip(),
        contact_email="" if anonymous else data.contact_email.strip(),
        caller_notes=data.caller_notes.strip(),
        likely_spam=bool(spam_reasons),
        spam_reasons=spam_reasons,
        logged_by=logged_by,
        reply_due_at=now + timedelta(days=settings.HEATWATCH_TIP_REPLY_DAYS),
    )
    if receipt is not None:
        _apply_receipt(tip, receipt, now)
    tip.save()
    _index_tip(tip, data)
    _attach(tip, files.clean, from_tipster=True)
    if receipt is not None:
        TipMessage.objects.create(
            tip=tip,
            direction=TipMessage.Direction.TO_TIPSTER,
            body=_acknowledgement(tip),
            automatic=True,
        )
    audit_log(
        action=Action.CREATE,
        actor=logged_by,
        obj=tip,
        organisation=organisation,
        reason=f"tip received by {channel}" + (" (likely spam)" if spam_reasons else ""),
    )
    if urgency != Urgency.ROUTINE and not spam_reasons:
        _notify_on_commit(tip, "urgent_tip")
    return SubmitResult(
        tip=tip, receipt_code=receipt.code if receipt else None, refused_files=files.refused
    )


def tip_issue_receipt(*, tip: Tip, by: User) -> str:
    """Issue (or replace) the receipt code of a phone tip so the caller can follow up online."""
    receipt = _prepare_receipt()
    with transaction.atomic():
        return _receipt_store(tip=tip, by=by, receipt=receipt)


def _receipt_store(*, tip: Tip, by: User, receipt: _Receipt) -> str:
    locked = Tip.objects.select_for_update().get(pk=tip.pk)
    _apply_receipt(locked, receipt, timezone.now())
    locked.save(
        update_fields=[
            "receipt_lookup",
            "receipt_hash",
            "receipt_last_visit_at",
            "receipt_expires_at",
            "updated_at",
        ]
    )
    if not locked.messages.filter(automatic=True).exists():
        TipMessage.objects.create(
            tip=locked,
            direction=TipMessage.Direction.TO_TIPSTER,
            body=_acknowledgement(locked),
            automatic=True,
        )
    audit_log(action=Action.SECURITY, actor=by, obj=locked, reason="receipt code issued")
    return receipt.code


def receipt_open(*, code: str, source_key: str) -> Tip:
    """Find the tip for a receipt code, or raise ReceiptInvalid / ReceiptThrottled.

    Failures are counted per source and per receipt, so guessing is throttled however it is
    spread. A successful visit extends the receipt's life. Not one transaction on purpose: the
    failure counters must be kept when the error is raised.
    """
    window = timedelta(hours=1)
    digits = receipts.normalise(code)
    lookup = receipts.lookup_of(digits)
    lookup_key = blind_index(lookup or "-", context="tips.receipt.lookup")
    if (
        ratelimit.hits(scope="receipt-source", key=source_key, window=window)
        >= settings.HEATWATCH_RECEIPT_FAILURES_PER_SOURCE
        or ratelimit.hits(scope="receipt-code", key=lookup_key, window=window)
        >= settings.HEATWATCH_RECEIPT_FAILURES_PER_CODE
    ):
        raise ReceiptThrottled(_("Too many attempts. Please wait an hour and try again."))
    tip = None
    if len(digits) == receipts.LOOKUP_DIGITS + receipts.SECRET_DIGITS:
        tip = Tip.objects.filter(receipt_lookup=lookup).first()
    valid = receipts.verify(digits, tip.receipt_hash if tip is not None else None)
    now = timezone.now()
    if tip is None or not valid or tip.receipt_expires_at is None or tip.receipt_expires_at < now:
        ratelimit.hit(scope="receipt-source", key=source_key, window=window)
        ratelimit.hit(scope="receipt-code", key=lookup_key, window=window)
        raise ReceiptInvalid(
            _(
                "We could not find a tip with this code. Check the digits; codes expire after "
                "%(days)d days without a visit."
            )
            % {"days": settings.HEATWATCH_RECEIPT_TTL_DAYS}
        )
    with transaction.atomic():
        tip.receipt_last_visit_at = now
        tip.receipt_expires_at = now + timedelta(days=settings.HEATWATCH_RECEIPT_TTL_DAYS)
        tip.save(update_fields=["receipt_last_visit_at", "receipt_expires_at", "updated_at"])
        audit_log(action=Action.READ, obj=tip, reason="tipster follow-up")
    return tip


def tipster_reply(
    *,
    tip: Tip,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    source_key: str | None = None,
) -> list[tuple[str, str, str]]:
    """The tipster answers or adds details (and files) through the receipt channel.

    Returns (position, file name, reason) for each file that was not attached.
    """
    body = body.strip()
    if not body and not attachments:
        raise TipError(_("Write a message or add a file."))
    if len(body) > MESSAGE_LIMIT:
        raise TipError(_("The message is too long."))
    files = _check_files(attachments, source_key=source_key)
    with transaction.atomic():
        _tipster_reply_store(tip=tip, body=body, files=files.clean)
    return files.refused


def _tipster_reply_store(*, tip: Tip, body: str, files: Sequence[CleanFile]) -> None:
    if body:
        TipMessage.objects.create(tip=tip, direction=TipMessage.Direction.FROM_TIPSTER, body=body)
    _attach(tip, files, from_tipster=True)
    Tip.objects.filter(pk=tip.pk).update(
        reply_due_at=timezone.now() + timedelta(days=settings.HEATWATCH_TIP_REPLY_DAYS),
        reply_overdue_alerted_at=None,
        updated_at=timezone.now(),
    )
    audit_log(
        action=Action.UPDATE,
        obj=tip,
        reason="tipster added information",
        fields=["messages"] + (["attachments"] if files else []),
    )


def _locked(tip: Tip, version: int | None) -> Tip:
    return locked(Tip, tip.pk, version=version, stale=StaleTip)


def _bump(tip: Tip, fields: list[str]) -> None:
    bump(tip, fields)


@transaction.atomic
def tip_triage(
    *,
    tip: Tip,
    by: User,
    urgency: str,
    red_flags: Sequence[str],
    assignee: User | None,
    version: int | None = None,
) -> Tip:
    """Set urgency, red flags and assignee; a new tip becomes triaged."""
    if urgency not in Urgency.values:
        raise TipError(_("Unknown urgency."))
    if set(red_flags) - set(RedFlag.values):
        raise TipError(_("Unknown red flag."))
    tip = _locked(tip, version)
    changed = []
    for name, value in (
        ("urgency", urgency),
        ("red_flags", sorted(set(red_flags))),
        ("assignee", assignee),
    ):
        if getattr(tip, name) != value:
            setattr(tip, name, value)
            changed.append(name)
    if tip.status == Status.NEW:
        tip.status = Status.TRIAGED
        tip.triaged_at = timezone.now()
        changed += ["status", "triaged_at"]
    if changed:
        _bump(tip, changed)
        audit_log(action=Action.UPDATE, actor=by, obj=tip, fields=changed)
    return tip


@transaction.atomic
def tip_mark_spam(*, tip: Tip, by: User, likely_spam: bool) -> Tip:
    """Move a tip into or out of the likely-spam queue."""
    tip = _locked(tip, None)
    if tip.likely_spam == likely_spam:
        return tip
    tip.likely_spam = likely_spam
    _bump(tip, ["likely_spam"])
    audit_log(action=Action.UPDATE, actor=by, obj=tip, fields=["likely_spam"])
    if not likely_spam and tip.urgency != Urgency.ROUTINE and tip.status == Status.NEW:
        _notify_on_commit(tip, "urgent_tip")
    return tip


@transaction.atomic
def tip_message_tipster(*, tip: Tip, by: User, body: str) -> TipMessage:
    """Send the tipster a question or an answer; they read it with their receipt code."""
    body = body.strip()
    if not body:
        raise TipError(_("Write a message."))
    if len(body) > MESSAGE_LIMIT:
        raise TipError(_("The message is too long."))
    if not tip.receipt_lookup:
        raise TipError(_("This tipster has no receipt code, so they cannot read messages."))
    message = TipMessage.objects.create(
        tip=tip, direction=TipMessage.Direction.TO_TIPSTER, body=body, author=by
    )
    Tip.objects.filter(pk=tip.pk).update(
        reply_due_at=None, reply_overdue_alerted_at=None, updated_at=timezone.now()
    )
    audit_log(action=Action.CREATE, actor=by, obj=message, reason=f"message on {tip.reference}")
    return message


@transaction.atomic
def tip_add_note(*, tip: Tip, by: User, body: str) -> TipNote:
    """Add an internal note (never shown to the tipster)."""
    body = body.strip()
    if not body:
        raise TipError(_("Write a note."))
    if len(body) > MESSAGE_LIMIT:
        raise TipError(_("The note is too long."))
    note = TipNote.objects.create(tip=tip, body=body, author=by)
    audit_log(action=Action.CREATE, actor=by, obj=note, reason=f"note on {tip.reference}")
    return note


@transaction.atomic
def tip_refer(*, tip: Tip, by: User, organisation: Organisation, note: str = "") -> TipReferral:
    """Refer a tip to a law-enforcement agency; its officers then see it and record outcomes."""
    if organisation.type != OrganisationType.LAW_ENFORCEMENT or not organisation.is_active:
        raise TipError(_("Tips are referred to active law-enforcement agencies only."))
    tip = _locked(tip, None)
    if tip.status == Status.CLOSED:
        raise TipError(_("Reopen the tip before referring it."))
    referral, created = TipReferral.objects.get_or_create(
        tip=tip, organisation=organisation, defaults={"referred_by": by, "note": note.strip()}
    )
    if not created:
        raise TipError(_("This tip was already referred to %(org)s.") % {"org": organisation})
    changed = []
    if tip.status in (Status.NEW, Status.TRIAGED):
        tip.status = Status.REFERRED
        changed.append("status")
        if tip.triaged_at is None:
            tip.triaged_at = timezone.now()
            changed.append("triaged_at")
    if changed:
        _bump(tip, changed)
    audit_log(
        action=Action.CREATE,
        actor=by,
        obj=referral,
        organisation=organisation,
        reason=f"{tip.reference} referred",
    )
    _notify_on_commit(tip, "referral", organisation_id=organisation.pk)
    return referral


@transaction.atomic
def referral_acknowledge(*, referral: TipReferral, by: User) -> TipReferral:
    """An officer of the receiving agency says the agency has the referral (once; stops its
    escalation)."""
    referral = TipReferral.objects.select_for_update().get(pk=referral.pk)
    if referral.acknowledged_at is not None:
        return referral
    referral.acknowledged_at = timezone.now()
    referral.acknowledged_by = by
    fields = ["acknowledged_at", "acknowledged_by"]
    if referral.outcome == ReferralOutcome.PENDING:
        referral.outcome = ReferralOutcome.ACKNOWLEDGED
        fields.append("outcome")
    referral.save(update_fields=[*fields, "updated_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=referral, fields=fields)
    return referral


@transaction.atomic
def referral_record_outcome(
    *, referral: TipReferral, by: User, outcome: str, note: str = ""
) -> TipReferral:
    """An officer of the receiving agency records what came of the referral (which also
    acknowledges it). "Youth recovered" asks the coordinators, by e-mail and on their tip queue
    and case list, to open the youth's case from the tip (``tips.extensions``: the intake
    belongs to cases), with the officer's agency as referrer."""
    if outcome not in OFFICER_OUTCOMES:
        raise TipError(_("Choose an outcome."))
    if len(note) > MESSAGE_LIMIT:
        raise TipError(_("The note is too long."))
    referral = TipReferral.objects.select_for_update().get(pk=referral.pk)
    now = timezone.now()
    fields = ["outcome", "outcome_note", "outcome_by", "outcome_at"]
    if referral.acknowledged_at is None:
        referral.acknowledged_at = now
        referral.acknowledged_by = by
        fields += ["acknowledged_at", "acknowledged_by"]
    recovered_now = (
        outcome == ReferralOutcome.YOUTH_RECOVERED
        and referral.outcome != ReferralOutcome.YOUTH_RECOVERED
    )
    referral.outcome = outcome
    referral.outcome_note = note.strip()
    referral.outcome_by = by
    referral.outcome_at = now
    referral.save(update_fields=[*fields, "updated_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=referral, fields=fields)
    if recovered_now:
        tip = Tip.objects.get(pk=referral.tip_id)
        _notify_on_commit(tip, "recovered", organisation_id=referral.organisation_id)
    return referral


def recovery_open_case(
    *, referral: TipReferral, by: User, form: Any, version: int | None = None
) -> Any:
    """A coordinator opens the case of a youth the referral's agency recovered, through the
    intake cases registered (``tips.extensions.recovery_intake``): the tip linked, the agency
    as referrer. Raises the intake's own errors (identity check, case errors) or TipError."""
    intake = recovery_intake()
    if intake is None:
        raise TipError(_("Cases are not available here."))
    if referral.outcome != ReferralOutcome.YOUTH_RECOVERED:
        raise TipError(_("Only a referral whose youth was recovered opens a case from here."))
    tip = Tip.objects.get(pk=referral.tip_id)
    if tip.case_reference:
        raise TipError(_("This tip is already linked to a case."))
    return intake.open_case(
        form=form,
        by=by,
        tip_reference=tip.reference,
        referrer=referral.organisation,
    )


@transaction.atomic
def tip_link(*, tip: Tip, other: Tip, by: User, reason: str) -> TipLink:
    """Record that two tips are related (same youth, handle or location)."""
    if tip.pk == other.pk:
        raise TipError(_("A tip cannot be linked to itself."))
    reason = reason.strip() or _("related")
    first, second = sorted((tip, other), key=lambda t: t.pk)
    link, created = TipLink.objects.get_or_create(
        from_tip=first, to_tip=second, defaults={"reason": reason[:200], "created_by": by}
    )
    if created:
        audit_log(
            action=Action.CREATE,
            actor=by,
            obj=link,
            reason=f"{first.reference} linked to {second.reference}",
        )
    return link


@transaction.atomic
def tip_link_case(*, tip: Tip, by: User, case_reference: str, version: int | None = None) -> Tip:
    """Mark the tip as linked to a case (the youth was identified and a case opened). The
    reference must name an existing case (checked by the cases app through
    ``tips.extensions``): a typo would keep the tip out of the retention purge for ever."""
    if not case_reference.strip():
        raise TipError(_("Give the case reference."))
    canonical = existing_case_reference(case_reference)
    if canonical is None:
        raise TipError(_("No case has this reference. Check it and try again."))
    tip = _locked(tip, version)
    tip.case_reference = canonical
    tip.status = Status.LINKED
    _bump(tip, ["case_reference", "status"])
    audit_log(action=Action.UPDATE, actor=by, obj=tip, fields=["case_reference", "status"])
    return tip


@transaction.atomic
def tip_close(*, tip: Tip, by: User, reason: str, version: int | None = None) -> Tip:
    """Close a tip with a reason. Closed tips not linked to a case are purged later."""
    if reason not in CloseReason.values:
        raise TipError(_("Choose why the tip is closed."))
    tip = _locked(tip, version)
    if tip.status == Status.CLOSED:
        raise TipError(_("The tip is already closed."))
    tip.status = Status.CLOSED
    tip.close_reason = reason
    tip.closed_at = timezone.now()
    _bump(tip, ["status", "close_reason", "closed_at"])
    audit_log(
        action=Action.UPDATE,
        actor=by,
        obj=tip,
        fields=["status", "close_reason"],
        reason=f"closed: {reason}",
    )
    return tip


@transaction.atomic
def tip_reopen(*, tip: Tip, by: User, version: int | None = None) -> Tip:
    """Reopen a closed tip (back to triaged); history is kept."""
    tip = _locked(tip, version)
    if tip.status != Status.CLOSED:
        raise TipError(_("The tip is not closed."))
    tip.status = Status.LINKED if tip.case_reference else Status.TRIAGED
    tip.close_reason = ""
    tip.closed_at = None
    _bump(tip, ["status", "close_reason", "closed_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=tip, fields=["status"], reason="reopened")
    return tip


def _notify_on_commit(tip: Tip, kind: str, **extra: int) -> None:
    from heatwatch.tips.tasks import notify

    tip_id = tip.pk
    transaction.on_commit(lambda: notify.enqueue(tip_id=tip_id, kind=kind, **extra))


# --- periodic work --------------------------------------------------------------------------


def escalate_unacknowledged_referrals(*, now: datetime | None = None) -> list[TipReferral]:
    """Urgent referrals the agency has not acknowledged within
    HEATWATCH_TIP_REFERRAL_ACK_MINUTES: flag them (once) and alert the coordinators."""
    now = now or timezone.now()
    minutes = settings.HEATWATCH_TIP_REFERRAL_ACK_MINUTES
    cutoff = now - timedelta(minutes=int(minutes))
    escalated: list[TipReferral] = []
    with transaction.atomic():
        due = (
            TipReferral.objects.select_for_update()
            .filter(
                acknowledged_at__isnull=True,
                escalated_at__isnull=True,
                outcome__in=OPEN_OUTCOMES,
                tip__urgency__in=[Urgency.IMMEDIATE, Urgency.HIGH],
                tip__status__in=[Status.REFERRED, Status.TRIAGED, Status.NEW],
                created_at__lte=cutoff,
            )
            .select_related("tip")
            .order_by("created_at")
        )
        for referral in due:
            referral.escalated_at = now
            referral.save(update_fields=["escalated_at", "updated_at"])
            audit_log(
                action=Action.UPDATE,
                obj=referral,
                fields=["escalated_at"],
                reason="urgent referral not acknowledged in time",
            )
            _notify_on_commit(
                referral.tip, "referral_escalation", organisation_id=referral.organisation_id
            )
            escalated.append(referral)
    return escalated


def escalate_untriaged(*, now: datetime | None = None) -> list[Tip]:
    """Urgent tips still new after the escalation delay: flag them and alert coordinators."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.HEATWATCH_TIP_ESCALATE_MINUTES)
    escalated: list[Tip] = []
    with transaction.atomic():
        due = (
            Tip.objects.select_for_update()
            .filter(
                status=Status.NEW,
                likely_spam=False,
                escalated_at__isnull=True,
                urgency__in=[Urgency.IMMEDIATE, Urgency.HIGH],
                created_at__lte=cutoff,
            )
            .order_by("created_at")
        )
        for tip in due:
            tip.escalated_at = now
            tip.save(update_fields=["escalated_at", "updated_at"])
            audit_log(
                action=Action.UPDATE,
                obj=tip,
                fields=["escalated_at"],
                reason="urgent tip not triaged in time",
            )
            _notify_on_commit(tip, "escalation")
            escalated.append(tip)
    return escalated


def alert_overdue_replies(*, now: datetime | None = None) -> list[Tip]:
    """Tips whose tipster has waited longer than the reply deadline: alert once."""
    now = now or timezone.now()
    alerted: list[Tip] = []
    with transaction.atomic():
        due = (
            Tip.objects.select_for_update()
            .filter(
                reply_due_at__lte=now,
                reply_overdue_alerted_at__isnull=True,
                likely_spam=False,
                receipt_lookup__isnull=False,
            )
            .exclude(status=Status.CLOSED)
        )
        for tip in due:
            tip.reply_overdue_alerted_at = now
            tip.save(update_fields=["reply_overdue_alerted_at", "updated_at"])
            audit_log(
                action=Action.UPDATE,
                obj=tip,
                fields=["reply_overdue_alerted_at"],
                reason="tipster not answered in time",
            )
            _notify_on_commit(tip, "reply_overdue")
            alerted.append(tip)
    return alerted


def _month(day: date) -> date:
    return day.replace(day=1)


def purge_closed_tips(*, now: datetime | None = None) -> int:
    """Delete closed tips not linked to a case after the retention period, keeping counts."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.HEATWATCH_TIP_RETENTION_DAYS)
    purged = 0
    candidates = Tip.objects.filter(
        status=Status.CLOSED, closed_at__lte=cutoff, case_reference=""
    ).values_list("pk", flat=True)
    for pk in list(candidates[:5000]):
        with transaction.atomic():
            tip = Tip.objects.select_for_update().filter(pk=pk).first()
            if tip is None or tip.status != Status.CLOSED or tip.case_reference:
                continue
            month = _month(timezone.localdate(tip.created_at))
            try:
                with transaction.atomic():
                    TipTally.objects.create(
                        month=month,
                        channel=tip.channel,
                        urgency=tip.urgency,
                        close_reason=tip.close_reason,
                        count=1,
                    )
            except IntegrityError:
                TipTally.objects.filter(
                    month=month,
                    channel=tip.channel,
                    urgency=tip.urgency,
                    close_reason=tip.close_reason,
                ).update(count=F("count") + 1)
            audit_log(
                action=Action.DELETE,
                object_type="tips.tip",
                object_id=str(tip.pk),
                outcome=Outcome.SUCCESS,
                reason="retention period ended",
            )
            tip.delete()
            purged += 1
    return purged
