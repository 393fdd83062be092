"""Case pages: list, intake with identity matching, the case page and its actions, break-glass,
the receiving agency's referral inbox and the coordinators' dashboard. Thin: parse, check
permission, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import role_required, staff_user
from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.cases import forms as record_forms
from heatwatch.cases import models as records
from heatwatch.cases import selectors, services
from heatwatch.cases.forms import (
    AlertResolveForm,
    BreakGlassForm,
    CloseForm,
    ConsentForm,
    ContactForm,
    DeleteForm,
    IntakeForm,
    ItemDoneForm,
    ItemOwnerForm,
    ParticipationForm,
    ReferralNoteForm,
    ReferralSendForm,
    ReopenForm,
    TeamAddForm,
    YouthEditForm,
)
from heatwatch.cases.models import AlertKind, Case, CaseStatus, ReferralStatus
from heatwatch.cases.permissions import (
    BREAK_GLASS_ROLES,
    CASE_ROLES,
    INTAKE_ROLES,
    can_acknowledge_alert,
    can_delete_case_records,
    can_open_cases,
    can_resolve_alert,
    can_work_case,
)
from heatwatch.core.actions import run_form_action
from heatwatch.core.pagination import page_of, query_without_page
from heatwatch.identity.models import Person
from heatwatch.meetings.selectors import action_items_for_case, action_items_open_for

case_staff = role_required(*CASE_ROLES)
intake_staff = role_required(*INTAKE_ROLES)
coordinator_only = role_required(Role.COORDINATOR)
break_glass_staff = role_required(*BREAK_GLASS_ROLES)


# --- list and intake --------------------------------------------------------------------------


@case_staff
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user may open (no names in the list) and the alerts of their cases."""
    status = request.GET.get("status", CaseStatus.OPEN)
    if status not in (*CaseStatus.values, "all"):
        status = CaseStatus.OPEN
    filters = {
        name: request.GET.get(name) == "1" for name in ("mine", "with_alerts", "without_lead")
    }
    page = page_of(
        request,
        selectors.case_list(user=request.user, status="" if status == "all" else status, **filters),
    )
    leads = selectors.case_leads(cases=list(page))
    rows = [(case, leads.get(case.pk)) for case in page]
    return render(
        request,
        "cases/list.html",
        {
            "rows": rows,
            "page": page,
            "query": query_without_page(request),
            "status": status,
            "statuses": CaseStatus.choices,
            "alerts": selectors.alerts_for(user=request.user)[:50],
            "action_items": action_items_open_for(request.user)[:20],
            "can_open": can_open_cases(request.user),
            "filters": filters,
        },
    )


