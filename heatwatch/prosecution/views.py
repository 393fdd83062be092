"""Prosecution pages at /staff/prosecution/: prosecutions (list, new, the page with its
charges, stages, assignment and linked youths, edit), the youth-court docket (month view,
recording a hearing and its outcome, the care team's calendar feed) and entities (search,
add, where each appears, linking). Thin: parse, check permission, call one service or
selector, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from heatwatch.accounts.models import User
from heatwatch.accounts.permissions import staff_user
from heatwatch.cases import selectors as case_selectors
from heatwatch.cases.models import Case
from heatwatch.cases.permissions import cases_visible_to
from heatwatch.core.actions import invalid_status, run_form_action
from heatwatch.prosecution import forms as f
from heatwatch.prosecution import permissions, selectors, services, statutes
from heatwatch.prosecution.models import LinkTarget, Prosecution
from heatwatch.tips.permissions import tips_visible_to

V = Callable[..., HttpResponse]


def _gate(check: Callable[[Any], bool]) -> Callable[[V], V]:
    """403 (audited by the project's handler) unless ``check(user)``."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


prosecution_staff = _gate(permissions.can_use_prosecutions)
prosecutor_only = _gate(permissions.is_prosecutor)
docket_staff = _gate(permissions.can_see_docket)
hearing_staff = _gate(permissions.can_record_hearings)
entity_staff = _gate(permissions.can_use_entities)


def _user(pk: int | None) -> User | None:
    return User.objects.filter(pk=pk).first() if pk else None


# --- prosecutions -----------------------------------------------------------------------------


@prosecution_staff
def prosecution_list(request: HttpRequest) -> HttpResponse:
    """The prosecutions the user may see: reference, stage, assignment; no defendant field."""
    return render(
        request,
        "prosecution/list.html",
        {
            "prosecutions": selectors.prosecution_list(user=request.user)[:200],
            "can_create": permissions.is_prosecutor(request.user),
        },
    )


@prosecutor_only
@require_http_methods(["GET", "POST"])
def prosecution_new(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = f.ProsecutionForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            prosecution = services.prosecution_create(
                by=user,
                office=form.offices[d["office"]],
                defendant=form.defendant(),
                opened_on=d["opened_on"],
                prosecutor=_user(d["prosecutor"]),
                advocate=_user(d["advocate"]),
            )
        except services.ProsecutionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Prosecution %(ref)s opened.") % {"ref": prosecution})
            return redirect("prosecution:detail", pk=prosecution.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "prosecution/new.html", {"form": form}, status=status)


def _detail(
    request: HttpRequest, prosecution: Prosecution, *, status: int = 200, **forms: Form
) -> HttpResponse:
    user = request.user
    can_edit = permissions.can_edit_prosecution(user, prosecution)
    dates = selectors.stage_dates(prosecution=prosecution)
    context: dict[str, Any] = {
        "p": prosecution,
        "can_edit": can_edit,
        "stages": [(value, label, dates.get(value)) for value, label in f.Stage.choices],
        "charges": list(prosecution.charges.all()),
        "youths": selectors.visible_youth_links(user=user, prosecution=prosecution),
        "entity_links": selectors.prosecution_entities(user=user, prosecution=prosecution)
        if can_edit
        else [],
    }
    if can_edit:
        context.update(
            charge_form=forms.get("charge_form") or f.ChargeForm(),
            stage_form=forms.get("stage_form")
            or f.StageForm(initial={"version": prosecution.version}),
            youth_form=forms.get("youth_form") or f.YouthLinkForm(),
            statute_list=sorted(statutes.statutes().values(), key=lambda s: s.code),
        )
    return render(request, "prosecution/detail.html", context, status=status)


@prosecution_staff
def prosecution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One prosecution, in full (audited)."""
    prosecution = selectors.prosecution_get_for_user(user=request.user, pk=pk)
    return _detail(request, prosecution)


def _editable(request: HttpRequest, pk: int) -> Prosecution:
    prosecution = selectors.prosecution_get_for_user(user=request.user, pk=pk, audit=False)
    if not permissions.can_edit_prosecution(request.user, prosecution):
        raise PermissionDenied  # the victim-witness advocate reads
    return prosecution


def _act(
    request: HttpRequest,
    prosecution: Prosecution,
    form: Form,
    name: str,
    action: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    return run_form_action(
        request,
        form=form,
        action=action,
        errors=services.ProsecutionError,
        success_url=reverse("prosecution:detail", args=[prosecution.pk]),
        render_invalid=lambda bad: _detail(request, prosecution, status=400, **{name: bad}),
    )


@prosecution_staff
@require_http_methods(["GET", "POST"])
def prosecution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    prosecution = _editable(request, pk)
    user = staff_user(request)
    if request.method == "GET":
        form = f.ProsecutionEditForm(
            user=user,
            offices=[prosecution.office],
            initial=f.ProsecutionEditForm.initial_for(prosecution),
        )
        return render(request, "prosecution/edit.html", {"p": prosecution, "form": form})
    form = f.ProsecutionEditForm(request.POST, user=user, offices=[prosecution.office])
    error: Exception | None = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.prosecution_update(
                prosecution=prosecution,
                by=user,
                version=d["version"],
                defendant=form.defendant(),
                prosecutor=_user(d["prosecutor"]),
                advocate=_user(d["advocate"]),
                outcome=d["outcome"],
                sentence=d["sentence"],
            )
        except services.ProsecutionError as exc:
            form.add_error(None, str(exc))
            error = exc
        else:
            messages.success(request, _("Prosecution updated."))
            return redirect("prosecution:detail", pk=prosecution.pk)
    return render(
        request,
        "prosecution/edit.html",
        {"p": prosecution, "form": form},
        status=invalid_status(error),
    )


@prosecution_staff
@require_POST
def charge_add(request: HttpRequest, pk: int) -> HttpResponse:
    prosecution = _editable(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.charge_add(
            prosecution=prosecution,
            by=staff_user(request),
            statute=d["statute"],
            counts=d["counts"],
            description=d["description"],
        )
        return _("Charge added.")

    return _act(request, prosecution, f.ChargeForm(request.POST), "charge_form", action)


@prosecution_staff
@require_POST
def stage_record(request: HttpRequest, pk: int) -> HttpResponse:
    prosecution = _editable(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.stage_record(
            prosecution=prosecution,
            by=staff_user(request),
            stage=d["stage"],
            on=d["on"],
            version=d["version"],
        )
        return _("Stage recorded.")

    return _act(request, prosecution, f.StageForm(request.POST), "stage_form", action)


def _visible_case(user: Any, reference: str) -> Case:
    """The case with this reference if ``user`` may open it; a domain error otherwise (the
    same message whether it does not exist or is not theirs)."""
    found = case_selectors.case_by_reference(reference=reference)
    if found is None or not cases_visible_to(user).filter(pk=found.pk).exists():
        raise services.ProsecutionError(_("No case with this reference that you may open."))
    return found


@prosecution_staff
@require_POST
def youth_link(request: HttpRequest, pk: int) -> HttpResponse:
    prosecution = _editable(request, pk)

    def action(d: dict[str, Any]) -> str:
        user = staff_user(request)
        case = _visible_case(user, d["case_reference"])
        services.youth_link(prosecution=prosecution, case=case, by=user)
        return _("Youth linked.")

    return _act(request, prosecution, f.YouthLinkForm(request.POST), "youth_form", action)


# --- the docket -------------------------------------------------------------------------------


def _month(value: str) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in value.split("-", 1))
        date(year, month, 1)
    except ValueError:
        today = timezone.localdate()
        return today.year, today.month
    if not 2000 <= year <= 2100:
        today = timezone.localdate()
        return today.year, today.month
    return year, month


@docket_staff
def docket(request: HttpRequest) -> HttpResponse:
    """The youth-court docket, one month at a time: every hearing for prosecutors, the
    hearings of the user's cases for other case staff."""
    year, month = _month(request.GET.get("month", "")[:7])
    start, end = selectors.month_bounds(year, month)
    previous = (start - timedelta(days=1)).strftime("%Y-%m")
    following = (end + timedelta(days=1)).strftime("%Y-%m")
    return render(
        request,
        "prosecution/docket.html",
        {
            "days": selectors.docket_days(user=request.user, year=year, month=month),
            "month": start,
            "previous": previous,
            "following": following,
            "can_record": permissions.can_record_hearings(request.user),
        },
    )


@hearing_staff
@require_http_methods(["GET", "POST"])
def hearing_new(request: HttpRequest) -> HttpResponse:
    """Put a youth-court hearing on a case's docket (prosecutors and coordinators)."""
    user = staff_user(request)
    form = f.HearingForm(
        request.POST or None, initial={"case_reference": request.GET.get("case", "")[:20]}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = case_selectors.case_by_reference(reference=d["case_reference"])
            if case is None or not case.is_open:
                raise services.ProsecutionError(_("No open case with this reference."))
            services.hearing_record(
                case=case,
                by=user,
                on=d["on"],
                at=d["at"],
                department=d["department"],
                purpose=d["purpose"],
            )
        except services.ProsecutionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Hearing put on the docket."))
            return redirect(reverse("prosecution:docket") + f"?month={d['on']:%Y-%m}")
    status = 400 if request.method == "POST" else 200
    return render(request, "prosecution/hearing_new.html", {"form": form}, status=status)


@docket_staff
@require_http_methods(["GET", "POST"])
def hearing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One hearing; prosecutors and coordinators record its outcome and next date."""
    hearing = selectors.hearing_get_for_user(user=request.user, pk=pk)
    can_record = permissions.can_record_hearings(request.user)
    form: f.HearingUpdateForm | None = None
    error: Exception | None = None
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        form = f.HearingUpdateForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.hearing_update(
                    hearing=hearing,
                    by=staff_user(request),
                    version=d["version"],
                    outcome=d["outcome"],
                    next_on=d["next_on"],
                    next_purpose=d["next_purpose"],
                )
            except services.ProsecutionError as exc:
                form.add_error(None, str(exc))
                error = exc
            else:
                messages.success(request, _("Hearing updated."))
                return redirect("prosecution:hearing", pk=hearing.pk)
    elif can_record:
        form = f.HearingUpdateForm(
            initial={
                "outcome": hearing.outcome,
                "next_on": hearing.next_on,
                "version": hearing.version,
            }
        )
    # The outcome is for those who may open the case (or keep the docket).
    shows_outcome = can_record or cases_visible_to(request.user).filter(pk=hearing.case_id).exists()
    return render(
        request,
        "prosecution/hearing.html",
        {"hearing": hearing, "form": form, "shows_outcome": shows_outcome},
        status=invalid_status(error) if request.method == "POST" else 200,
    )


def _team_case(request: HttpRequest, case_pk: int) -> Case:
    case = case_selectors.case_get_for_user(user=request.user, pk=case_pk, audit=False)
    if not permissions.can_manage_feed(request.user, case):
        raise PermissionDenied
    return case


@docket_staff
@require_POST
def feed_issue(request: HttpRequest, case_pk: int) -> HttpResponse:
    """A new calendar-feed link for the care team (the previous one stops working)."""
    case = _team_case(request, case_pk)
    services.feed_issue(case=case, by=staff_user(request))
    messages.success(request, _("A new calendar link was made; the previous one stopped working."))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#case-docket")


@docket_staff
@require_POST
def feed_revoke(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _team_case(request, case_pk)
    services.feed_revoke(case=case, by=staff_user(request))
    messages.success(request, _("The calendar link stopped working."))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#case-docket")


# --- entities ---------------------------------------------------------------------------------


@entity_staff
@require_http_methods(["GET", "POST"])
def entity_list(request: HttpRequest) -> HttpResponse:
    """Search entities by exact value (blind index) and add one; every entity shown is audited."""
    search = f.EntitySearchForm(request.GET or None)
    kind, value = "", ""
    if search.is_valid():
        kind, value = search.cleaned_data["kind"], search.cleaned_data["value"]
    form = f.EntityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entity, created = services.entity_add(
                kind=form.cleaned_data["kind"],
                value=form.cleaned_data["value"],
                by=staff_user(request),
            )
        except services.ProsecutionError as exc:
            form.add_error("value", str(exc))
        else:
            messages.success(
                request, _("Entity added.") if created else _("This entity was already known.")
            )
            return redirect("prosecution:entity", pk=entity.pk)
    return render(
        request,
        "prosecution/entities.html",
        {
            "search": search,
            "form": form,
            "rows": selectors.entity_search(user=request.user, kind=kind, value=value),
        },
        status=400 if request.method == "POST" else 200,
    )


def _entity_page(
    request: HttpRequest, pk: int, *, form: Form | None = None, status: int = 200
) -> HttpResponse:
    entity, seen = selectors.entity_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "prosecution/entity.html",
        {"entity": entity, "seen": seen, "form": form or f.EntityLinkForm()},
        status=status,
    )


@entity_staff
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One entity and where it appears (audited)."""
    return _entity_page(request, pk)


@entity_staff
@require_POST
def entity_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Say where the entity was seen: a tip, case or prosecution the user may open."""
    entity, _seen = selectors.entity_get_for_user(user=request.user, pk=pk)
    user = staff_user(request)
    form = f.EntityLinkForm(request.POST)
    if form.is_valid():
        target, reference = form.cleaned_data["target"], form.cleaned_data["reference"].strip()
        try:
            if target == LinkTarget.TIP:
                ref = reference.upper()
                if not tips_visible_to(user).filter(reference=ref).exists():
                    raise services.ProsecutionError(_("No tip with this reference you may open."))
                services.entity_link(entity=entity, by=user, tip_reference=ref)
            elif target == LinkTarget.CASE:
                services.entity_link(entity=entity, by=user, case=_visible_case(user, reference))
            else:
                found = selectors.prosecution_by_reference(reference=reference)
                visible = permissions.prosecutions_visible_to(user)
                if found is None or not visible.filter(pk=found.pk).exists():
                    raise services.ProsecutionError(
                        _("No prosecution with this reference you may open.")
                    )
                services.entity_link(entity=entity, by=user, prosecution=found)
        except services.ProsecutionError as exc:
            form.add_error("reference", str(exc))
        else:
            messages.success(request, _("Link recorded."))
            return redirect("prosecution:entity", pk=entity.pk)
    return _entity_page(request, pk, form=form, status=400)
