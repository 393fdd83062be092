"""Screening pages (``/staff/screening/``): my screenings and a new one, the questionnaire
(a draft saved at every change), the result with the one-step referral, and the coordinators'
referrals and intake. Thin: parse, check permission, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from heatwatch.accounts.permissions import staff_user
from heatwatch.cases import services as case_services
from heatwatch.cases.forms import IntakeForm
from heatwatch.screening import selectors, services
from heatwatch.screening.forms import AttachForm, ScreeningForm, StartForm
from heatwatch.screening.models import ConcernLevel, ResultStatus, ScreeningResult
from heatwatch.screening.permissions import (
    can_take_to_intake,
    may_screen,
    screening_organisations,
)

V = TypeVar("V", bound=Callable[..., HttpResponse])


def _gate(check: Callable[[Any], bool]) -> Callable[[V], V]:
    """403 unless ``check(user)``; applied before the method check, so the matrix of who may
    open what holds for GETs to POST-only pages too."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


screener_only = _gate(may_screen)
coordinator_only = _gate(can_take_to_intake)


def _language(request: HttpRequest) -> str:
    return "es" if (get_language() or "").startswith("es") else "en"


def _start_form(request: HttpRequest, data: Any = None) -> StartForm:
    return StartForm(
        data,
        versions=selectors.versions_in_use(),
        organisations=screening_organisations(request.user),
    )


@screener_only
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    """My screenings (drafts first) and a new one."""
    return render(
        request,
        "screening/index.html",
        {
            "results": selectors.my_results(user=request.user)[:100],
            "start_form": _start_form(request),
            "coordinator": can_take_to_intake(request.user),
        },
    )


@screener_only
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    form = _start_form(request, request.POST)
    if form.is_valid():
        try:
            result = services.screening_start(
                by=staff_user(request),
                version=form.cleaned_data["questionnaire"],
                organisation=form.cleaned_data["organisation"],
                language=_language(request),
            )
        except services.ScreeningError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("screening:result", pk=result.pk)
    return render(
        request,
        "screening/index.html",
        {"results": selectors.my_results(user=request.user)[:100], "start_form": form},
        status=400,
    )


def _questionnaire_form(result: ScreeningResult, data: Any = None) -> ScreeningForm:
    definition = selectors.definition_of(result.questionnaire_version)
    initial: dict[str, Any] = {
        "version": result.version,
        "youth_label": result.youth_label,
        "youth_age": result.youth_age,
        "setting": result.setting,
        "in_danger": result.in_danger,
    }
    for key, value in selectors.answers_of(result).items():
        initial[f"q_{key}"] = value
    return ScreeningForm(data, initial=initial, definition=definition, language=result.language)


def _render_result(
    request: HttpRequest,
    result: ScreeningResult,
    *,
    form: ScreeningForm | None = None,
    status: int = 200,
    missing: tuple[str, ...] = (),
) -> HttpResponse:
    context: dict[str, Any] = {"result": result, "coordinator": can_take_to_intake(request.user)}
    if result.status == ResultStatus.DRAFT and result.screener_id == request.user.pk:
        form = form or _questionnaire_form(result)
        context.update(form=form, missing={f"q_{key}" for key in missing})
        return render(request, "screening/fill.html", context, status=status)
    definition = selectors.definition_of(result.questionnaire_version)
    answers = selectors.answers_of(result)
    language = _language(request)
    rows = []
    for section in definition.sections:
        items = []
        for item in section.items:
            value = answers.get(item.key, "")
            if item.kind == "choice":
                label = next((c.label.get(language) for c in item.choices if c.value == value), "")
            else:
                label = {"yes": _("Yes"), "no": _("No"), "unknown": _("Don't know")}.get(value, "")
            items.append((item.text.get(language), label or "—"))
        rows.append((section.title.get(language), items))
    next_step = result.next_step.get(language) or result.next_step.get("en", "")
    context.update(
        rows=rows,
        next_step=next_step,
        title=definition.title.get(language),
        clear=result.level == ConcernLevel.CLEAR,
        can_refer=result.level == ConcernLevel.CLEAR
        and result.referred_at is None
        and result.screener_id == request.user.pk,
    )
    return render(request, "screening/result.html", context, status=status)


@screener_only
@require_http_methods(["GET"])
def result(request: HttpRequest, pk: int) -> HttpResponse:
    """A screening: the questionnaire while a draft, else its result (every view audited)."""
    found = selectors.result_get_for_user(user=request.user, pk=pk)
    return _render_result(request, found)