@intake_staff
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """Open a case: the form, then identity candidates, then the case."""
    user = staff_user(request)
    form = IntakeForm(request.POST or None, user=user)
    if request.method != "POST" or not form.is_valid():
        return render(
            request,
            "cases/intake.html",
            {"form": form},
            status=400 if request.method == "POST" else 200,
        )
    choice = form.cleaned_data["person_choice"]
    person: Person | None = None
    if choice.isdigit():
        # Only a person that matching offered for these details may be picked.
        offered = {c.person_id for c in services.intake_candidates(data=form.to_input())}
        person = Person.objects.filter(pk=int(choice)).first() if int(choice) in offered else None
        if person is None:
            form.add_error(None, _("Pick one of the people matching found, or a new person."))
    if not form.errors:
        try:
            case = services.case_open_from_intake(
                data=form.to_input(),
                by=user,
                intake_source=form.cleaned_data["intake_source"],
                organisation=form.cleaned_data["organisation"],
                tip_reference=form.cleaned_data["tip_reference"],
                person=person,
                confirm_new_person=choice == "new",
            )
        except services.IdentityCheckRequired as exc:
            return render(
                request,
                "cases/intake.html",
                {"form": form, "candidates": exc.candidates, "identity_check": True},
            )
        except services.TipReferenceError as exc:
            form.add_error("tip_reference", str(exc))
        except services.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/intake.html", {"form": form}, status=400)


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
        "action_items": action_items_for_case(case),
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
    """One case, in full (audited)."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
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


@case_staff
@require_POST
def participation(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict[str, Any]) -> str:
        services.case_set_participation(
            case=case,
            by=staff_user(request),
            participation=d["participation"],
            version=d["version"],
        )
        return _("Saved.")

    return _act(request, pk, ParticipationForm, "participation_form", action)


@case_staff
@require_POST
def team_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict[str, Any]) -> str:
        services.care_team_add(
            case=case,
            by=staff_user(request),
            user=d["user"],
            organisation=d["organisation"],
            team_role=d["team_role"],
            is_lead=d["is_lead"],
        )
        return _("Added to the care team.")

    return _act(request, pk, TeamAddForm, "team_form", action)


def _simple(request: HttpRequest, pk: int, run: Callable[[Case], str]) -> HttpResponse:
    case = _workable_case(request, pk)
    try:
        messages.success(request, run(case))
    except services.CaseError as exc:
        messages.error(request, str(exc))
    return redirect("cases:detail", pk=case.pk)


@case_staff
@require_POST
def team_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    def run(case: Case) -> str:
        member = case.team.filter(pk=member_pk).first()
        if member is None:
            raise Http404
        services.care_team_remove(member=member, by=staff_user(request))
        return _("Removed from the care team.")

    return _simple(request, pk, run)


@case_staff
@require_POST
def team_lead(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    def run(case: Case) -> str:
        member = case.team.filter(pk=member_pk).first()
        if member is None:
            raise Http404
        services.care_team_set_lead(member=member, by=staff_user(request))
        return _("Lead changed.")

    return _simple(request, pk, run)


@case_staff
@require_POST
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict[str, Any]) -> str:
        services.consent_grant(
            case=case,
            by=staff_user(request),
            organisation=d["organisation"],
            scope=d["scope"],
            valid_from=d["valid_from"],
            valid_until=d["valid_until"],
            given_by=d["given_by"],
        )
        return _("Consent recorded.")

    return _act(request, pk, ConsentForm, "consent_form", action)


@case_staff
@require_POST
def consent_revoke(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    def run(case: Case) -> str:
        consent = case.consents.filter(pk=consent_pk).first()
        if consent is None:
            raise Http404
        services.consent_revoke(consent=consent, by=staff_user(request))
        return _("Consent withdrawn.")

    return _simple(request, pk, run)


@case_staff
@require_POST
def item_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    def action(case: Case, d: dict[str, Any]) -> str:
        item = case.stabilisation.filter(pk=item_pk).first()
        if item is None:
            raise Http404
        services.stabilisation_item_done(item=item, by=staff_user(request), done_at=d["done_at"])
        return _("Marked as done.")

    return _act(request, pk, ItemDoneForm, "item_form", action)


@case_staff
@require_POST
def item_owner(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    def action(case: Case, d: dict[str, Any]) -> str:
        item = case.stabilisation.filter(pk=item_pk).first()
        if item is None:
            raise Http404
        services.stabilisation_item_assign(item=item, by=staff_user(request), owner_id=d["owner"])
        return _("Owner changed.")

    return _act(request, pk, ItemOwnerForm, "item_form", action)


@case_staff
@require_POST
def referral_send(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict[str, Any]) -> str:
        referral = services.referral_send(
            case=case,
            by=staff_user(request),
            service=d["service"],
            shared_fields=d["shared_fields"],
            note=d["note"],
            join_waitlist=d["join_waitlist"],
        )
        if referral.status == ReferralStatus.WAITLISTED:
            return _("The youth is on the waitlist of %(s)s.") % {"s": referral.service.name}
        return _("Referral sent to %(s)s.") % {"s": referral.service.name}

    return _act(request, pk, ReferralSendForm, "referral_form", action)


@case_staff
@require_POST
def referral_revoke(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    def run(case: Case) -> str:
        referral = case.referrals.filter(pk=referral_pk).first()
        if referral is None:
            raise Http404
        services.referral_revoke(
            referral=referral, by=staff_user(request), note=request.POST.get("note", "")
        )
        return _("Referral revoked.")

    return _simple(request, pk, run)


@case_staff
@require_POST
def referral_reopen(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    def run(case: Case) -> str:
        referral = case.referrals.filter(pk=referral_pk).first()
        if referral is None:
            raise Http404
        services.referral_reopen(
            referral=referral, by=staff_user(request), note=request.POST.get("note", "")
        )
        return _("Referral sent again.")

    return _simple(request, pk, run)


@case_staff
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict[str, Any]) -> str:
        services.contact_add(
            case=case, by=staff_user(request), kind=d["kind"], at=d["at"], note=d["note"]
        )
        return _("Contact logged.")

    return _act(request, pk, ContactForm, "contact_form", action)


@case_staff
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict[str, Any]) -> str:
        services.case_close(
            case=case,
            by=staff_user(request),
            reason=d["reason"],
            aftercare_check_in_on=d["aftercare_check_in_on"],
            version=d["version"],
        )
        return _("Case closed.")

    return _act(request, pk, CloseForm, "close_form", action)


@case_staff
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case: Case, d: dict[str, Any]) -> str:
        services.case_reopen(case=case, by=staff_user(request), version=d["version"])
        return _("Case reopened.")

    return _act(request, pk, ReopenForm, "reopen_form", action)


# --- break-glass ------------------------------------------------------------------------------


@break_glass_staff
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    """Open a case outside one's care teams, with a reason (audited, reviewed)."""
    user = staff_user(request)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = selectors.case_by_reference(reference=form.cleaned_data["reference"])
        if case is None:
            audit_log(
                action=Action.BREAK_GLASS,
                actor=user,
                object_type="cases.case",
                outcome=Outcome.FAILURE,
                reason="unknown reference",
            )
            form.add_error("reference", _("No case with that reference."))
        else:
            try:
                services.break_glass(case=case, by=user, reason=form.cleaned_data["reason"])
            except services.CaseError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/break_glass.html",
        {"form": form, "minutes": services.BREAK_GLASS_MINUTES},
        status=400 if request.method == "POST" else 200,
    )


