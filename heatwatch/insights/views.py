"""Views of the insights app: the public data page (English and Spanish) with its charts and
CSV downloads, served from the published snapshot only; the staff dashboards, snapshot
publishing and grant reports."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from heatwatch.accounts.models import Organisation, Role
from heatwatch.accounts.permissions import role_required, staff_user, user_organisations
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.insights import dashboards, reports, selectors, services, tables, tasks
from heatwatch.lib import csvsafe

INSIGHT_ROLES = (Role.COORDINATOR, Role.ANALYST)
coordinator_only = role_required(Role.COORDINATOR)
insight_roles = role_required(*INSIGHT_ROLES)
partner_roles = role_required(Role.ADVOCATE)

MAX_DAYS = 3660  # a date range of at most about ten years


# --- public ---------------------------------------------------------------------------------


@require_GET
def data_page(request: HttpRequest) -> HttpResponse:
    """The public statistics, from the latest published snapshot (no record is read)."""
    snapshot = selectors.latest_published()
    context: dict[str, Any] = {"snapshot": snapshot, "tables_html": ""}
    if snapshot is not None:
        # A published snapshot never changes: its tables are rendered once per language and
        # process (the key names the snapshot, so a new publication is never served stale).
        key = f"insights:data:{snapshot.pk}:{translation.get_language()}"
        html = cache.get(key)
        if html is None:
            html = render_to_string(
                "insights/_tables.html",
                {"snapshot": snapshot, "tables": selectors.display_tables(snapshot=snapshot)},
            )
            cache.set(key, html, 86400)
        context["tables_html"] = mark_safe(html)  # noqa: S308 - our own autoescaped template
    return render(request, "insights/data.html", context)


def _csv_response(rows: list[list[object]], filename: str) -> HttpResponse:
    handle = io.StringIO()
    csvsafe.writer(handle).writerows(rows)
    response = HttpResponse(handle.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def data_csv(request: HttpRequest) -> HttpResponse:
    snapshot = selectors.latest_published()
    if snapshot is None:  # nothing published yet: the header only
        return _csv_response([selectors.CSV_HEADER], "data.csv")
    return _csv_response(
        selectors.csv_rows(snapshot=snapshot), f"data-{snapshot.as_of:%Y-%m-%d}.csv"
    )


@require_GET
def table_csv(request: HttpRequest, table: str) -> HttpResponse:
    snapshot = selectors.latest_published()
    if snapshot is None or table not in tables.TABLE_NAMES:
        raise Http404
    rows = [r for r in selectors.csv_rows(snapshot=snapshot) if r[0] in ("table", table)]
    return _csv_response(rows, f"{table}-{snapshot.as_of:%Y-%m-%d}.csv")


@require_GET
def chart(request: HttpRequest, snapshot_id: int, table: str) -> HttpResponse:
    if table not in tables.TABLE_NAMES:
        raise Http404
    svg = selectors.chart_svg(
        snapshot_id=snapshot_id, table=table, language=translation.get_language() or "en"
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    # A published snapshot's chart never changes.
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


# --- staff: dashboards ----------------------------------------------------------------------


def _range(request: HttpRequest) -> tuple[date, date, list[str]]:
    """The period asked for (default: the last 90 days); errors to show."""
    errors: list[str] = []
    today = timezone.localdate()
    start, end = today - timedelta(days=90), today + timedelta(days=1)
    for name in ("start", "end"):
        raw = request.GET.get(name, "")[:10]
        if not raw:
            continue
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            errors.append(_("Enter dates as YYYY-MM-DD."))
            continue
        if name == "start":
            start = value
        else:
            end = value
    if end <= start:
        errors.append(_("The end date must be after the start date."))
        start, end = today - timedelta(days=90), today + timedelta(days=1)
    if (end - start).days > MAX_DAYS:
        errors.append(_("Choose a period of at most ten years."))
        start = end - timedelta(days=MAX_DAYS)
    # What was typed goes back into the form (bounded), so a mistake can be corrected.
    request.insights_typed = {  # type: ignore[attr-defined]
        name: request.GET.get(name, "")[:10] for name in ("start", "end")
    }
    return start, end, errors


def _aware(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


@insight_roles
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Where work is stuck, as counts (coordinators and analysts)."""
    start, end, errors = _range(request)
    organisation_id: int | None = None
    raw = request.GET.get("organisation", "")[:12]
    if raw:
        if raw.isdigit() and Organisation.objects.filter(pk=int(raw)).exists():
            organisation_id = int(raw)
        else:
            errors.append(_("Choose an organisation from the list."))
    board = dashboards.dashboard(
        start=_aware(start), end=_aware(end), organisation_id=organisation_id
    )
    return render(
        request,
        "insights/staff/dashboard.html",
        {
            "board": board,
            "start": start,
            "end": end,
            "errors": errors,
            "organisations": Organisation.objects.filter(is_active=True).only("pk", "name"),
            "organisation_id": organisation_id,
            "partner_view": False,
        },
        status=400 if errors else 200,
    )


