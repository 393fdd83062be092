"""The case page and what its actions share: the access decorators, the page itself (with
the case records and the sections other apps register), running an action form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import has_role, role_required
from heatwatch.cases import forms as record_forms
from heatwatch.cases import models as records
from heatwatch.cases import selectors, services
from heatwatch.cases.extensions import case_sections
from heatwatch.cases.forms import (
    CloseForm,
    ConsentForm,
    ContactForm,
    ItemDoneForm,
    ParticipationForm,
    ReferralNoteForm,
    ReferralSendForm,
    ReopenForm,
    TeamAddForm,
)
from heatwatch.cases.models import Case, ReferralStatus
from heatwatch.cases.permissions import (
    BREAK_GLASS_ROLES,
    CASE_ROLES,
    INTAKE_ROLES,
    can_delete_case_records,
    can_resolve_alert,
    can_work_case,
)
from heatwatch.core.actions import run_form_action

case_staff = role_required(*CASE_ROLES)
intake_staff = role_required(*INTAKE_ROLES)
coordinator_only = role_required(Role.COORDINATOR)
break_glass_staff = role_required(*BREAK_GLASS_ROLES)

# --- the case page ----------------------------------------------------------------------------


def _detail(request: HttpRequest, case: Case, *, status: int = 200, **forms: Form) -> HttpResponse:
    user = request.user
    can_work = can_work_case(user, case)
    context: dict[str, Any] = {
        "case": case,
        "youth": case.youth,
        "can_work": can_work,
        "break_glass": not can_work and selectors.break_glass_active(user=user, case=case),
        "team": selectors.case_team(case=case),
        "stabilisation": selectors.case_stabilisation(case=case),
        "referrals": selectors.case_referrals(case=case),
        "consents": selectors.case_consents(case=case),
        "contacts": case.contacts.select_related("by")[:50],
        "alerts": case.alerts.filter(resolved_at__isnull=True).select_related("acknowledged_by"),
        "can_acknowledge": can_work,
        "can_resolve": can_resolve_alert(user, case),
        "can_delete": can_delete_case_records(user, case),
        "aftercare_contact": can_work and services.aftercare_contact_allowed(case),
        "events": case.events.select_related("actor")[:100],
        "sections": case_sections(case=case, user=user),
    }
    if can_work:
        context.update(
            participation_form=forms.get("participation_form")
            or ParticipationForm(
                initial={"participation": case.participation, "version": case.version}
            ),
            team_form=forms.get("team_form") or TeamAddForm(),
            consent_form=forms.get("consent_form") or ConsentForm(),
            referral_form=forms.get("referral_form") or ReferralSendForm(),
            contact_form=forms.get("contact_form") or ContactForm(),
            close_form=forms.get("close_form") or CloseForm(initial={"version": case.version}),
            reopen_form=forms.get("reopen_form") or ReopenForm(initial={"version": case.version}),
            item_form=forms.get("item_form") or ItemDoneForm(),
            note_form=ReferralNoteForm(),
            closed_statuses=[
                ReferralStatus.DECLINED,
                ReferralStatus.COMPLETED,
                ReferralStatus.DROPPED,
                ReferralStatus.REVOKED,
            ],
        )
    context.update(_records_context(case, can_work=can_work, forms=forms))  # case records
    return render(request, "cases/detail.html", context, status=status)


@case_staff
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One case, in full (audited). An outsider allowed to break glass gets the same 404 for
    a case that exists and one that does not, with the offer of emergency access."""
    try:
        case = selectors.case_get_for_user(user=request.user, pk=pk)
    except Http404:
        if not has_role(request.user, *BREAK_GLASS_ROLES):
            raise
        return render(request, "cases/not_found_break_glass.html", status=404)
    return _detail(request, case)


def _workable_case(request: HttpRequest, pk: int) -> Case:
    case = selectors.case_get_for_user(user=request.user, pk=pk, audit=False)
    if not can_work_case(request.user, case):
        raise PermissionDenied  # a break-glass reader only reads
    return case


def _act(
    request: HttpRequest,
    pk: int,
    form_class: type[Form],
    form_name: str,
    action: Callable[[Case, dict[str, Any]], str],
) -> HttpResponse:
    """Run an action of the case page; on a bad form show the page with its errors."""
    case = _workable_case(request, pk)
    return run_form_action(
        request,
        form=form_class(request.POST),
        action=lambda data: action(case, data),
        errors=services.CaseError,
        success_url=reverse("cases:detail", args=[case.pk]),
        render_invalid=lambda form: _detail(request, case, status=400, **{form_name: form}),
    )


def _pick(
    forms: dict[str, Form], name: str, auto_id: str, form_class: type[Form], **kwargs: Any
) -> Form:
    """The submitted form ``name`` when it belongs to this object (same ``auto_id``), so its
    errors and typed values show in the right place; else a fresh ``form_class``."""
    form = forms.get(name)
    if form is not None and form.auto_id == auto_id:
        return form
    return form_class(auto_id=auto_id, **kwargs)


