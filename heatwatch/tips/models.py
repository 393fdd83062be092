"""Tips: what a member of the public (or a partner hotline) reports, and what staff do with it.

Everything that could identify a youth or a tipster is encrypted at rest (heatwatch.lib.fields).
Nothing here ever holds a tipster's IP address, user agent or a cookie identifier.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from heatwatch.lib.fields import EncryptedTextField


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone call")
    API = "api", _("Partner hotline (API)")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    REFERRED = "referred", _("Referred")
    LINKED = "linked", _("Linked to a case")
    CLOSED = "closed", _("Closed")


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate danger")
    HIGH = "high", _("High")
    ROUTINE = "routine", _("Routine")


URGENCY_ORDER = {Urgency.IMMEDIATE: 0, Urgency.HIGH: 1, Urgency.ROUTINE: 2}


class AgeRange(models.TextChoices):
    UNDER_12 = "under_12", _("Under 12")
    AGE_12_14 = "12_14", _("12 to 14")
    AGE_15_17 = "15_17", _("15 to 17")
    AGE_18_24 = "18_24", _("18 to 24")
    UNKNOWN = "unknown", _("Not sure")


class CloseReason(models.TextChoices):
    REFERRED_DONE = "referred_done", _("Referred; agency has it")
    NO_ACTION = "no_action", _("No action needed")
    INSUFFICIENT = "insufficient", _("Not enough information to act")
    DUPLICATE = "duplicate", _("Duplicate of another tip")
    NOT_EXPLOITATION = "not_exploitation", _("Not exploitation; passed to the right service")
    SPAM = "spam", _("Spam or abuse")


class RedFlag(models.TextChoices):
    OLDER_PARTNER = "older_partner", _("Has a much older boyfriend, girlfriend or “friend”")
    UNEXPLAINED_ITEMS = (
        "unexplained_items",
        _("Has new clothes, phones, hair, nails or money and no clear way to pay for them"),
    )
    BRANDING = "branding", _("Has a tattoo or brand of a name, symbol or money sign")
    CONTROLLED = (
        "controlled",
        _("Someone else speaks for them, keeps their ID or phone, or watches them"),
    )
    MISSING = "missing", _("Often runs away or goes missing from home, placement or school")
    HOTELS = "hotels", _("Seen at hotels or motels, or where people buy sex")
    ONLINE_ADS = "online_ads", _("Appears in online ads, or is being recruited online or in games")
    INJURIES = "injuries", _("Has unexplained injuries or seems fearful, anxious or watchful")
    SEVERAL_PHONES = "several_phones", _("Has several phones or social media accounts")
    LINGO = "lingo", _("Uses words such as “daddy”, “the track”, “the life” or “quota”")
    SUBSTANCES = "substances", _("Is given drugs or alcohol by adults")
    SCHOOL = "school", _("Stopped going to school or is often absent")


# Flags that on their own make a tip about a minor high urgency.
SERIOUS_FLAGS = frozenset(
    {RedFlag.CONTROLLED, RedFlag.HOTELS, RedFlag.ONLINE_ADS, RedFlag.INJURIES}
)


class Tip(models.Model):
    reference = models.CharField(max_length=20, unique=True)  # staff-facing, e.g. T-2026-00042
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    urgency_computed = models.CharField(max_length=10, choices=Urgency.choices)
    red_flags = models.JSONField(default=list, blank=True)
    immediate_danger = models.BooleanField(default=False)

    # What was seen, about whom, where and when: all encrypted.
    narrative = EncryptedTextField(blank=True)
    subject_age_range = models.CharField(
        max_length=10, choices=AgeRange.choices, default=AgeRange.UNKNOWN
    )
    subject_description = EncryptedTextField(blank=True)
    subject_names = EncryptedTextField(blank=True)
    location = EncryptedTextField(blank=True)
    seen_when = EncryptedTextField(blank=True)
    online_handles = EncryptedTextField(blank=True)

    # The tipster. Anonymous unless they chose to leave contact details.
    is_anonymous = models.BooleanField(default=True)
    contact_name = EncryptedTextField(blank=True)
    contact_phone = EncryptedTextField(blank=True)
    contact_email = EncryptedTextField(blank=True)
    caller_notes = EncryptedTextField(blank=True)  # phone tips: what the call-taker noted

    # Receipt: a lookup number plus a slow hash of the whole code; never the code itself.
    receipt_lookup = models.CharField(max_length=16, unique=True, null=True, blank=True)
    receipt_hash = models.CharField(max_length=200, blank=True)
    receipt_expires_at = models.DateTimeField(null=True, blank=True)
    receipt_last_visit_at = models.DateTimeField(null=True, blank=True)

    # Abuse handling: likely spam goes to its own queue, never the bin.
    likely_spam = models.BooleanField(default=False)
    spam_reasons = models.JSONField(default=list, blank=True)

    # Triage.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tips",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="logged_tips",
    )
    case_reference = models.CharField(max_length=40, blank=True)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Staff owe the tipster an answer by this time (7 days after acknowledgement or their
    # latest message); cleared when staff write to them.
    reply_due_at = models.DateTimeField(null=True, blank=True)
    reply_overdue_alerted_at = models.DateTimeField(null=True, blank=True)

    version = models.PositiveIntegerField(default=1)  # optimistic locking of staff edits
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "urgency", "created_at"]),
            models.Index(fields=["likely_spam", "status"]),
            models.Index(fields=["reply_due_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


class TipIndex(models.Model):
    """Keyed blind indexes of a tip's handles, names and place, to link related tips without
    storing them in clear."""

    class Kind(models.TextChoices):
        HANDLE = "handle", _("Online handle or link")
        NAME = "name", _("Name or nickname")
        LOCATION = "location", _("Location")

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="indexes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["kind", "digest"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.digest[:8]}"


class TipLink(models.Model):
    """Two tips staff consider related (same youth, handle or location)."""

    from_tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="links_out")
    to_tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="links_in")
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_tip", "to_tip"], name="tiplink_unique")
        ]

    def __str__(self) -> str:
        return f"{self.from_tip_id}↔{self.to_tip_id}"


class TipMessage(models.Model):
    """The two-way channel with the tipster, reached with their receipt code."""

    class Direction(models.TextChoices):
        TO_TIPSTER = "to_tipster", _("To the tipster")
        FROM_TIPSTER = "from_tipster", _("From the tipster")

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=12, choices=Direction.choices)
    body = EncryptedTextField()
    automatic = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.tip_id} {self.direction} {self.created_at:%Y-%m-%d}"


class TipNote(models.Model):
    """Internal staff notes (never shown to the tipster)."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="notes")
    body = EncryptedTextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note on {self.tip_id}"


