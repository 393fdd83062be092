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
from heatwatch.cases import selectors, services
from heatwatch.cases.forms import (
    BreakGlassForm,
    CloseForm,
    ConsentForm,
    ContactForm,
    IntakeForm,
    ItemDoneForm,
    ParticipationForm,
    ReferralNoteForm,
    ReferralSendForm,
    ReopenForm,
    TeamAddForm,
)
from heatwatch.cases.models import Case, CaseStatus, ReferralStatus
from heatwatch.cases.permissions import (
    BREAK_GLASS_ROLES,
    CASE_ROLES,
    INTAKE_ROLES,
    can_open_cases,
    can_work_case,
)
from heatwatch.core.actions import run_form_action
from heatwatch.identity.models import Person

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
    cases = list(selectors.case_list(user=request.user, status="" if status == "all" else status))
    leads = selectors.case_leads(cases=cases)
    rows = [(case, leads.get(case.pk)) for case in cases]
    return render(
        request,
        "cases/list.html",
        {
            "rows": rows,
            "status": status,
            "statuses": CaseStatus.choices,
            "alerts": selectors.alerts_for(user=request.user)[:50],
            "can_open": can_open_cases(request.user),
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
        "alerts": case.alerts.filter(resolved_at__isnull=True),
        "events": case.events.select_related("actor")[:100],
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
    return render(
        request,
        "cases/dashboard.html",
        {
            "alerts": selectors.alerts_for(user=request.user)[:200],
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
