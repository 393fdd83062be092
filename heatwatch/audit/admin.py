"""Read-only admin for the audit log: nobody can add, change or delete an entry here.

Viewing needs the ``audit.view_auditentry`` permission; give it only to those who review
access (the log shows who opened which record).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from heatwatch.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = (
        "seq",
        "created_at",
        "actor_username",
        "organisation_name",
        "action",
        "object_type",
        "object_id",
        "outcome",
    )
    list_filter = ("action", "outcome", "object_type")
    search_fields = ("=actor_username", "=object_id", "=object_type")
    ordering = ("-seq",)
    date_hierarchy = "created_at"
    list_per_page = 100
    # The log grows without bound; avoid a full COUNT(*) on every page.
    show_full_result_count = False
    actions = None
    readonly_fields = (
        "seq",
        "created_at",
        "actor_id",
        "actor_username",
        "organisation_id",
        "organisation_name",
        "action",
        "object_type",
        "object_id",
        "outcome",
        "reason",
        "fields",
        "prev_hash",
        "entry_hash",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
