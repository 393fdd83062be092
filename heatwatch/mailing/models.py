"""The mailing list: subscribers (double opt-in), newsletters and one send record per recipient.

A subscriber's address, name and organisation are personal data: encrypted at rest
(heatwatch.lib.fields) and found by a keyed blind index of the address (``email_index``), never
by the address itself. See docs/mailing.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.fields import StreamField

from heatwatch.lib.fields import EncryptedTextField
from heatwatch.mailing.blocks import NewsletterBlock


class Interest(models.TextChoices):
    NEWSLETTER = "newsletter", _("The quarterly newsletter")
    TRAININGS = "trainings", _("Coalition trainings")
    EVENTS = "events", _("Events")
    YOUTH_NETWORK = "youth_network", _("Youth Action Network news")


# Each interest is a boolean column, so an audience is a plain filter on every database.
INTEREST_FIELDS: dict[str, str] = {
    Interest.NEWSLETTER: "wants_newsletter",
    Interest.TRAININGS: "wants_trainings",
    Interest.EVENTS: "wants_events",
    Interest.YOUTH_NETWORK: "wants_youth_network",
}


class Language(models.TextChoices):
    EN = "en", _("English")
    ES = "es", _("Spanish")


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    SUPPRESSED = "suppressed", _("Suppressed (bounced)")


class ConsentSource(models.TextChoices):
    WEB = "web", _("Sign-up form")
    IMPORT = "import", _("Imported list")
    OTHER = "other", _("Other (see the import record)")


class Subscriber(models.Model):
    email = EncryptedTextField()
    # blind_index(email, context=EMAIL_INDEX_CONTEXT): the only way to find an address.
    email_index = models.CharField(max_length=64, unique=True)
    name = EncryptedTextField(blank=True, default="")
    organisation = EncryptedTextField(blank=True, default="")
    wants_newsletter = models.BooleanField(default=False)
    wants_trainings = models.BooleanField(default=False)
    wants_events = models.BooleanField(default=False)
    wants_youth_network = models.BooleanField(default=False)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    status = models.CharField(
        max_length=16, choices=SubscriberStatus.choices, default=SubscriberStatus.PENDING
    )
    consent_source = models.CharField(
        max_length=16, choices=ConsentSource.choices, default=ConsentSource.WEB
    )
    # Opaque, random, per recipient: the one-click unsubscribe link (never expires, RFC 8058).
    unsubscribe_token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Why the address stopped receiving mail (a hard bounce, a score of soft ones, a 5xx).
    suppressed_at = models.DateTimeField(null=True, blank=True)
    suppressed_reason = models.CharField(max_length=300, blank=True, default="")
    # Free text of where an imported consent came from (the event, the paper form...).
    consent_note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"subscriber {self.pk}"

    @property
    def interests(self) -> list[str]:
        return [i for i, f in INTEREST_FIELDS.items() if getattr(self, f)]

    def get_interest_labels(self) -> list[str]:
        return [str(Interest(i).label) for i in self.interests]


class BounceKind(models.TextChoices):
    HARD = "hard", _("Permanent (hard)")
    SOFT = "soft", _("Temporary (soft)")


class Bounce(models.Model):
    """One bounce of one address, read from a bounce message or an SMTP refusal."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="bounces")
    kind = models.CharField(max_length=8, choices=BounceKind.choices)
    # The status or reason the bounce gave (never the address).
    detail = models.CharField(max_length=300, blank=True, default="")
    # Identifies the bounce message, so reading the same mailbox twice counts it once.
    message_key = models.CharField(max_length=64)
    received_at = models.DateTimeField()
    # Set when a coordinator lifts the suppression: the bounce no longer counts.
    cleared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "message_key"], name="mailing_bounce_once_per_message"
            )
        ]
        indexes = [models.Index(fields=["subscriber", "kind", "received_at"])]

    def __str__(self) -> str:
        return f"bounce {self.pk}"


class NewsletterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")
    SENT = "sent", _("Sent")


class Newsletter(models.Model):
    """One issue sent to the subscribers who chose ``interest`` (and ``language``, if set).

    Composed in the CMS (a Wagtail snippet: subject, preheader and StreamField content, in
    English and optionally Spanish) or, for a short notice, as plain ``body`` text on the staff
    page. When sending starts, what each language's readers get is rendered once into
    ``frozen``: every reader of the issue gets the same text, and the archive shows it.
    """

    subject = models.CharField(max_length=200)
    preheader = models.CharField(max_length=200, blank=True, default="")
    body = models.TextField(blank=True, default="")
    content = StreamField(NewsletterBlock(), blank=True, default=list)
    subject_es = models.CharField(max_length=200, blank=True, default="")
    preheader_es = models.CharField(max_length=200, blank=True, default="")
    content_es = StreamField(NewsletterBlock(), blank=True, default=list)
    interest = models.CharField(
        max_length=16, choices=Interest.choices, default=Interest.NEWSLETTER
    )
    # "" sends to every language; otherwise only to subscribers who chose it.
    language = models.CharField(max_length=2, choices=Language.choices, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=NewsletterStatus.choices, default=NewsletterStatus.DRAFT
    )
    # A notice of one event (offered when a coalition training is published): at most one.
    event = models.OneToOneField(
        "events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    frozen = models.JSONField(default=dict, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return self.subject

    @property
    def is_editable(self) -> bool:
        return self.status in (NewsletterStatus.DRAFT, NewsletterStatus.SCHEDULED)

    @property
    def in_archive(self) -> bool:
        return self.status == NewsletterStatus.SENT and self.interest == Interest.NEWSLETTER


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    CLAIMED = "claimed", _("Claimed by a worker")
    HANDING = "handing", _("Being handed to SMTP")
    ACCEPTED = "accepted", _("Accepted by SMTP")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (no longer subscribed)")


class Delivery(models.Model):
    """The claim row of one newsletter to one subscriber: at most one per pair (docs/mailing.md)."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="deliveries")
    # NULL once the subscriber erased their data: the row stays for the counts, without them.
    subscriber = models.ForeignKey(
        Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    # Set at claim time: which worker holds the row, until when (a dead worker's lease runs out).
    claim_token = models.CharField(max_length=32, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # After a temporary SMTP failure (4xx): not claimed again before this time.
    retry_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True, default="")
    # The SMTP reply code and text of a failure (never the address).
    error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    handed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "subscriber"], name="mailing_delivery_once_per_subscriber"
            )
        ]
        indexes = [models.Index(fields=["newsletter", "status"])]

    def __str__(self) -> str:
        return f"delivery {self.pk}"
