"""The audit viewer in the staff area: filter, page, export (docs/staff.md).

Coordinators and administrators only (``permissions.can_read_audit_log``); every page viewed
and every export is itself audited. Sealed reasons stay sealed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from heatwatch.accounts.permissions import role_required, staff_user
from heatwatch.audit import selectors
from heatwatch.audit.forms import AuditFilterForm
from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.audit.permissions import AUDIT_ROLES
from heatwatch.audit.services import audit_log
from heatwatch.lib import csvsafe

audit_staff = role_required(*AUDIT_ROLES)

EXPORT_COLUMNS = [
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "organisation_name",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "reason",
    "fields",
]


def _filter_params(form: AuditFilterForm) -> str:
    """The filter's query string (without the page cursor), for links."""
    if not form.is_bound:
        return ""
    return urlencode(
        [(name, form.data.get(name, "")) for name in form.fields if form.data.get(name)]
    )


def _before(request: HttpRequest) -> int | None:
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@audit_staff
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    """The log, newest first, filtered; "who saw this record" is this page with a record."""
    user = staff_user(request)
    form = AuditFilterForm(request.GET if request.GET else None)
    params = _filter_params(form)
    context = {"form": form, "params": params, "verification": selectors.verification_state()}
    if form.is_bound and not form.is_valid():
        return render(request, "audit/log.html", {**context, "page": None}, status=400)
    query = form.query() if form.is_bound else selectors.AuditQuery()
    page = selectors.audit_page(query=query, before=_before(request))
    audit_log(
        action=Action.READ,
        actor=user,
        object_type="audit.auditentry",
        reason=("audit log viewed: " + query.describe()).strip(": ")[:600],
    )
    rows = [(entry, _flag(entry), selectors.shown_reason(entry.reason)) for entry in page.entries]
    return render(request, "audit/log.html", {**context, "page": page, "rows": rows})


def _flag(entry: AuditEntry) -> str:
    if entry.action == Action.BREAK_GLASS:
        return "break_glass"
    if entry.outcome == Outcome.DENIED or entry.action == Action.ACCESS_DENIED:
        return "denied"
    if entry.outcome == Outcome.FAILURE:
        return "failure"
    return ""


@audit_staff
@require_GET
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered entries as CSV (formula-safe, streamed); the export is audited first."""
    user = staff_user(request)
    form = AuditFilterForm(request.GET if request.GET else None)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "audit/log.html",
            {"form": form, "params": "", "page": None, "verification": None},
            status=400,
        )
    query = form.query() if form.is_bound else selectors.AuditQuery()
    audit_log(
        action=Action.EXPORT,
        actor=user,
        object_type="audit.auditentry",
        reason=("audit log exported as CSV: " + query.describe()).strip(": ")[:600],
    )

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        for entry in selectors.audit_export_rows(query=query):
            writer.writerow(
                [
                    entry.seq,
                    entry.created_at.isoformat(),
                    entry.actor_id or "",
                    entry.actor_username,
                    entry.organisation_name,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.outcome,
                    selectors.shown_reason(entry.reason),
                    " ".join(entry.fields or []),
                ]
            )
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
