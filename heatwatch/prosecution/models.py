"""Prosecutions of exploiters and buyers, the youth-court docket, and the people, places,
handles and numbers linked across tips, cases and prosecutions. See docs/prosecution.md.

Names, aliases and dates of birth of defendants, sentences, hearing outcomes and entity values
are encrypted at rest (heatwatch.lib.fields); entities are found through keyed blind indexes
(heatwatch.lib.crypto.blind_index), never through a plaintext column.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from heatwatch.cases.models import HearingKind
from heatwatch.lib.fields import EncryptedDateField, EncryptedTextField


class Stage(models.TextChoices):
    """The stages of a prosecution, in the order they run (a stage may be skipped)."""

    INVESTIGATION = "investigation", _("Investigation")
    CHARGED = "charged", _("Charged")
    ARRAIGNMENT = "arraignment", _("Arraignment")
    PRELIMINARY_HEARING = "preliminary", _("Preliminary hearing")
    TRIAL = "trial", _("Trial")
    PLEA = "plea", _("Plea")
    SENTENCING = "sentencing", _("Sentencing")
    CLOSED = "closed", _("Closed")


STAGE_ORDER: list[str] = list(Stage.values)


class DefendantRole(models.TextChoices):
    EXPLOITER = "exploiter", _("Exploiter")
    BUYER = "buyer", _("Buyer")


class Outcome(models.TextChoices):
    PENDING = "", _("Pending")
    CONVICTED = "convicted", _("Convicted at trial")
    PLEADED = "pleaded", _("Pleaded guilty or no contest")
    ACQUITTED = "acquitted", _("Acquitted")
    DISMISSED = "dismissed", _("Dismissed")
    NOT_FILED = "not_filed", _("Charges not filed")


class Prosecution(models.Model):
    reference = models.CharField(max_length=20, unique=True)  # e.g. P-2026-004211
    office = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="prosecutions"
    )
    defendant_role = models.CharField(max_length=10, choices=DefendantRole.choices)
    defendant_name = EncryptedTextField()
    defendant_aliases = EncryptedTextField(blank=True)  # ";"-separated
    defendant_date_of_birth = EncryptedDateField(null=True, blank=True)
    stage = models.CharField(max_length=14, choices=Stage.choices, default=Stage.INVESTIGATION)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    sentence = EncryptedTextField(blank=True)
    prosecutor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    advocate = models.ForeignKey(  # the victim-witness advocate
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.reference


class StageDate(models.Model):
    """The date a prosecution reached a stage; the dates run in the order of the stages."""

    prosecution = models.ForeignKey(
        Prosecution, on_delete=models.CASCADE, related_name="stage_dates"
    )
    stage = models.CharField(max_length=14, choices=Stage.choices)
    on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prosecution", "stage"], name="stage_once")]

    def __str__(self) -> str:
        return f"{self.prosecution_id} {self.stage} {self.on}"


class Charge(models.Model):
    prosecution = models.ForeignKey(Prosecution, on_delete=models.CASCADE, related_name="charges")
    statute = models.CharField(max_length=40)  # a code of the configured list (statutes.py)
    description = models.CharField(max_length=300)
    counts = models.PositiveSmallIntegerField(default=1)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return f"{self.statute} × {self.counts}"


class ProsecutionYouth(models.Model):
    """A youth (through their case) who is a victim or witness in a prosecution. Shown only to
    those who may see both the prosecution and the case."""

    prosecution = models.ForeignKey(Prosecution, on_delete=models.CASCADE, related_name="youths")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prosecution", "case"], name="prosecution_youth_once")
        ]

    def __str__(self) -> str:
        return f"{self.prosecution_id} ↔ {self.case_id}"


# --- the youth-court docket -------------------------------------------------------------------


class Hearing(models.Model):
    """A hearing of a youth in the specialised youth court, on the docket of their case."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    on = models.DateField()
    at = models.TimeField(null=True, blank=True)
    department = models.CharField(max_length=100)
    purpose = models.CharField(max_length=16, choices=HearingKind.choices)
    outcome = EncryptedTextField(blank=True)  # never in the calendar feed
    next_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["on", "at", "pk"]
        indexes = [models.Index(fields=["case", "on"]), models.Index(fields=["on"])]

    def __str__(self) -> str:
        return f"hearing {self.pk} of {self.case_id}"


class DocketFeed(models.Model):
    """The private calendar feed of one care team (one case's hearings). The token is kept
    encrypted (team members see the link again) and found by its blind index; revoking it
    ends the link at once."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    token = EncryptedTextField()
    token_index = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(revoked_at__isnull=True),
                name="docketfeed_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"docket feed {self.pk} of {self.case_id}"


# --- entities linked across tips, cases and prosecutions ------------------------------------


class EntityKind(models.TextChoices):
    EXPLOITER = "exploiter", _("Exploiter")
    BUYER = "buyer", _("Buyer")
    VENUE = "venue", _("Venue")
    HANDLE = "handle", _("Online handle")
    PHONE = "phone", _("Phone number")


class Entity(models.Model):
    """A person, place, handle or number seen in the work. ``value`` is encrypted; it is found
    by ``value_index`` (blind index of its normal form) and matched to tips through
    ``tip_digest`` (the tip line's own blind index of the same normal form)."""

    kind = models.CharField(max_length=10, choices=EntityKind.choices)
    value = EncryptedTextField()
    value_index = models.CharField(max_length=64)
    tip_digest = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "value_index"], name="entity_once")]
        indexes = [models.Index(fields=["tip_digest"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class LinkTarget(models.TextChoices):
    TIP = "tip", _("Tip")
    CASE = "case", _("Case")
    PROSECUTION = "prosecution", _("Prosecution")


class EntityLink(models.Model):
    """An entity seen in a tip, a case or a prosecution. A tip is named by its reference
    (closed tips are purged by retention; the reference stays meaningful)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="links")
    target = models.CharField(max_length=12, choices=LinkTarget.choices)
    tip_reference = models.CharField(max_length=20, blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    prosecution = models.ForeignKey(
        Prosecution, null=True, blank=True, on_delete=models.CASCADE, related_name="entity_links"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "tip_reference"],
                condition=models.Q(target="tip"),
                name="entitylink_tip_once",
            ),
            models.UniqueConstraint(
                fields=["entity", "case"],
                condition=models.Q(target="case"),
                name="entitylink_case_once",
            ),
            models.UniqueConstraint(
                fields=["entity", "prosecution"],
                condition=models.Q(target="prosecution"),
                name="entitylink_prosecution_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} in {self.target}"
