"""Screening: questionnaires as data (each version frozen once published), the professionals
who may screen, and screening results. See docs/screening.md.

A result points to the exact questionnaire version it was filled with and keeps its own score,
concern level and next step: a later version, or a retired one, never changes a past result.
What could identify the youth (a first name or initials, the answers) is encrypted at rest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from heatwatch.lib.fields import EncryptedTextField


class Questionnaire(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("In use")
    RETIRED = "retired", _("Retired")


class QuestionnaireVersion(models.Model):
    """One version of a questionnaire: its whole definition (engine.Definition as JSON).

    A draft may be edited; a published or retired version never changes (``services``
    refuses it and the admin shows it read-only), so every result keeps its meaning."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    definition = models.JSONField()
    checksum = models.CharField(max_length=64)
    licensed = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["questionnaire__slug", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="screening_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"


class Screener(models.Model):
    """A professional allowed to screen for an organisation (teachers, school and health
    staff, social workers) without any other role: granted by an administrator. Coordinators
    and advocates may screen by their role (permissions.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screener_grants"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="screener_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} screens for {self.organisation}"


class Setting(models.TextChoices):
    SCHOOL = "school", _("School")
    HEALTH = "health", _("Health care")
    SOCIAL = "social", _("Social services")
    OTHER = "other", _("Other")


class ResultStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPLETED = "completed", _("Completed")


class ConcernLevel(models.TextChoices):
    NONE = "none", _("No concern")
    POSSIBLE = "possible", _("Possible concern")
    CLEAR = "clear", _("Clear concern")


class ScreeningResult(models.Model):
    """A screening of one youth by one professional: a draft until completed.

    Minimal identifying data: a first name or initials and an age; the coordinator collects
    the rest at intake. ``answers`` is JSON (item key → value), encrypted."""

    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="results"
    )
    screener = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screenings"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=8, default="en")
    setting = models.CharField(max_length=8, choices=Setting.choices, default=Setting.SCHOOL)
    youth_label = EncryptedTextField(blank=True)  # first name or initials
    youth_age = models.PositiveSmallIntegerField(null=True, blank=True)
    answers = EncryptedTextField(blank=True)  # JSON
    in_danger = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=ResultStatus.choices, default=ResultStatus.DRAFT
    )
    score = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    level = models.CharField(max_length=10, choices=ConcernLevel.choices, blank=True)
    next_step = models.JSONField(default=dict, blank=True)  # {"en": ..., "es": ...}
    unknown_count = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The one-step referral to the coordinators ("clear concern"), then the case it became.
    referred_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case_screening = models.ForeignKey(
        "cases.Screening", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attached_at = models.DateTimeField(null=True, blank=True)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)  # optimistic locking of draft saves
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["screener", "status"]),
            models.Index(fields=["level", "referred_at"]),
        ]

    def __str__(self) -> str:
        return f"screening {self.pk}"

    @property
    def reference(self) -> str:
        return f"S-{self.pk:06d}"