def _records_context(case: Case, *, can_work: bool, forms: dict[str, Form]) -> dict[str, Any]:
    plan, goals = selectors.case_plan(case=case)
    identifications = list(selectors.case_identifications(case=case))
    current = identifications[0] if identifications else None
    episodes = list(selectors.case_missing_episodes(case=case))
    work = can_work and case.is_open
    f = record_forms
    owner_choices: list[tuple[Any, str]] = [("", "---------")]
    if work and goals:
        owner_choices += [(u.pk, str(u)) for u in f.step_owners(case)]
    context: dict[str, Any] = {
        "plan": plan,
        "identification": current,
        "identifications": identifications,
        "screenings": selectors.case_screenings(case=case),
        "court_status": selectors.case_court_status(case=case),
        "missing_data": selectors.case_missing_data(case=case),
        "records_work": work,
        "goal_rows": [
            (
                g,
                _pick(
                    forms,
                    "goal_status_form",
                    f"goalstatusform-{g.pk}-%s",
                    f.GoalStatusForm,
                    initial={"status": g.status, "version": g.version},
                )
                if work
                else None,
                _pick(
                    forms,
                    "plan_step_form",
                    f"planstepform-{g.pk}-%s",
                    f.PlanStepForm,
                    case=case,
                    owner_choices=owner_choices,
                )
                if work and g.status == records.GoalStatus.ACTIVE
                else None,
            )
            for g in goals
        ],
        "placement_rows": [
            (
                p,
                _pick(
                    forms,
                    "placement_end_form",
                    f"placementendform-{p.pk}-%s",
                    f.PlacementEndForm,
                    initial={"version": p.version},
                )
                if work and p.ended_on is None
                else None,
            )
            for p in selectors.case_placements(case=case)
        ],
        "episode_rows": [
            (
                e,
                services.missing_reports_due_at(e),
                _pick(
                    forms,
                    "missing_report_form",
                    f"missingreportform-{e.pk}-%s",
                    f.MissingReportForm,
                    initial={"version": e.version},
                )
                if work and (e.police_report_at is None or e.national_report_at is None)
                else None,
                _pick(
                    forms,
                    "missing_return_form",
                    f"missingreturnform-{e.pk}-%s",
                    f.MissingReturnForm,
                    initial={"version": e.version},
                )
                if work and e.returned_at is None
                else None,
                _pick(
                    forms,
                    "missing_debrief_form",
                    f"missingdebriefform-{e.pk}-%s",
                    f.MissingDebriefForm,
                    initial={"version": e.version},
                )
                if work and e.returned_at is not None and e.debrief_at is None
                else None,
            )
            for e in episodes
        ],
        "court_rows": [
            (
                m,
                _pick(
                    forms,
                    "court_update_form",
                    f"courtupdateform-{m.pk}-%s",
                    f.CourtUpdateForm,
                    initial={
                        "status": m.status,
                        "next_hearing_on": m.next_hearing_on,
                        "next_hearing_kind": m.next_hearing_kind,
                        "version": m.version,
                    },
                )
                if work and m.status == records.CourtStatus.OPEN
                else None,
            )
            for m in selectors.case_court_matters(case=case)
        ],
    }
    if work:
        context.update(
            plan_goal_form=forms.get("plan_goal_form") or f.PlanGoalForm(),
            plan_review_form=forms.get("plan_review_form")
            or f.PlanReviewForm(
                initial={
                    "version": plan.version if plan else None,
                    "next_review_on": plan.next_review_on if plan else None,
                }
            ),
            identification_form=forms.get("identification_form")
            or f.IdentificationForm(
                initial={
                    "current": current.pk if current else None,
                    "status": current.status if current else None,
                    "identified_when": current.identified_when if current else None,
                    "identified_on": current.identified_on if current else None,
                }
            ),
            screening_form=forms.get("screening_form") or f.ScreeningForm(),
            placement_form=forms.get("placement_form") or f.PlacementForm(),
            missing_start_form=None
            if any(e.returned_at is None for e in episodes)
            else forms.get("missing_start_form") or f.MissingStartForm(),
            court_form=forms.get("court_form") or f.CourtMatterForm(),
        )
    return context


def _record_act(
    request: HttpRequest,
    case: Case,
    form: Form,
    form_name: str,
    action: Callable[[dict[str, Any]], str],
    anchor: str,
) -> HttpResponse:
    return run_form_action(
        request,
        form=form,
        action=action,
        errors=services.CaseError,
        success_url=reverse("cases:detail", args=[case.pk]) + f"#{anchor}",
        render_invalid=lambda bad: _detail(request, case, status=400, **{form_name: bad}),
    )


def _one(queryset: Any, pk: int) -> Any:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


@case_staff
def _simple(request: HttpRequest, pk: int, run: Callable[[Case], str]) -> HttpResponse:
    case = _workable_case(request, pk)
    try:
        messages.success(request, run(case))
    except services.CaseError as exc:
        messages.error(request, str(exc))
    return redirect("cases:detail", pk=case.pk)
