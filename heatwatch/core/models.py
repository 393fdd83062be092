"""Small shared tables: periodic-job bookkeeping and privacy-preserving rate limits."""

from __future__ import annotations

from django.db import models


class PeriodicJob(models.Model):
    """When each periodic job was last enqueued; the row lock makes one worker win."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class RateCounter(models.Model):
    """Hits of one (scope, key) in one fixed window.

    ``key`` is an HMAC whose keying secret is never stored (heatwatch.core.ratelimit).
    """

    scope = models.CharField(max_length=50)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "window_start"], name="ratecounter_unique_window"
            )
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key[:8]}@{self.window_start:%Y-%m-%d %H:%M}"
