"""Test-only model exercising the encrypted fields (no migrations: pytest-django syncs it)."""

from __future__ import annotations

from django.db import models

from heatwatch.lib.fields import EncryptedDateField, EncryptedTextField


class Secret(models.Model):
    name = EncryptedTextField(blank=True)
    born_on = EncryptedDateField(null=True, blank=True)
    note = EncryptedTextField(null=True, blank=True)
    name_index = models.CharField(max_length=64, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"Secret {self.pk}"
