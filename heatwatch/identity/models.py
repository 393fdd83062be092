"""One youth, one record: people, their source records, blocking keys and merges.

A :class:`Person` is one youth as the program knows them; each agency's record of that youth
is an :class:`IdentityRecord`. Every personal field is encrypted (heatwatch.lib.fields); the
matching keys are keyed blind indexes stored as 64-bit integers, so the database never holds a
name or a date of birth in clear. See docs/identity.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heatwatch.lib.fields import EncryptedDateField, EncryptedTextField


class Person(models.Model):
    """One youth: the cluster of source records that refer to them."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when this person was merged into another; cleared when the merge is undone.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Person {self.pk}"

    @property
    def is_active(self) -> bool:
        """False once merged into another person."""
        return self.merged_into_id is None


class IdentityRecord(models.Model):
    """One agency's record of a youth: names, aliases, date of birth, contact details."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="records")
    source = models.CharField(max_length=200, blank=True)  # the agency, not personal data
    source_record_id = EncryptedTextField(blank=True)
    given_name = EncryptedTextField(blank=True)
    family_name = EncryptedTextField(blank=True)
    aliases = EncryptedTextField(blank=True)  # ";"-separated
    dob = EncryptedDateField(null=True, blank=True)
    sex = EncryptedTextField(blank=True)
    city = EncryptedTextField(blank=True)
    postcode = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    # The normalised values matching compares, as compact JSON: one decryption per candidate
    # at intake instead of nine.
    features = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the record was added, its matching fields changed, or it moved to another person (a
    # merge or an undo): the possible-duplicates scan compares only records changed since its
    # last run (services.duplicates_scan).
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["changed_at", "id"], name="identity_record_changed")]

    def __str__(self) -> str:
        return f"Identity record {self.pk}"


class BlockingKey(models.Model):
    """A blind index of one blocking key of a record (see names.blocking_keys)."""

    record = models.ForeignKey(IdentityRecord, on_delete=models.CASCADE, related_name="keys")
    key = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["key", "record"], name="identity_key_record")]

    def __str__(self) -> str:
        return f"key of record {self.record_id}"


class TermCount(models.Model):
    """How many records hold a key: block sizes and name frequencies, by blind index.

    ``key`` 0 counts all records.
    """

    key = models.BigIntegerField(unique=True)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"term count {self.pk}"


class Merge(models.Model):
    """A coordinator's decision that two people are one youth; undone by setting undone_at."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_in")
    absorbed = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_out")
    # The records that moved from ``absorbed`` to ``survivor``: exactly these move back.
    record_ids = models.JSONField(default=list)
    reason = EncryptedTextField()
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undo_reason = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Merge {self.pk}"

    @property
    def is_undone(self) -> bool:
        """Was this merge undone?"""
        return self.undone_at is not None


class DuplicateStatus(models.TextChoices):
    """Where a proposed pair stands in the possible-duplicates queue."""

    OPEN = "open", _("To review")
    UNSURE = "unsure", _("Not sure")
    SAME = "same", _("Same youth")
    NOT_SAME = "not_same", _("Not the same")
    # One of the two people was merged into someone else since the pair was proposed.
    GONE = "gone", _("No longer applies")


class DuplicateCandidate(models.Model):
    """A pair of people the scan found likely to be one youth, waiting for (or with) an answer.

    ``low``/``high`` are the two people in id order (one row per pair). ``reasons`` holds the
    comparison labels of the closest records ("Given name", "nickname of the same name", agrees)
    and never a value. A "not the same" answer keeps ``fingerprint``, a keyed hash of both
    people's matching fields: the scan proposes the pair again only when it changes.
    """

    low = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    high = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    reasons = models.JSONField(default=list)
    # Whether either person has an open case (filled through identity.extensions).
    open_case = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    fingerprint = models.CharField(max_length=64, blank=True)
    proposed_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merge = models.ForeignKey(
        Merge, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-open_case", "-probability", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="identity_duplicate_pair"),
            models.CheckConstraint(
                condition=models.Q(low__lt=models.F("high")), name="identity_duplicate_order"
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "-open_case", "-probability"], name="identity_duplicate_queue"
            )
        ]

    def __str__(self) -> str:
        return f"Possible duplicate {self.pk}"

    @property
    def is_waiting(self) -> bool:
        """Still in the queue (to review, or answered "not sure")."""
        return self.status in (DuplicateStatus.OPEN, DuplicateStatus.UNSURE)


class DuplicateAnswer(models.Model):
    """One coordinator's answer to a proposed pair (the history; counted per week)."""

    candidate = models.ForeignKey(
        DuplicateCandidate, on_delete=models.CASCADE, related_name="answers"
    )
    answer = models.CharField(max_length=10, choices=DuplicateStatus.choices)
    note = EncryptedTextField(blank=True)  # may name the youth: encrypted, never in the log
    probability = models.FloatField()  # what the pair scored when it was answered
    levels = models.JSONField(default=list)  # its comparison levels: labels for training
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Answer {self.pk}"


class DuplicateScan(models.Model):
    """Where the possible-duplicates scan got to: records changed after the cursor
    (``changed_at``, ``id``) are compared at the next run. One row (``name`` "default").

    ``lease_until`` keeps a second worker from running the scan at the same time; a worker
    killed mid-run leaves a lease that expires, and the next run resumes from the cursor (every
    chunk commits its pairs and the cursor together)."""

    name = models.CharField(max_length=50, unique=True)
    cursor_at = models.DateTimeField(null=True, blank=True)
    cursor_id = models.BigIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_records = models.PositiveIntegerField(default=0)
    last_comparisons = models.PositiveIntegerField(default=0)
    last_queued = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Duplicate scan {self.name}"