# --- the receiving agency ---------------------------------------------------------------------


@case_staff
def inbox(request: HttpRequest) -> HttpResponse:
    """Referrals to the services of the user's organisations."""
    show_all = request.GET.get("show") == "all"
    return render(
        request,
        "cases/inbox.html",
        {
            "referrals": selectors.referral_inbox(user=request.user, open_only=not show_all),
            "show_all": show_all,
        },
    )


_AGENCY_STEPS = {
    "accept": ReferralStatus.ACCEPTED,
    "decline": ReferralStatus.DECLINED,
    "first-contact": ReferralStatus.FIRST_CONTACT,
    "complete": ReferralStatus.COMPLETED,
    "drop": ReferralStatus.DROPPED,
}

_STEP_LABELS = {
    "accept": _lazy("Accept"),
    "decline": _lazy("Decline"),
    "first-contact": _lazy("First contact made"),
    "complete": _lazy("Completed"),
    "drop": _lazy("Dropped out"),
}


def _referral_page(
    request: HttpRequest, referral: Any, *, form: Form | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "cases/referral.html",
        {
            "referral": referral,
            "shared": selectors.shared_view(referral=referral),
            "events": referral.events.select_related("by"),
            "form": form or ReferralNoteForm(),
            "actions": [
                (step, _STEP_LABELS[step])
                for step, to in _AGENCY_STEPS.items()
                if referral.status in services.AGENCY_TRANSITIONS[to]
            ],
        },
        status=status,
    )


