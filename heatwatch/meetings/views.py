"""MDT meeting pages: list, new, the meeting page (agenda builder, attendees, the
confidentiality acknowledgement, decisions), briefing PDFs and the owner's action items.
Thin: parse, check permission, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import role_required, staff_user
from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.cases import selectors as case_selectors
from heatwatch.core.actions import invalid_status, run_form_action
from heatwatch.meetings import selectors, services
from heatwatch.meetings.forms import (
    ActionItemForm,
    AgendaAddForm,
    AttendanceForm,
    InviteForm,
    MeetingForm,
    MoveForm,
    NotesForm,
    ProposeForm,
    VersionForm,
)
from heatwatch.meetings.models import AgendaItem, Meeting
from heatwatch.meetings.pdf import render_briefing
from heatwatch.meetings.permissions import (
    MEETING_ROLES,
    attendee_of,
    can_run_meetings,
    may_finish_action,
    may_see_agenda,
)

meeting_staff = role_required(*MEETING_ROLES)
coordinator_only = role_required(Role.COORDINATOR)


# --- list and new -----------------------------------------------------------------------------


@meeting_staff
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Coordinators see every meeting; partners the meetings they are invited to."""
    return render(
        request,
        "meetings/list.html",
        {
            "meetings": selectors.meeting_list(user=request.user)[:200],
            "can_run": can_run_meetings(request.user),
        },
    )


@coordinator_only
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(by=staff_user(request), **form.cleaned_data)
        except services.MeetingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Meeting scheduled. Now build its agenda."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/new.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- the meeting page -------------------------------------------------------------------------


def _detail(
    request: HttpRequest,
    meeting: Meeting,
    *,
    status: int = 200,
    notes_errors: tuple[int, Form] | None = None,
    forms: dict[str, Form] | None = None,
) -> HttpResponse:
    forms = forms or {}
    user = request.user
    attendee = attendee_of(user, meeting)
    sees_agenda = may_see_agenda(user, meeting, attendee)
    runs = can_run_meetings(user)
    context: dict[str, Any] = {
        "meeting": meeting,
        "attendee": attendee,
        "sees_agenda": sees_agenda,
        "runs": runs,
        "statement": services.STATEMENT,
        "statement_version": services.STATEMENT_VERSION,
        "attendees": meeting.attendees.select_related("user", "organisation"),
    }
    if sees_agenda:
        items = selectors.agenda_for(meeting=meeting, user=user)
        version = {"version": meeting.version}
        rows = []
        for item in items:
            notes_form: Form = NotesForm(
                initial={"notes": item.discussion_notes, **version}, prefix=f"notes{item.pk}"
            )
            if notes_errors and notes_errors[0] == item.pk:
                notes_form = notes_errors[1]
            rows.append((item, notes_form))
        context.update(
            rows=rows,
            actions=selectors.action_items_of_meeting(meeting),
        )
        if runs:
            context.update(
                version_form=VersionForm(initial=version),
                add_form=forms.get("add_form") or AgendaAddForm(initial=version),
                propose_form=forms.get("propose_form")
                or ProposeForm(initial={**version, "limit": services.agenda_size()}),
                invite_form=forms.get("invite_form") or InviteForm(),
                action_form=forms.get("action_form") or ActionItemForm(meeting=meeting),
                meeting_form_errors=forms.get("meeting_form"),
            )
    return render(request, "meetings/detail.html", context, status=status)