@screener_only
@require_POST
def save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the draft as it is: posted by htmx at every change (answered with the saved
    status and the new version), or by the "Save draft" button without JavaScript."""
    found = selectors.result_get_for_user(user=request.user, pk=pk, audit=False)
    form = _questionnaire_form(found, request.POST)
    htmx = bool(getattr(request, "htmx", False))
    error = ""
    if form.is_valid():
        try:
            found = services.screening_save_draft(
                result=found,
                by=staff_user(request),
                data=form.to_input(),
                # Autosaves carry the version (two windows cannot save over each other); a
                # button press sends what this window shows, even while an autosave is
                # still on its way (its version would be one behind).
                version=form.cleaned_data["version"] if htmx else None,
            )
        except services.ScreeningError as exc:
            error = str(exc)
            status = getattr(exc, "http_status", 400)
        else:
            if htmx:
                return render(
                    request, "screening/_saved.html", {"result": found, "at": timezone.now()}
                )
            messages.success(request, _("Draft saved."))
            return redirect("screening:result", pk=found.pk)
    else:
        status = 400
    if htmx:
        # htmx swaps only 2xx answers: the refusal is said in the status line of the form
        # (the status code travels in a header for scripts and tests).
        response = render(
            request,
            "screening/_saved.html",
            {
                "result": found,
                "error": error or _("Not saved: check the fields marked, then save the draft."),
            },
        )
        response["X-Heatwatch-Status"] = str(status)
        return response
    if error:
        form.add_error(None, error)
    return _render_result(request, found, form=form, status=status)


@screener_only
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Save and score; an incomplete questionnaire stays a draft and names what is missing."""
    found = selectors.result_get_for_user(user=request.user, pk=pk, audit=False)
    form = _questionnaire_form(found, request.POST)
    if not form.is_valid():
        return _render_result(request, found, form=form, status=400)
    try:
        done = services.screening_complete(
            result=found,
            by=staff_user(request),
            data=form.to_input(),
            version=None,  # what this window shows (see ``save``)
        )
    except services.ScreeningIncomplete as exc:
        found.refresh_from_db()
        form = _questionnaire_form(found, request.POST.copy())
        form.data["version"] = str(found.version)  # type: ignore[index]
        form.is_valid()
        form.add_error(None, str(exc))
        return _render_result(request, found, form=form, status=400, missing=exc.missing)
    except services.ScreeningError as exc:
        form.add_error(None, str(exc))
        return _render_result(request, found, form=form, status=getattr(exc, "http_status", 400))
    return redirect("screening:result", pk=done.pk)


@screener_only
@require_POST
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    """The one step of a clear concern: send it to the coordinators for intake."""
    found = selectors.result_get_for_user(user=request.user, pk=pk, audit=False)
    try:
        services.screening_refer(result=found, by=staff_user(request))
    except services.ScreeningError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Sent to the coordinators, who open the case intake. Thank you for acting."),
        )
    return redirect("screening:result", pk=found.pk)


@coordinator_only
@require_http_methods(["GET"])
def referrals(request: HttpRequest) -> HttpResponse:
    """The coordinators' list of referred screenings waiting for intake."""
    return render(
        request,
        "screening/referrals.html",
        {"waiting": selectors.referrals_waiting(user=request.user)[:200]},
    )


def _intake_page(
    request: HttpRequest,
    found: ScreeningResult,
    form: IntakeForm,
    *,
    attach_form: AttachForm | None = None,
    status: int = 200,
    candidates: Any = None,
) -> HttpResponse:
    return render(
        request,
        "screening/intake.html",
        {
            "result": found,
            "form": form,
            "attach_form": attach_form or AttachForm(),
            "candidates": candidates,
            "identity_check": candidates is not None,
        },
        status=status,
    )


def _intake_form(found: ScreeningResult, user: Any, data: Any = None) -> IntakeForm:
    form = IntakeForm(data, initial=services.intake_initial(found), user=user)
    # The source is the screening, whatever is posted.
    form.fields["intake_source"].disabled = True
    return form


@coordinator_only
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the case intake for a referred screening: the cases intake form and service
    (identity matching), then the result lands on the case."""
    user = staff_user(request)
    found = selectors.result_get_for_user(user=user, pk=pk)
    if found.case_id is not None:
        messages.info(request, _("This screening is already on a case."))
        return redirect("screening:result", pk=found.pk)
    form = _intake_form(found, user, request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _intake_page(request, found, form)
    if not form.is_valid():
        return _intake_page(request, found, form, status=400)
    choice = form.cleaned_data["person_choice"]
    try:
        case = services.screening_open_case(
            result=found,
            by=user,
            data=form.to_input(),
            organisation=form.cleaned_data["organisation"],
            person_id=int(choice) if choice.isdigit() else None,
            confirm_new_person=choice == "new",
        )
    except case_services.IdentityCheckRequired as exc:
        return _intake_page(request, found, form, candidates=exc.candidates)
    except (case_services.CaseError, services.ScreeningError) as exc:
        form.add_error(None, str(exc))
        return _intake_page(request, found, form, status=400)
    messages.success(
        request, _("Case %(ref)s opened with the screening attached.") % {"ref": case.reference}
    )
    return redirect("cases:detail", pk=case.pk)


@coordinator_only
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a referred screening on the youth's existing case, by the case's reference."""
    user = staff_user(request)
    found = selectors.result_get_for_user(user=user, pk=pk, audit=False)
    attach_form = AttachForm(request.POST)
    if attach_form.is_valid():
        try:
            done = services.screening_attach_by_reference(
                result=found, reference=attach_form.cleaned_data["case_reference"], by=user
            )
        except services.ScreeningError as exc:
            attach_form.add_error("case_reference", str(exc))
        else:
            messages.success(request, _("The screening is on the case now."))
            return redirect("cases:detail", pk=done.case_id or 0)
    return _intake_page(
        request, found, _intake_form(found, user), attach_form=attach_form, status=400
    )
