"""Case pages: the list, intake with identity matching, the case page's actions, break-glass,
the receiving agency's referral inbox, the coordinators' dashboard, the youth's details and
alerts handled by hand. Thin: parse, check permission, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from heatwatch.accounts.permissions import staff_user
from heatwatch.cases import selectors, services
from heatwatch.cases.extensions import case_list_sections
from heatwatch.cases.forms import (
    AlertResolveForm,
    BreakGlassForm,
    CloseForm,
    ConsentForm,
    ContactForm,
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
    can_acknowledge_alert,
    can_open_cases,
    can_resolve_alert,
    can_work_case,
)
from heatwatch.cases.views._page import (
    _act,
    _simple,
    break_glass_staff,
    case_staff,
    coordinator_only,
    intake_staff,
)
from heatwatch.core.actions import invalid_status
from heatwatch.core.pagination import page_of, query_without_page
from heatwatch.identity import duplicates as identity_duplicates
from heatwatch.identity.selectors import can_manage_identities

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
            "sections": case_list_sections(user=request.user),
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
    try:
        case = services.case_open_from_intake(
            data=form.to_input(),
            by=user,
            intake_source=form.cleaned_data["intake_source"],
            organisation=form.cleaned_data["organisation"],
            tip_reference=form.cleaned_data["tip_reference"],
            person_id=int(choice) if choice.isdigit() else None,
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
    form = BreakGlassForm(
        request.POST or None, initial={"reference": request.GET.get("reference", "")[:20]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.break_glass_by_reference(
                reference=form.cleaned_data["reference"],
                by=user,
                reason=form.cleaned_data["reason"],
            )
        except services.UnknownCaseReference as exc:
            form.add_error("reference", str(exc))
        except services.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("cases:detail", pk=grant.case_id)
    return render(
        request,
        "cases/break_glass.html",
        {"form": form, "minutes": services.break_glass_minutes()},
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
    "accept": gettext_lazy("Accept"),
    "decline": gettext_lazy("Decline"),
    "first-contact": gettext_lazy("First contact made"),
    "complete": gettext_lazy("Completed"),
    "drop": gettext_lazy("Dropped out"),
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
            # the possible-duplicates queue's counts per week (identity)
            "identity_queue": identity_duplicates.dashboard_context()
            if can_manage_identities(request.user)
            else None,
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
    error: Exception | None = None
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
                error = exc
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
        status=invalid_status(error) if request.method == "POST" else 200,
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