@meeting_staff
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting; its agenda only for coordinators and attendees who acknowledged the
    confidentiality statement (each case shown is audited)."""
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    return _detail(request, meeting)


def _act(
    request: HttpRequest,
    pk: int,
    form: Form,
    form_name: str,
    action: Callable[[Meeting, dict[str, Any]], str],
) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    return run_form_action(
        request,
        form=form,
        action=lambda data: action(meeting, data),
        errors=services.MeetingError,
        success_url=reverse("meetings:detail", args=[meeting.pk]),
        render_invalid=lambda f: _detail(request, meeting, status=400, forms={form_name: f}),
    )


@coordinator_only
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    def action(meeting: Meeting, d: dict[str, Any]) -> str:
        services.meeting_mark_held(meeting=meeting, by=staff_user(request), version=d["version"])
        return _("The meeting is under way: record attendance and decisions.")

    return _act(request, pk, VersionForm(request.POST), "meeting_form", action)


@coordinator_only
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    def action(meeting: Meeting, d: dict[str, Any]) -> str:
        services.meeting_close(meeting=meeting, by=staff_user(request), version=d["version"])
        return _("Meeting closed.")

    return _act(request, pk, VersionForm(request.POST), "meeting_form", action)


@coordinator_only
@require_POST
def agenda_propose(request: HttpRequest, pk: int) -> HttpResponse:
    def action(meeting: Meeting, d: dict[str, Any]) -> str:
        items = services.agenda_propose(
            meeting=meeting, by=staff_user(request), version=d["version"], limit=d["limit"]
        )
        return _("%(n)s cases added to the agenda.") % {"n": len(items)}

    return _act(request, pk, ProposeForm(request.POST), "propose_form", action)


@coordinator_only
@require_POST
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(meeting: Meeting, d: dict[str, Any]) -> str:
        case = case_selectors.case_by_reference(reference=d["reference"])
        if case is None:
            raise services.MeetingError(_("No case with that reference."))
        services.agenda_add(
            meeting=meeting, by=staff_user(request), case=case, version=d["version"]
        )
        return _("%(ref)s added to the agenda.") % {"ref": case.reference}

    return _act(request, pk, AgendaAddForm(request.POST), "add_form", action)


def _item(request: HttpRequest, pk: int, item_pk: int) -> AgendaItem:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    return selectors.agenda_item_get(meeting=meeting, pk=item_pk)


def _item_action(
    request: HttpRequest, pk: int, item_pk: int, form: Form, run: Callable[[AgendaItem, Any], str]
) -> HttpResponse:
    item = _item(request, pk, item_pk)
    if not form.is_valid():
        messages.error(request, _("That request was not valid; nothing was changed."))
    else:
        try:
            messages.success(request, run(item, form.cleaned_data))
        except services.MeetingError as exc:
            messages.error(request, str(exc))
    return redirect("meetings:detail", pk=item.meeting_id)


@coordinator_only
@require_POST
def agenda_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    def run(item: AgendaItem, d: dict[str, Any]) -> str:
        services.agenda_remove(item=item, by=staff_user(request), version=d["version"])
        return _("Removed from the agenda.")

    return _item_action(request, pk, item_pk, VersionForm(request.POST), run)


@coordinator_only
@require_POST
def agenda_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    def run(item: AgendaItem, d: dict[str, Any]) -> str:
        services.agenda_move(
            item=item, by=staff_user(request), up=d["direction"] == "up", version=d["version"]
        )
        return _("Agenda reordered.")

    return _item_action(request, pk, item_pk, MoveForm(request.POST), run)


@coordinator_only
@require_POST
def agenda_notes(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    form = NotesForm(request.POST, prefix=f"notes{item.pk}")
    error: Exception | None = None
    if form.is_valid():
        try:
            services.agenda_notes_save(
                item=item,
                by=staff_user(request),
                notes=form.cleaned_data["notes"],
                version=form.cleaned_data["version"],
            )
        except services.MeetingError as exc:
            error = exc
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Notes saved."))
            return redirect("meetings:detail", pk=item.meeting_id)
    return _detail(
        request, item.meeting, status=invalid_status(error), notes_errors=(item.pk, form)
    )


@coordinator_only
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    def action(meeting: Meeting, d: dict[str, Any]) -> str:
        membership = d["membership"]
        services.attendee_invite(
            meeting=meeting,
            by=staff_user(request),
            user=membership.user,
            organisation=membership.organisation,
        )
        return _("%(user)s invited.") % {"user": membership.user}

    return _act(request, pk, InviteForm(request.POST), "invite_form", action)


@coordinator_only
@require_POST
def attendance(request: HttpRequest, pk: int, attendee_pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    attendee = meeting.attendees.filter(pk=attendee_pk).first()
    if attendee is None:
        raise Http404
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose present or absent."))
    else:
        try:
            services.attendance_record(
                attendee=attendee, by=staff_user(request), attended=form.cleaned_data["attended"]
            )
            messages.success(request, _("Attendance recorded."))
        except services.MeetingError as exc:
            messages.error(request, str(exc))
    return redirect("meetings:detail", pk=meeting.pk)


@meeting_staff
@require_POST
def acknowledge(request: HttpRequest, pk: int, attendee_pk: int) -> HttpResponse:
    """The attendee accepts the confidentiality statement; nobody can do it for them (403)."""
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    attendee = meeting.attendees.filter(pk=attendee_pk).first()
    if attendee is None:
        raise Http404
    try:
        services.confidentiality_acknowledge(attendee=attendee, by=staff_user(request))
    except services.NotYourAcknowledgement as exc:
        raise PermissionDenied from exc
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you. The agenda and briefings are now open to you."))
    return redirect("meetings:detail", pk=meeting.pk)


@coordinator_only
@require_POST
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)

    def action(meeting: Meeting, d: dict[str, Any]) -> str:
        item = services.action_item_create(
            meeting=meeting,
            case=d["case"],
            by=staff_user(request),
            description=d["description"],
            owner=d["owner"],
            due_on=d["due_on"],
        )
        return _("Action item recorded for %(user)s.") % {"user": item.owner}

    return _act(request, pk, ActionItemForm(request.POST, meeting=meeting), "action_form", action)


@coordinator_only
@require_POST
def action_cancel(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    item = meeting.action_items.filter(pk=action_pk).first()
    if item is None:
        raise Http404
    form = VersionForm(request.POST)
    try:
        services.action_item_cancel(
            item=item,
            by=staff_user(request),
            version=form.cleaned_data["version"] if form.is_valid() else None,
        )
        messages.success(request, _("Action item cancelled."))
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    return redirect("meetings:detail", pk=meeting.pk)


# --- briefings --------------------------------------------------------------------------------


def _pdf(
    request: HttpRequest, meeting: Meeting, items: list[AgendaItem], name: str
) -> HttpResponse:
    selectors.audit_briefing_export(user=request.user, meeting=meeting, items=items)
    briefings = selectors.briefings_for(meeting=meeting, items=items)
    pdf = render_briefing(meeting=meeting, briefings=briefings, reader=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private, max-age=0"
    response.no_store = True  # type: ignore[attr-defined]
    return response


def _briefing_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.meeting_get_for_user(user=request.user, pk=pk)
    if not may_see_agenda(request.user, meeting):
        audit_log(
            action=Action.ACCESS_DENIED,
            actor=request.user,
            obj=meeting,
            outcome=Outcome.DENIED,
            reason="briefing without acknowledgement",
        )
        raise PermissionDenied
    return meeting


@meeting_staff
def briefing_all(request: HttpRequest, pk: int) -> HttpResponse:
    """One PDF with the briefing of every youth on the agenda (EXPORT audited per case)."""
    meeting = _briefing_meeting(request, pk)
    items = list(meeting.agenda.select_related("case").order_by("position", "pk"))
    day = timezone.localdate(meeting.scheduled_start).isoformat()
    return _pdf(request, meeting, items, f"mdt-{meeting.pk}-{day}-briefing")


@meeting_staff
def briefing_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The briefing of one youth on the agenda (EXPORT audited)."""
    meeting = _briefing_meeting(request, pk)
    item = selectors.agenda_item_get(meeting=meeting, pk=item_pk)
    return _pdf(request, meeting, [item], f"mdt-{meeting.pk}-{item.case.reference}")


# --- the owner's inbox ------------------------------------------------------------------------


@meeting_staff
def my_actions(request: HttpRequest) -> HttpResponse:
    """My open action items (audited READ once per case shown)."""
    items = selectors.my_action_items(user=request.user)
    return render(
        request,
        "meetings/actions.html",
        {"items": items, "today": timezone.localdate()},
    )


@meeting_staff
@require_POST
def action_done(request: HttpRequest, action_pk: int) -> HttpResponse:
    item = selectors.action_item_get_for_user(user=request.user, pk=action_pk)
    if not may_finish_action(request.user, item):
        raise PermissionDenied
    form = VersionForm(request.POST)
    try:
        services.action_item_done(
            item=item,
            by=staff_user(request),
            version=form.cleaned_data["version"] if form.is_valid() else None,
        )
        messages.success(request, _("Marked as done."))
    except services.MeetingError as exc:
        messages.error(request, str(exc))
    next_url = request.POST.get("next", "")
    if next_url == "meeting":
        return redirect("meetings:detail", pk=item.meeting_id)
    return redirect("meetings:actions")
