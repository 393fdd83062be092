"""Writes of the mailing list: sign-up (double opt-in), confirmation, preferences, unsubscribe,
erasure, the purge of unconfirmed addresses, and sending a newsletter exactly once per
subscriber (docs/mailing.md).

Public callers never learn whether an address was already on the list: ``subscribe`` returns
nothing, and the e-mail it queues (a confirmation link, or a link to the preference centre for
someone already confirmed) goes only to the address itself.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.core import ratelimit
from heatwatch.events.models import Event
from heatwatch.lib.crypto import blind_index
from heatwatch.lib.versioning import StaleEdit, bump, locked
from heatwatch.mailing.models import (
    INTEREST_FIELDS,
    ConsentSource,
    Delivery,
    DeliveryStatus,
    Interest,
    Newsletter,
    NewsletterStatus,
    Subscriber,
    SubscriberStatus,
)

EMAIL_INDEX_CONTEXT = "mailing.subscriber.email"
CONFIRM_SALT = "heatwatch.mailing.confirm"
PREFERENCES_SALT = "heatwatch.mailing.preferences"
MAX_ATTEMPTS = 5  # hand-overs of one message (interrupted or refused for now) before giving up
RETRY_AFTER = timedelta(minutes=5)  # after a temporary failure; doubled at each attempt


class MailingError(Exception):
    """A mailing-list action that cannot be done; the message is safe to show."""


class LinkInvalid(MailingError):
    """A confirmation, preference or unsubscribe link that is forged, altered or unknown."""


class LinkExpired(MailingError):
    """A genuine signed link that is too old."""


class SubscribeThrottled(MailingError):
    """Too many sign-ups from one source in the hour."""


# --- tokens -----------------------------------------------------------------------------------


def email_index(email: str) -> str:
    """The blind index an address is found by (case and surrounding space do not matter)."""
    return blind_index(email.strip(), context=EMAIL_INDEX_CONTEXT)


def _fingerprint(subscriber: Subscriber) -> str:
    # Binds a signed link to the subscriber's current unsubscribe token: rotating it (or erasing
    # the row) kills every older link.
    return hashlib.sha256(subscriber.unsubscribe_token.encode()).hexdigest()[:16]


def confirm_token(subscriber: Subscriber) -> str:
    """A signed, timestamped token for the confirmation link (expires, see settings)."""
    return signing.dumps({"s": subscriber.pk, "f": _fingerprint(subscriber)}, salt=CONFIRM_SALT)


def preferences_token(subscriber: Subscriber) -> str:
    """A signed, timestamped token for the preference-centre link in each e-mail."""
    return signing.dumps({"s": subscriber.pk, "f": _fingerprint(subscriber)}, salt=PREFERENCES_SALT)


def _read_signed(token: str, *, salt: str, max_age: timedelta) -> Subscriber:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired(_("This link has expired.")) from None
    except signing.BadSignature:
        raise LinkInvalid(_("This link is not valid.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise LinkInvalid(_("This link is not valid."))
    subscriber = Subscriber.objects.filter(pk=data["s"]).first()
    if subscriber is None or _fingerprint(subscriber) != data.get("f"):
        raise LinkInvalid(_("This link is not valid."))
    return subscriber


def subscriber_from_confirm_token(token: str) -> Subscriber:
    """The subscriber a confirmation link is for, or LinkInvalid / LinkExpired."""
    days = settings.HEATWATCH_MAILING_CONFIRM_LINK_DAYS
    return _read_signed(token, salt=CONFIRM_SALT, max_age=timedelta(days=days))


def subscriber_from_preferences_token(token: str) -> Subscriber:
    """The subscriber a preference-centre link is for, or LinkInvalid / LinkExpired."""
    days = settings.HEATWATCH_MAILING_PREFERENCES_LINK_DAYS
    return _read_signed(token, salt=PREFERENCES_SALT, max_age=timedelta(days=days))


def subscriber_from_unsubscribe_token(token: str) -> Subscriber:
    """The subscriber of an opaque one-click token, or LinkInvalid (it never expires)."""
    subscriber = Subscriber.objects.filter(unsubscribe_token=token).first() if token else None
    if subscriber is None:
        raise LinkInvalid(_("This link is not valid."))
    return subscriber


def new_unsubscribe_token() -> str:
    return secrets.token_urlsafe(32)


# --- subscribers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscribeInput:
    email: str
    name: str = ""
    organisation: str = ""
    interests: list[str] = field(default_factory=list)
    language: str = "en"


def _interest_values(interests: Iterable[str]) -> dict[str, bool]:
    chosen = set(interests)
    unknown = chosen - set(INTEREST_FIELDS)
    if unknown:
        raise MailingError(_("Unknown interest."))
    return {column: interest in chosen for interest, column in INTEREST_FIELDS.items()}


@transaction.atomic
def subscribe(
    *, data: SubscribeInput, source_key: str, consent_source: str = ConsentSource.WEB
) -> None:
    """Sign an address up (double opt-in); idempotent, and silent about what was there before.

    New address: a pending subscriber, and a confirmation e-mail. Pending or unsubscribed: the
    answers replace the unconfirmed ones and a new confirmation e-mail goes out. Confirmed: the
    stored choices are kept (nobody can change someone else's by signing them up) and the
    address gets a link to its preference centre. Suppressed (bounced): nothing is sent. At
    most HEATWATCH_MAILING_CONFIRM_MAILS_PER_DAY e-mails a day go to one address.
    Raises SubscribeThrottled after too many sign-ups from ``source_key`` in the hour.
    """
    count = ratelimit.hit(scope="mailing.subscribe", key=source_key, window=timedelta(hours=1))
    if count > settings.HEATWATCH_MAILING_SUBSCRIBES_PER_HOUR:
        raise SubscribeThrottled(
            _("Too many sign-ups came from your network in the last hour. Please try later.")
        )
    index = email_index(data.email)
    values = {
        **_interest_values(data.interests),
        "name": data.name.strip(),
        "organisation": data.organisation.strip(),
        "language": data.language,
    }
    subscriber = Subscriber.objects.select_for_update().filter(email_index=index).first()
    if subscriber is None:
        subscriber, created = Subscriber.objects.get_or_create(
            email_index=index,
            defaults={
                **values,
                "email": data.email.strip(),
                "consent_source": consent_source,
                "unsubscribe_token": new_unsubscribe_token(),
            },
        )
        if created:
            audit_log(action=Action.CREATE, obj=subscriber, reason="mailing sign-up")
    else:
        created = False
    if not created and subscriber.status in (
        SubscriberStatus.PENDING,
        SubscriberStatus.UNSUBSCRIBED,
    ):
        for name, value in values.items():
            setattr(subscriber, name, value)
        subscriber.email = data.email.strip()
        subscriber.consent_source = consent_source
        subscriber.save()
    if subscriber.status == SubscriberStatus.SUPPRESSED:
        return
    mails = ratelimit.hit(scope="mailing.confirm_mail", key=index, window=timedelta(days=1))
    if mails > settings.HEATWATCH_MAILING_CONFIRM_MAILS_PER_DAY:
        return
    from heatwatch.mailing import tasks  # tasks import this module

    subscriber_id = subscriber.pk
    transaction.on_commit(lambda: tasks.send_signup_mail.enqueue(subscriber_id=subscriber_id))


@transaction.atomic
def confirm(*, subscriber: Subscriber) -> Subscriber:
    """Confirm an address from its confirmation link (idempotent); a welcome e-mail goes out.

    Refused for a suppressed address (it bounced: only un-suppressing by staff lifts that).
    """
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status == SubscriberStatus.SUPPRESSED:
        raise MailingError(_("This address cannot receive our e-mails."))
    if subscriber.status == SubscriberStatus.CONFIRMED:
        return subscriber
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.confirmed_at = timezone.now()
    subscriber.unsubscribed_at = None
    subscriber.save(update_fields=["status", "confirmed_at", "unsubscribed_at", "updated_at"])
    audit_log(action=Action.UPDATE, obj=subscriber, fields=["status"], reason="confirmed")
    from heatwatch.mailing import tasks

    transaction.on_commit(lambda: tasks.send_welcome_mail.enqueue(subscriber_id=subscriber.pk))
    if settings.HEATWATCH_MAILING_NOTIFY_COORDINATORS:
        transaction.on_commit(
            lambda: tasks.notify_coordinators.enqueue(subscriber_id=subscriber.pk)
        )
    return subscriber


@transaction.atomic
def unsubscribe(*, subscriber: Subscriber, how: str) -> Subscriber:
    """Unsubscribe at once (idempotent). Nothing is sent to the address again by any path:
    queued deliveries of it are skipped when their turn comes (``send_batch``)."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if subscriber.status in (SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.SUPPRESSED):
        return subscriber
    subscriber.status = SubscriberStatus.UNSUBSCRIBED
    subscriber.unsubscribed_at = timezone.now()
    subscriber.save(update_fields=["status", "unsubscribed_at", "updated_at"])
    audit_log(
        action=Action.UPDATE, obj=subscriber, fields=["status"], reason=f"unsubscribed: {how}"
    )
    return subscriber


@transaction.atomic
def preferences_update(
    *, subscriber: Subscriber, interests: list[str], language: str
) -> Subscriber:
    """Change what a subscriber hears about and in which language."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    changed = []
    for column, value in {**_interest_values(interests), "language": language}.items():
        if getattr(subscriber, column) != value:
            setattr(subscriber, column, value)
            changed.append(column)
    if changed:
        subscriber.save(update_fields=[*changed, "updated_at"])
        audit_log(action=Action.UPDATE, obj=subscriber, fields=changed, reason="preferences")
    return subscriber


def subscriber_export(*, subscriber: Subscriber) -> dict[str, Any]:
    """Everything held about a subscriber, for "download my data" (audited)."""
    with transaction.atomic():
        audit_log(action=Action.EXPORT, obj=subscriber, reason="download my data")
        deliveries = [
            {
                "newsletter": d.newsletter.subject,
                "status": d.status,
                "sent_at": d.accepted_at.isoformat() if d.accepted_at else None,
            }
            for d in subscriber.deliveries.select_related("newsletter").order_by("created_at")
        ]
    return {
        "email": subscriber.email,
        "name": subscriber.name,
        "organisation": subscriber.organisation,
        "interests": subscriber.interests,
        "language": subscriber.language,
        "status": subscriber.status,
        "consent_source": subscriber.consent_source,
        "subscribed_at": subscriber.created_at.isoformat(),
        "confirmed_at": subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else None,
        "unsubscribed_at": (
            subscriber.unsubscribed_at.isoformat() if subscriber.unsubscribed_at else None
        ),
        "newsletters": deliveries,
    }


@transaction.atomic
def subscriber_erase(*, subscriber: Subscriber) -> None:
    """Erase a subscriber: the row goes; send records stay for the counts, without them."""
    audit_log(action=Action.DELETE, obj=subscriber, reason="erase my data")
    Subscriber.objects.filter(pk=subscriber.pk).delete()


def purge_unconfirmed(*, now: datetime | None = None) -> int:
    """Delete addresses left unconfirmed for HEATWATCH_MAILING_PENDING_PURGE_DAYS; the count."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.HEATWATCH_MAILING_PENDING_PURGE_DAYS)
    purged = 0
    stale = Subscriber.objects.filter(status=SubscriberStatus.PENDING, created_at__lt=cutoff)
    for pk in list(stale.values_list("pk", flat=True)[:10_000]):
        with transaction.atomic():
            row = stale.select_for_update().filter(pk=pk).first()
            if row is None:
                continue
            audit_log(action=Action.DELETE, obj=row, reason="unconfirmed sign-up purged")
            row.delete()
            purged += 1
    return purged


# --- newsletters ------------------------------------------------------------------------------


@transaction.atomic
def newsletter_create(
    *, subject: str, body: str, interest: str, language: str, by: User | None
) -> Newsletter:
    """A draft newsletter (composed by a coordinator)."""
    newsletter = Newsletter.objects.create(
        subject=subject, body=body, interest=interest, language=language, created_by=by
    )
    audit_log(action=Action.CREATE, actor=by, obj=newsletter)
    return newsletter


def audience(newsletter: Newsletter) -> QuerySet[Subscriber]:
    """The confirmed subscribers a newsletter goes to (its interest, and language if set)."""
    qs = Subscriber.objects.filter(
        status=SubscriberStatus.CONFIRMED, **{INTEREST_FIELDS[newsletter.interest]: True}
    )
    if newsletter.language:
        qs = qs.filter(language=newsletter.language)
    return qs


class StaleNewsletter(MailingError, StaleEdit):
    """The newsletter changed (was paused, resumed, scheduled, sent) since the page was loaded."""


def _locked_newsletter(newsletter: Newsletter, version: int | None) -> Newsletter:
    return locked(
        Newsletter,
        newsletter.pk,
        version=version,
        stale=StaleNewsletter,
        message=_("This newsletter changed since you loaded the page. Review it and try again."),
    )


def _start_sending(newsletter: Newsletter, *, by: User | None, reason: str) -> None:
    from heatwatch.mailing import content, tasks

    if not newsletter.subject.strip():
        raise MailingError(_("Give the newsletter a subject first."))
    newsletter.frozen = content.freeze(newsletter)
    newsletter.status = NewsletterStatus.SENDING
    newsletter.queued_at = timezone.now()
    bump(newsletter, ["frozen", "status", "queued_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=newsletter, fields=["status"], reason=reason)
    newsletter_id = newsletter.pk
    transaction.on_commit(lambda: tasks.send_newsletter.enqueue(newsletter_id=newsletter_id))


@transaction.atomic
def newsletter_send(*, newsletter: Newsletter, by: User, version: int | None = None) -> Newsletter:
    """Start sending a draft (or a scheduled one, now): its content is rendered once for each
    language and kept (``frozen``), then the worker creates the claim rows and sends."""
    newsletter = _locked_newsletter(newsletter, version)
    if newsletter.status not in (NewsletterStatus.DRAFT, NewsletterStatus.SCHEDULED):
        raise MailingError(_("This newsletter has already been sent."))
    _start_sending(newsletter, by=by, reason="send")
    return newsletter


@transaction.atomic
def newsletter_schedule(
    *, newsletter: Newsletter, by: User, at: datetime, version: int | None
) -> Newsletter:
    """Send a draft at ``at`` (the periodic job ``mailing.send_scheduled`` starts it)."""
    newsletter = _locked_newsletter(newsletter, version)
    if not newsletter.is_editable:
        raise MailingError(_("This newsletter has already been sent."))
    if at <= timezone.now():
        raise MailingError(_("Choose a time in the future, or send it now."))
    newsletter.status = NewsletterStatus.SCHEDULED
    newsletter.scheduled_at = at
    bump(newsletter, ["status", "scheduled_at"])
    audit_log(
        action=Action.UPDATE,
        actor=by,
        obj=newsletter,
        fields=["status", "scheduled_at"],
        reason="scheduled",
    )
    return newsletter


@transaction.atomic
def newsletter_unschedule(*, newsletter: Newsletter, by: User, version: int | None) -> Newsletter:
    """Take a scheduled newsletter back to a draft."""
    newsletter = _locked_newsletter(newsletter, version)
    if newsletter.status != NewsletterStatus.SCHEDULED:
        raise MailingError(_("This newsletter is not scheduled."))
    newsletter.status = NewsletterStatus.DRAFT
    newsletter.scheduled_at = None
    bump(newsletter, ["status", "scheduled_at"])
    audit_log(
        action=Action.UPDATE, actor=by, obj=newsletter, fields=["status"], reason="unscheduled"
    )
    return newsletter


def newsletters_start_scheduled(*, now: datetime | None = None) -> list[int]:
    """Periodic: start every scheduled newsletter whose time has come; their ids."""
    now = now or timezone.now()
    started = []
    due = Newsletter.objects.filter(status=NewsletterStatus.SCHEDULED, scheduled_at__lte=now)
    for pk in list(due.order_by("scheduled_at", "pk").values_list("pk", flat=True)[:100]):
        with transaction.atomic():
            newsletter = Newsletter.objects.select_for_update().get(pk=pk)
            if newsletter.status != NewsletterStatus.SCHEDULED:
                continue
            _start_sending(newsletter, by=None, reason="scheduled send")
            started.append(pk)
    return started


@transaction.atomic
def newsletter_pause(*, newsletter: Newsletter, by: User, version: int | None) -> Newsletter:
    """Pause a send: workers stop before their next batch (the batch in hand is finished)."""
    newsletter = _locked_newsletter(newsletter, version)
    if newsletter.status != NewsletterStatus.SENDING:
        raise MailingError(_("Only a newsletter being sent can be paused."))
    newsletter.status = NewsletterStatus.PAUSED
    bump(newsletter, ["status"])
    audit_log(action=Action.UPDATE, actor=by, obj=newsletter, fields=["status"], reason="paused")
    return newsletter


@transaction.atomic
def newsletter_resume(*, newsletter: Newsletter, by: User, version: int | None) -> Newsletter:
    """Resume a paused send where it stopped (nobody already sent to is sent to again)."""
    from heatwatch.mailing import tasks

    newsletter = _locked_newsletter(newsletter, version)
    if newsletter.status != NewsletterStatus.PAUSED:
        raise MailingError(_("Only a paused newsletter can be resumed."))
    newsletter.status = NewsletterStatus.SENDING
    bump(newsletter, ["status"])
    audit_log(action=Action.UPDATE, actor=by, obj=newsletter, fields=["status"], reason="resumed")
    newsletter_id = newsletter.pk
    transaction.on_commit(lambda: tasks.send_newsletter.enqueue(newsletter_id=newsletter_id))
    return newsletter


def newsletter_is_sending(*, newsletter: Newsletter) -> bool:
    """Whether the newsletter is (still) being sent: not paused meanwhile."""
    return Newsletter.objects.filter(pk=newsletter.pk, status=NewsletterStatus.SENDING).exists()


@transaction.atomic
def newsletter_test_send(*, newsletter: Newsletter, by: User, language: str) -> None:
    """A test copy to the coordinator's own address, in ``language`` (sent by a task)."""
    from heatwatch.mailing import tasks

    if not by.email:
        raise MailingError(_("Your account has no e-mail address to send a test copy to."))
    audit_log(action=Action.READ, actor=by, obj=newsletter, reason=f"test copy ({language})")
    newsletter_id, user_id = newsletter.pk, by.pk
    transaction.on_commit(
        lambda: tasks.send_test_copy.enqueue(
            newsletter_id=newsletter_id, user_id=user_id, language=language
        )
    )


@transaction.atomic
def event_notice_create(*, event: Event, by: User) -> Newsletter:
    """A draft notice of a coalition training, to subscribers interested in trainings, in
    English and Spanish; the coordinator reviews it and confirms the send. One per event."""
    from heatwatch.mailing import notices

    existing = Newsletter.objects.filter(event=event).first()
    if existing is not None:
        return existing
    newsletter = Newsletter.objects.create(
        **notices.notice_fields(event), interest=Interest.TRAININGS, event=event, created_by=by
    )
    audit_log(action=Action.CREATE, actor=by, obj=newsletter, reason="event notice")
    return newsletter


def deliveries_queue(*, newsletter: Newsletter, chunk: int = 1000) -> int:
    """Create one claim row per audience member (idempotent: the unique constraint keeps a
    second run, or a second worker, from adding any). Returns how many rows exist."""
    last = 0
    while True:
        ids = list(
            audience(newsletter)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            break
        Delivery.objects.bulk_create(
            [Delivery(newsletter=newsletter, subscriber_id=pk) for pk in ids],
            ignore_conflicts=True,
        )
        last = ids[-1]
    return Delivery.objects.filter(newsletter=newsletter).count()


def deliveries_release_expired(*, newsletter: Newsletter) -> int:
    """Give back the rows of a worker whose lease ran out (it died, or was killed).

    ``claimed`` rows were never handed to SMTP: back to the queue. ``handing`` rows are the one
    unavoidable window (handed, maybe accepted, not recorded): they are queued again keeping
    their Message-ID, so an MTA that de-duplicates by Message-ID drops the copy.
    """
    now = timezone.now()
    expired = Delivery.objects.filter(
        newsletter=newsletter,
        status__in=[DeliveryStatus.CLAIMED, DeliveryStatus.HANDING],
        lease_until__lt=now,
    )
    # A message whose hand-over killed its worker this many times is given up, not retried
    # for ever.
    expired.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED,
        error=f"given up after {MAX_ATTEMPTS} interrupted attempts",
        claim_token="",
        lease_until=None,
        updated_at=now,
    )
    return expired.update(
        status=DeliveryStatus.QUEUED, claim_token="", lease_until=None, updated_at=now
    )


def deliveries_claim(*, newsletter: Newsletter, size: int) -> tuple[str, list[Delivery]]:
    """Claim up to ``size`` queued rows for this worker; returns (claim token, rows).

    The conditional UPDATE (status still queued) is what makes a row one worker's only, on
    every database; on PostgreSQL ``skip_locked`` also keeps workers from waiting on each other.
    """
    claim = uuid.uuid4().hex
    now = timezone.now()
    lease = now + timedelta(minutes=settings.HEATWATCH_MAILING_CLAIM_LEASE_MINUTES)
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(newsletter=newsletter, status=DeliveryStatus.QUEUED)
            .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
                status=DeliveryStatus.CLAIMED, claim_token=claim, lease_until=lease, updated_at=now
            )
    rows = list(
        Delivery.objects.filter(claim_token=claim, status=DeliveryStatus.CLAIMED)
        .select_related("subscriber")
        # A message needs the address, not the name or organisation (each one decryption).
        .defer("subscriber__name", "subscriber__organisation")
        .order_by("pk")
    )
    for row in rows:
        row.newsletter = newsletter  # the caller's object, not one more copy per row
    return claim, rows


def delivery_mark(
    *, delivery: Delivery, claim: str, status: str, expect: str, **fields: Any
) -> bool:
    """Move a claimed row on (committed at once); False when this worker no longer holds it."""
    fields.setdefault("updated_at", timezone.now())
    if status in (DeliveryStatus.ACCEPTED, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED):
        fields.update(lease_until=None)
    updated = Delivery.objects.filter(pk=delivery.pk, claim_token=claim, status=expect).update(
        status=status, **fields
    )
    return updated == 1


def delivery_hand_over(
    *, delivery: Delivery, claim: str, accepted: Delivery | None, accepted_at: datetime | None
) -> bool:
    """The worker's one commit per message: ``accepted`` (the row the server took last, if
    any) becomes ``accepted`` and ``delivery`` becomes ``handing``, in one transaction; False
    when this worker no longer holds ``delivery``.

    Both are plain parameterised UPDATEs on the same conditions as ``delivery_mark`` (row,
    claim, expected status): this runs once per recipient, and the ORM's query building was
    most of the worker's own cost (benchmarks/mailing.py)."""
    from django.db import connection

    table = connection.ops.quote_name(Delivery._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        if accepted is not None:
            cursor.execute(
                f"UPDATE {table} SET status = %s, accepted_at = %s, lease_until = NULL, "  # noqa: S608 - our table name
                "updated_at = %s WHERE id = %s AND claim_token = %s AND status = %s",
                [
                    DeliveryStatus.ACCEPTED.value,
                    connection.ops.adapt_datetimefield_value(accepted_at),
                    now,
                    accepted.pk,
                    claim,
                    DeliveryStatus.HANDING.value,
                ],
            )
        cursor.execute(
            f"UPDATE {table} SET status = %s, message_id = %s, handed_at = %s, "  # noqa: S608 - our table name
            "attempts = %s, updated_at = %s WHERE id = %s AND claim_token = %s AND status = %s",
            [
                DeliveryStatus.HANDING.value,
                delivery.message_id,
                now,
                delivery.attempts + 1,
                now,
                delivery.pk,
                claim,
                DeliveryStatus.CLAIMED.value,
            ],
        )
        return bool(cursor.rowcount == 1)


def delivery_retry_later(*, delivery: Delivery, claim: str, error: str) -> bool:
    """After a temporary SMTP failure (4xx): queue the row again with a growing delay
    (5, 10, 20, 40 minutes), or record it failed after MAX_ATTEMPTS hand-overs."""
    if delivery.attempts >= MAX_ATTEMPTS:
        return delivery_mark(
            delivery=delivery,
            claim=claim,
            status=DeliveryStatus.FAILED,
            expect=DeliveryStatus.HANDING,
            error=f"{error} (given up after {MAX_ATTEMPTS} attempts)"[:300],
        )
    delay = RETRY_AFTER * 2 ** max(delivery.attempts - 1, 0)
    return delivery_mark(
        delivery=delivery,
        claim=claim,
        status=DeliveryStatus.QUEUED,
        expect=DeliveryStatus.HANDING,
        error=error,
        claim_token="",
        lease_until=None,
        retry_at=timezone.now() + delay,
    )


def newsletter_finish_if_done(*, newsletter: Newsletter) -> bool:
    """Mark a newsletter sent once no row is queued or in a worker's hands."""
    open_rows = Delivery.objects.filter(newsletter=newsletter).filter(
        Q(status=DeliveryStatus.QUEUED)
        | Q(status=DeliveryStatus.CLAIMED)
        | Q(status=DeliveryStatus.HANDING)
    )
    if open_rows.exists():
        return False
    now = timezone.now()
    Newsletter.objects.filter(pk=newsletter.pk, status=NewsletterStatus.SENDING).update(
        status=NewsletterStatus.SENT, finished_at=now, updated_at=now
    )
    return True
