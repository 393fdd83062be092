"""One youth, one record: people, their source records, blocking keys and merges.

A :class:`Person` is one youth as the program knows them; each agency's record of that youth
is an :class:`IdentityRecord`. Every personal field is encrypted (heatwatch.lib.fields); the
matching keys are keyed blind indexes stored as 64-bit integers, so the database never holds a
name or a date of birth in clear. See docs/identity.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

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

    class Meta:
        ordering = ["pk"]

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
