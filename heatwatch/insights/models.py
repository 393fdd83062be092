"""Snapshots of the public statistics (docs/insights.md).

A :class:`Snapshot` is one refresh: the counts computed from the records at ``as_of`` (its
:class:`SnapshotCell` rows, true values and whether each is published), the inputs' counts,
the attacker test's report, and its rendered charts. Snapshots are never deleted: the attacker
test is run over every snapshot ever published. A cell's true value is kept so that later
refreshes can be protected together with it; only ``published`` values ever leave the
insights app (public page, CSV, API).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SnapshotStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    DISCARDED = "discarded", _("Discarded")


class Snapshot(models.Model):
    status = models.CharField(
        max_length=10, choices=SnapshotStatus.choices, default=SnapshotStatus.DRAFT
    )
    as_of = models.DateTimeField()  # the records' state the counts describe
    year = models.PositiveSmallIntegerField()  # the year in progress at as_of (local time)
    inputs = models.JSONField(default=dict)  # how many records of each kind were read
    attacker = models.JSONField(default=dict)  # the attacker test's last report
    attacker_passed = models.BooleanField(default=False)
    suppressed = models.PositiveIntegerField(default=0)
    primary = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)  # how long preparing it took
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "published_at"])]

    def __str__(self) -> str:
        return f"snapshot {self.pk} ({self.status})"


class Relation(models.TextChoices):
    NONE = "", _("None")
    SUM = "eq", _("Part of a total")
    AT_MOST = "le", _("At most the total")


class SnapshotCell(models.Model):
    """One count. ``key`` names the same cell in every snapshot (``youth.age.2024.12_14``);
    a ``frozen`` cell (a closed year) has the same value and state in every snapshot from the
    one that froze it; ``total_key`` and ``relation`` say how it adds up, so the attacker can
    rebuild what any snapshot told the public without the code that made it."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="cells")
    key = models.CharField(max_length=160)
    table = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=80, blank=True)  # blank for a year's total
    label = models.CharField(max_length=120, blank=True)  # a city's name; else from the code
    value = models.PositiveIntegerField()  # the true count (never shown)
    published = models.BooleanField(default=False)
    frozen = models.BooleanField(default=False)
    total_key = models.CharField(max_length=160, blank=True)
    relation = models.CharField(max_length=2, choices=Relation.choices, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "key"], name="snapshotcell_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} in {self.snapshot_id}"

    @property
    def shown(self) -> int | None:
        """The value the public sees: None when suppressed."""
        return self.value if self.published else None


class SnapshotChart(models.Model):
    """A chart rendered to SVG when the snapshot was prepared (one per table and language),
    so the public page renders nothing itself."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="charts")
    table = models.CharField(max_length=40)
    language = models.CharField(max_length=8)
    svg = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "table", "language"], name="snapshotchart_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.table} ({self.language}) of {self.snapshot_id}"
