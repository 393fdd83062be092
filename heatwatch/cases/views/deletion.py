"""Deleting case records entered in error (restricted permission, reason required)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from heatwatch.accounts.permissions import staff_user
from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.cases import selectors, services
from heatwatch.cases.forms import (
    DeleteForm,
)
from heatwatch.cases.models import Case
from heatwatch.cases.permissions import (
    can_delete_case_records,
)
from heatwatch.cases.views._page import (
    case_staff,
)

# --- deletion (restricted permission, reason required) ----------------------------------------

# The sub-records of a case that may be deleted, by URL name: the case's related manager
# (services.DELETABLE lists the same models).
_DELETABLE_KINDS = {
    "contact": "contacts",
    "consent": "consents",
    "referral": "referrals",
    "item": "stabilisation",
    "member": "team",
    "goal": "plan_goals",
    "identification": "identifications",
    "screening": "screenings",
    "placement": "placements",
    "missing": "missing_episodes",
    "court": "court_matters",
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
