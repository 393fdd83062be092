"""Staff pages for coordinators: look a youth up, review candidates side by side, merge, undo.

Every page that shows a record writes a READ entry to the audit log; merges and undos are
audited by their services. Everyone but a coordinator gets 403 (and 404 for an object).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Role, User
from heatwatch.accounts.permissions import role_required
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.identity import selectors, services
from heatwatch.identity.forms import LookupForm, ReasonForm
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import IdentityRecord


def _audit_reads(request: HttpRequest, records: list[IdentityRecord]) -> None:
    for record in records:
        audit_log(action=Action.READ, actor=request.user, obj=record)


@role_required(Role.COORDINATOR)
def lookup(request: HttpRequest) -> HttpResponse:
    """Search by what is known about a youth; shows ranked people with the reasons."""
    form = LookupForm(request.GET or None)
    candidates: list[selectors.Candidate] = []
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        query = IdentityInput(
            given_name=data["given_name"],
            family_name=data["family_name"],
            aliases=tuple(a for a in data["aliases"].split(";") if a.strip()),
            dob=data["dob"],
            phone=data["phone"],
            postcode=data["postcode"],
        )
        candidates = selectors.find_candidates(query, limit=20)
        audit_log(
            action=Action.READ,
            actor=request.user,
            object_type="identity.person",
            reason=f"identity lookup: {len(candidates)} candidates",
        )
    return render(request, "identity/lookup.html", {"form": form, "candidates": candidates})


@role_required(Role.COORDINATOR)
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person's records and the other people who may be the same youth."""
    person = selectors.person_get_for_user(user=request.user, person_id=person_id)
    records = selectors.person_records(person=person)
    _audit_reads(request, records)
    duplicates = selectors.person_duplicates(person=person) if person.is_active else []
    return render(
        request,
        "identity/person.html",
        {"person": person, "records": records, "duplicates": duplicates},
    )


@role_required(Role.COORDINATOR)
def compare(request: HttpRequest, person_id: int, other_id: int) -> HttpResponse:
    """Two people side by side with the reasons; POST merges ``other`` into ``person``."""
    person = selectors.person_get_for_user(user=request.user, person_id=person_id)
    other = selectors.person_get_for_user(user=request.user, person_id=other_id)
    if person.pk == other.pk:
        raise Http404
    comparison = selectors.compare_persons(left=person, right=other)
    _audit_reads(request, comparison.left + comparison.right)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            merge = services.person_merge(
                survivor=person,
                absorbed=other,
                reason=form.cleaned_data["reason"],
                by=cast(User, request.user),
            )
        except services.MergeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Merged. The merge can be undone from the history."))
            return redirect("identity:person", person_id=merge.survivor_id)
    return render(
        request,
        "identity/compare.html",
        {
            "person": person,
            "other": other,
            "left": comparison.left,
            "right": comparison.right,
            "best": comparison.best,
            "form": form,
        },
    )


@role_required(Role.COORDINATOR)
def merge_history(request: HttpRequest) -> HttpResponse:
    """Recent merges, with undo for those still in force."""
    return render(request, "identity/merges.html", {"merges": selectors.merges_recent()})


@role_required(Role.COORDINATOR)
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    """Confirm and undo a merge (POST)."""
    merge = selectors.merge_get_for_user(user=request.user, merge_id=merge_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.merge_undo(
                merge=merge, reason=form.cleaned_data["reason"], by=cast(User, request.user)
            )
        except services.MergeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The merge was undone."))
            return redirect("identity:merges")
    return render(request, "identity/merge_undo.html", {"merge": merge, "form": form})
