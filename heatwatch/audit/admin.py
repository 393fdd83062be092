"""Read-only admin for the audit log at /staff/admin/audit/auditentry/.

Registered on the mounted staff admin site (``heatwatch.accounts.admin.admin_site``, behind
the two-factor sign-in). Nobody can add, change or delete an entry here; viewing needs the
administrator or coordinator role (the site itself admits administrators only), and every
list or entry viewed writes an audit entry of its own (docs/audit.md, "Reading the log").
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from heatwatch.accounts.admin import admin_site
from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import has_role
from heatwatch.audit.models import Action, AuditEntry
from heatwatch.audit.services import audit_log


def _may_read_audit_log(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_active and (has_role(user, Role.ADMINISTRATOR) or has_role(user, Role.COORDINATOR))
    )


@admin.register(AuditEntry, site=admin_site)
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

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_read_audit_log(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_read_audit_log(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            audit_log(
                action=Action.READ,
                actor=request.user,
                object_type="audit.auditentry",
                reason="audit log list viewed in the admin",
            )
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            audit_log(
                action=Action.READ,
                actor=request.user,
                object_type="audit.auditentry",
                object_id=str(object_id)[:255],
                reason="audit entry viewed in the admin",
            )
        return response