@case_staff
def inbox_referral(request: HttpRequest, referral_pk: int) -> HttpResponse:
    """One referral as the receiving agency sees it: only the shared fields (audited)."""
    referral = selectors.referral_get_for_agency(user=request.user, pk=referral_pk)
    return _referral_page(request, referral)


@case_staff
@require_POST
def inbox_answer(request: HttpRequest, referral_pk: int, step: str) -> HttpResponse:
    to = _AGENCY_STEPS.get(step)
    if to is None:
        raise Http404
    referral = selectors.referral_get_for_agency(user=request.user, pk=referral_pk, audit=False)
    form = ReferralNoteForm(request.POST)
    if form.is_valid():
        try:
            services.referral_answer(
                referral=referral, by=staff_user(request), to=to, note=form.cleaned_data["note"]
            )
        except services.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Referral updated."))
            return redirect("cases:inbox_referral", referral_pk=referral.pk)
    return _referral_page(request, referral, form=form, status=400)


# --- coordinators -----------------------------------------------------------------------------


@coordinator_only
def dashboard(request: HttpRequest) -> HttpResponse:
    """Open alerts of every case and the break-glass reads to review."""
    alerts = selectors.alerts_for(user=request.user)
    kind = request.GET.get("kind", "")
    if kind in AlertKind.values:
        alerts = alerts.filter(kind=kind)
    else:
        kind = ""
    page = page_of(request, alerts)
    return render(
        request,
        "cases/dashboard.html",
        {
            "alerts": page,
            "page": page,
            "query": query_without_page(request),
            "kind": kind,
            "counts": selectors.alert_counts(user=request.user),
            "grants": selectors.break_glass_log(user=request.user)[:100],
        },
    )


@coordinator_only
@require_POST
def break_glass_reviewed(request: HttpRequest, grant_pk: int) -> HttpResponse:
    grant = selectors.break_glass_log(user=request.user).filter(pk=grant_pk).first()
    if grant is None:
        raise Http404
    services.break_glass_review(grant=grant, by=staff_user(request))
    messages.success(request, _("Marked as reviewed."))
    return redirect("cases:dashboard")


# --- the youth's details after intake ---------------------------------------------------------