@partner_roles
@require_GET
def partner(request: HttpRequest) -> HttpResponse:
    """A partner organisation's own referrals and response times (its advocates)."""
    start, end, errors = _range(request)
    user = staff_user(request)
    orgs = user_organisations(user, roles=[Role.ADVOCATE])
    boards = [
        (org, dashboards.dashboard(start=_aware(start), end=_aware(end), organisation_id=org.pk))
        for org in orgs
    ]
    return render(
        request,
        "insights/staff/partner.html",
        {"boards": boards, "start": start, "end": end, "errors": errors},
        status=400 if errors else 200,
    )


# --- staff: snapshots -----------------------------------------------------------------------


@insight_roles
@require_GET
def snapshots(request: HttpRequest) -> HttpResponse:
    return render(
        request, "insights/staff/snapshots.html", {"snapshots": selectors.snapshots_for_staff()}
    )


@insight_roles
@require_GET
def snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    """A snapshot as the public would see it, with its suppression count and attacker report
    (never a suppressed cell's true value)."""
    item = selectors.snapshot_get(pk=pk)
    return render(
        request,
        "insights/staff/snapshot.html",
        {"item": item, "tables": selectors.display_tables(snapshot=item)},
    )


@coordinator_only
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    tasks.refresh.enqueue()
    messages.success(request, _("A new draft is being prepared; it appears here in a minute."))
    return redirect("insights:snapshots")


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")[:10]
    return int(raw) if raw.isdigit() else None


@coordinator_only
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.snapshot_get(pk=pk)
    try:
        services.snapshot_publish(
            snapshot_id=item.pk, version=_version(request), by=staff_user(request)
        )
    except services.StaleSnapshot as exc:
        messages.error(request, str(exc))
        return render(
            request,
            "insights/staff/snapshot.html",
            {
                "item": selectors.snapshot_get(pk=pk),
                "tables": selectors.display_tables(snapshot=item),
            },
            status=409,
        )
    except services.InsightsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The snapshot is published on the data page."))
    return redirect("insights:snapshot", pk=item.pk)


@coordinator_only
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.snapshot_get(pk=pk)
    try:
        services.snapshot_discard(
            snapshot_id=item.pk, version=_version(request), by=staff_user(request)
        )
    except services.InsightsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The draft was discarded."))
    return redirect("insights:snapshots")


# --- staff: grant reports -------------------------------------------------------------------


def _report(request: HttpRequest) -> tuple[reports.Report | None, list[str], dict[str, Any]]:
    start, end, errors = _range(request)
    funder = request.GET.get("funder", "")[:40]
    public = request.GET.get("public") == "1"
    if funder and funder not in reports.FUNDERS:
        errors.append(_("Choose a report from the list."))
    report = None
    if funder in reports.FUNDERS and not errors:
        report = reports.build(funder=funder, start=start, end=end, public=public)
    return report, errors, {"start": start, "end": end, "funder": funder, "public": public}


@insight_roles
@require_GET
def grant_reports(request: HttpRequest) -> HttpResponse:
    report, errors, form = _report(request)
    return render(
        request,
        "insights/staff/reports.html",
        {"report": report, "errors": errors, "funders": reports.FUNDERS.items(), **form},
        status=400 if errors else 200,
    )


@insight_roles
@require_GET
def grant_report_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The report as CSV or XLSX; every export is audited."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    report, errors, _form = _report(request)
    if report is None:
        return HttpResponse(
            " ".join(errors) or _("Choose a report."), status=400, content_type="text/plain"
        )
    audit_log(
        action=Action.EXPORT,
        actor=staff_user(request),
        object_type="insights.grantreport",
        object_id=":".join(
            (
                report.funder,
                str(report.start),
                str(report.end),
                "public" if report.public else "internal",
            )
        ),
        reason="grant report export",
    )
    name = f"{report.funder}-{report.start}-{report.end}"
    if fmt == "csv":
        response = HttpResponse(reports.to_csv(report), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            reports.to_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