class TipAttachment(models.Model):
    """A file sent with a tip: checked by content, metadata stripped, encrypted at rest."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="attachments")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    # Encrypted bytes (AES-GCM token); the original file name is never kept (it can name
    # the tipster's phone or the youth).
    blob = EncryptedTextField()
    from_tipster = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"attachment {self.pk} of {self.tip_id}"


class ReferralOutcome(models.TextChoices):
    PENDING = "pending", pgettext_lazy("referral", "Awaiting the agency")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigation opened")
    YOUTH_IDENTIFIED = "youth_identified", _("Youth identified")
    YOUTH_RECOVERED = "youth_recovered", _("Youth recovered and safe")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Referred elsewhere")
    NO_ACTION = "no_action", _("No further action")
    NOT_OURS = "not_ours", _("Outside our jurisdiction")


# What an officer records today (issue 17); the other values stay readable on older referrals.
OFFICER_OUTCOMES = (
    ReferralOutcome.INVESTIGATING,
    ReferralOutcome.YOUTH_RECOVERED,
    ReferralOutcome.REFERRED_ELSEWHERE,
    ReferralOutcome.NO_ACTION,
)
# Still open in the agency's inbox: not yet answered with an outcome.
OPEN_OUTCOMES = (ReferralOutcome.PENDING, ReferralOutcome.ACKNOWLEDGED)


class TipReferral(models.Model):
    """A tip sent to a law-enforcement agency, whose officers record what came of it."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="referrals")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="tip_referrals"
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = EncryptedTextField(blank=True)
    outcome = models.CharField(
        max_length=20, choices=ReferralOutcome.choices, default=ReferralOutcome.PENDING
    )
    outcome_note = EncryptedTextField(blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    # The agency saw it: an urgent referral not acknowledged in time is escalated to the
    # coordinators (HEATWATCH_TIP_REFERRAL_ACK_MINUTES).
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tip", "organisation"], name="tipreferral_unique")
        ]
        indexes = [models.Index(fields=["acknowledged_at", "escalated_at"])]

    def __str__(self) -> str:
        return f"{self.tip_id} → {self.organisation_id}"


class TipTally(models.Model):
    """Anonymous counts that outlive purged tips (month, channel, urgency, close reason)."""

    month = models.DateField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "channel", "urgency", "close_reason"], name="tiptally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.channel} {self.urgency}: {self.count}"


class SpentFormToken(models.Model):
    """A public form's token that has been used: each token is good for one post.

    Only a hash of the token's random part and when the row may be deleted (once the token
    would have expired anyway); nothing about who posted it.
    """

    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.digest[:12]