@case_staff
@require_http_methods(["GET", "POST"])
def youth_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct or complete the youth's details (every intake field; the youth's version keeps
    a concurrent edit from being overwritten)."""
    # The form shows the youth's details: a GET is an audited read of the case.
    case = selectors.case_get_for_user(user=request.user, pk=pk, audit=request.method == "GET")
    if not can_work_case(request.user, case):
        raise PermissionDenied  # a break-glass reader only reads
    if request.method == "POST":
        form = YouthEditForm(request.POST)
        if form.is_valid():
            try:
                services.youth_update(
                    case=case,
                    by=staff_user(request),
                    data=form.to_input(),
                    version=form.cleaned_data["version"],
                )
            except services.CaseError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The youth's details were saved."))
                return redirect("cases:detail", pk=case.pk)
    else:
        form = YouthEditForm(initial=YouthEditForm.initial_for(case.youth))
    return render(
        request,
        "cases/youth_edit.html",
        {"case": case, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- alerts handled by hand -------------------------------------------------------------------


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    # Back to the page the action came from: the coordinators' dashboard or the case.
    if request.POST.get("next") == "dashboard" or request.GET.get("next") == "dashboard":
        return redirect("cases:dashboard")
    return redirect("cases:detail", pk=case.pk)


def _open_alert(case: Case, alert_pk: int) -> Any:
    alert = case.alerts.filter(pk=alert_pk).first()
    if alert is None:
        raise Http404
    return alert


@case_staff
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int, alert_pk: int) -> HttpResponse:
    """A team member or a coordinator has seen the alert: it is no longer escalated."""
    case = selectors.case_get_for_user(user=request.user, pk=pk, audit=False)
    if not can_acknowledge_alert(request.user, case):
        raise PermissionDenied
    alert = _open_alert(case, alert_pk)
    try:
        services.alert_acknowledge(alert=alert, by=staff_user(request))
    except services.CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Alert acknowledged."))
    return _back(request, case)


@case_staff
@require_http_methods(["GET", "POST"])
def alert_resolve(request: HttpRequest, pk: int, alert_pk: int) -> HttpResponse:
    """A coordinator or the case lead resolves an alert by hand, with a note."""
    case = selectors.case_get_for_user(user=request.user, pk=pk, audit=False)
    if not can_resolve_alert(request.user, case):
        raise PermissionDenied
    alert = _open_alert(case, alert_pk)
    form = AlertResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_resolve(
                alert=alert, by=staff_user(request), note=form.cleaned_data["note"]
            )
        except services.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Alert resolved."))
            return _back(request, case)
    return render(
        request,
        "cases/alert_resolve.html",
        {
            "case": case,
            "alert": alert,
            "form": form,
            "next": request.GET.get("next", ""),
            "quiet_days": services.resolved_quiet_days(),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- deletion (restricted permission, reason required) ----------------------------------------

# The sub-records of a case that may be deleted, by URL name: the case's related manager.
_DELETABLE_KINDS = {
    "contact": "contacts",
    "consent": "consents",
    "referral": "referrals",
    "item": "stabilisation",
    "member": "team",
}


def _deletable_case(request: HttpRequest, pk: int) -> Case:
    case = selectors.case_get_for_user(user=request.user, pk=pk, audit=False)
    if not can_delete_case_records(request.user, case):
        audit_log(
            action=Action.ACCESS_DENIED,
            actor=request.user,
            obj=case,
            outcome=Outcome.DENIED,
            reason="delete without the delete_case_records permission",
        )
        raise PermissionDenied
    return case


def _delete_page(
    request: HttpRequest, case: Case, obj: Any, label: str, success: Callable[[], HttpResponse]
) -> HttpResponse:
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_delete(
                obj=obj, by=staff_user(request), reason=form.cleaned_data["reason"]
            )
        except services.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            return success()
    return render(
        request,
        "cases/delete.html",
        {"case": case, "form": form, "label": label, "whole_case": isinstance(obj, Case)},
        status=400 if request.method == "POST" else 200,
    )


@case_staff
@require_http_methods(["GET", "POST"])
def record_delete(request: HttpRequest, pk: int, kind: str, obj_pk: int) -> HttpResponse:
    """Delete a contact, consent, referral sent in error, checklist item or team row."""
    related = _DELETABLE_KINDS.get(kind)
    if related is None:
        raise Http404
    case = _deletable_case(request, pk)
    obj = getattr(case, related).filter(pk=obj_pk).first()
    if obj is None:
        raise Http404
    label = services.DELETABLE[type(obj)]

    def done() -> HttpResponse:
        messages.success(request, _("Deleted."))
        return redirect("cases:detail", pk=case.pk)

    return _delete_page(request, case, obj, label, done)


@case_staff
@require_http_methods(["GET", "POST"])
def case_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a whole case created in error, with its youth and identity register record."""
    case = _deletable_case(request, pk)
    reference = case.reference

    def done() -> HttpResponse:
        messages.success(request, _("Case %(ref)s was deleted.") % {"ref": reference})
        return redirect("cases:list")

    return _delete_page(request, case, case, "case", done)


# === Case records: service plan, identification, placements, missing episodes, court ===========
# Shown on the case page (partials cases/_plan.html … _missing_data.html); every action is a
# POST for team members and coordinators (a break-glass reader gets 403, an outsider 404).


# Case records that record_delete may delete (services.DELETABLE lists them too).
_DELETABLE_KINDS.update(
    {
        "goal": "plan_goals",
        "identification": "identifications",
        "screening": "screenings",
        "placement": "placements",
        "missing": "missing_episodes",
        "court": "court_matters",
    }
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
@require_POST
def plan_goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.plan_goal_add(
            case=case, by=staff_user(request), domain=d["domain"], description=d["description"]
        )
        return _("Goal added to the plan.")

    form = record_forms.PlanGoalForm(request.POST)
    return _record_act(request, case, form, "plan_goal_form", action, "case-plan")


@case_staff
@require_POST
def plan_goal_status(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    case = _workable_case(request, pk)
    goal = _one(case.plan_goals, goal_pk)

    def action(d: dict[str, Any]) -> str:
        services.plan_goal_set_status(
            goal=goal, by=staff_user(request), status=d["status"], version=d["version"]
        )
        return _("Goal updated.")

    form = record_forms.GoalStatusForm(request.POST, auto_id=f"goalstatusform-{goal.pk}-%s")
    return _record_act(request, case, form, "goal_status_form", action, "case-plan")


@case_staff
@require_POST
def plan_step_add(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    case = _workable_case(request, pk)
    goal = _one(case.plan_goals, goal_pk)

    def action(d: dict[str, Any]) -> str:
        services.plan_step_add(
            goal=goal,
            by=staff_user(request),
            description=d["description"],
            owner=d["owner"],
            due_on=d["due_on"],
        )
        return _("Step added.")

    form = record_forms.PlanStepForm(request.POST, case=case, auto_id=f"planstepform-{goal.pk}-%s")
    return _record_act(request, case, form, "plan_step_form", action, "case-plan")


@case_staff
@require_POST
def plan_step_done(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    def run(case: Case) -> str:
        step = _one(records.PlanStep.objects.filter(goal__case=case), step_pk)
        services.plan_step_done(step=step, by=staff_user(request))
        return _("Step marked done.")

    return _simple(request, pk, run)


@case_staff
@require_POST
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.plan_review_record(
            case=case,
            by=staff_user(request),
            next_review_on=d["next_review_on"],
            reviewed=d["reviewed"],
            version=d["version"],
        )
        return _("Plan review recorded.") if d["reviewed"] else _("Review date set.")

    form = record_forms.PlanReviewForm(request.POST)
    return _record_act(request, case, form, "plan_review_form", action, "case-plan")


@case_staff
@require_POST
def identification_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.identification_record(
            case=case,
            by=staff_user(request),
            status=d["status"],
            identified_when=d["identified_when"],
            identified_on=d["identified_on"],
            current_pk=d["current"],
        )
        return _("Exploitation status recorded.")

    form = record_forms.IdentificationForm(request.POST)
    return _record_act(request, case, form, "identification_form", action, "case-identification")


@case_staff
@require_POST
def screening_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.screening_record(
            case=case,
            by=staff_user(request),
            tool_name=d["tool_name"],
            tool_version=d["tool_version"],
            screened_on=d["screened_on"],
            result=d["result"],
            notes=d["notes"],
        )
        return _("Screening recorded.")

    form = record_forms.ScreeningForm(request.POST)
    return _record_act(request, case, form, "screening_form", action, "case-identification")


@case_staff
@require_POST
def placement_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.placement_start(
            case=case,
            by=staff_user(request),
            kind=d["kind"],
            specialised=d["specialised"],
            provider_name=d["provider_name"],
            service=d["service"],
            started_on=d["started_on"],
            ended_on=d["ended_on"],
        )
        return _("Placement recorded.")

    form = record_forms.PlacementForm(request.POST)
    return _record_act(request, case, form, "placement_form", action, "case-placements")


@case_staff
@require_POST
def placement_end(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    case = _workable_case(request, pk)
    placement = _one(case.placements, placement_pk)

    def action(d: dict[str, Any]) -> str:
        services.placement_end(
            placement=placement,
            by=staff_user(request),
            ended_on=d["ended_on"],
            version=d["version"],
        )
        return _("Placement ended.")

    form = record_forms.PlacementEndForm(
        request.POST, auto_id=f"placementendform-{placement.pk}-%s"
    )
    return _record_act(request, case, form, "placement_end_form", action, "case-placements")


@case_staff
@require_POST
def missing_start(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.missing_start(
            case=case,
            by=staff_user(request),
            started_at=d["started_at"],
            reported_by=d["reported_by"],
        )
        return _("Missing episode recorded. Record the reports to the police and the centre.")

    form = record_forms.MissingStartForm(request.POST)
    return _record_act(request, case, form, "missing_start_form", action, "case-missing")


def _episode_act(
    request: HttpRequest,
    pk: int,
    episode_pk: int,
    form_class: type[Form],
    form_name: str,
    run: Callable[[records.MissingEpisode, dict[str, Any]], str],
) -> HttpResponse:
    case = _workable_case(request, pk)
    episode = _one(case.missing_episodes, episode_pk)
    form = form_class(request.POST, auto_id=f"{form_class.__name__.lower()}-{episode.pk}-%s")
    return _record_act(request, case, form, form_name, lambda d: run(episode, d), "case-missing")


@case_staff
@require_POST
def missing_report(request: HttpRequest, pk: int, episode_pk: int) -> HttpResponse:
    def run(episode: records.MissingEpisode, d: dict[str, Any]) -> str:
        services.missing_report_record(
            episode=episode,
            by=staff_user(request),
            which=d["which"],
            at=d["at"],
            reference=d["reference"],
            version=d["version"],
        )
        return _("Report recorded.")

    return _episode_act(
        request, pk, episode_pk, record_forms.MissingReportForm, "missing_report_form", run
    )


@case_staff
@require_POST
def missing_return(request: HttpRequest, pk: int, episode_pk: int) -> HttpResponse:
    def run(episode: records.MissingEpisode, d: dict[str, Any]) -> str:
        services.missing_return(
            episode=episode,
            by=staff_user(request),
            returned_at=d["returned_at"],
            found_where=d["found_where"],
            version=d["version"],
        )
        return _("Return recorded. Arrange the debrief with the youth.")

    return _episode_act(
        request, pk, episode_pk, record_forms.MissingReturnForm, "missing_return_form", run
    )


@case_staff
@require_POST
def missing_debrief(request: HttpRequest, pk: int, episode_pk: int) -> HttpResponse:
    def run(episode: records.MissingEpisode, d: dict[str, Any]) -> str:
        services.missing_debrief(
            episode=episode,
            by=staff_user(request),
            at=d["at"],
            notes=d["notes"],
            version=d["version"],
        )
        return _("Debrief recorded.")

    return _episode_act(
        request, pk, episode_pk, record_forms.MissingDebriefForm, "missing_debrief_form", run
    )


@case_staff
@require_POST
def court_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.court_matter_add(
            case=case,
            by=staff_user(request),
            kind=d["kind"],
            court_name=d["court_name"],
            docket_number=d["docket_number"],
            next_hearing_on=d["next_hearing_on"],
            next_hearing_kind=d["next_hearing_kind"],
        )
        return _("Court involvement recorded.")

    form = record_forms.CourtMatterForm(request.POST)
    return _record_act(request, case, form, "court_form", action, "case-court")


@case_staff
@require_POST
def court_update(request: HttpRequest, pk: int, matter_pk: int) -> HttpResponse:
    case = _workable_case(request, pk)
    matter = _one(case.court_matters, matter_pk)

    def action(d: dict[str, Any]) -> str:
        services.court_matter_update(
            matter=matter,
            by=staff_user(request),
            status=d["status"],
            next_hearing_on=d["next_hearing_on"],
            next_hearing_kind=d["next_hearing_kind"],
            version=d["version"],
        )
        return _("Court matter updated.")

    form = record_forms.CourtUpdateForm(request.POST, auto_id=f"courtupdateform-{matter.pk}-%s")
    return _record_act(request, case, form, "court_update_form", action, "case-court")
