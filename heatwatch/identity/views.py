"""Staff pages for coordinators: look a youth up, review candidates side by side, merge, undo.

Every page that shows a record writes a READ entry to the audit log; merges and undos are
audited by their services. Everyone but a coordinator gets 403 (and 404 for an object).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Role, User
from heatwatch.accounts.permissions import role_required
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.core.actions import invalid_status
from heatwatch.core.pagination import page_of, query_without_page
from heatwatch.identity import duplicates, extensions, selectors, services
from heatwatch.identity.forms import AnswerForm, LookupForm, ReasonForm
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import DuplicateCandidate, DuplicateStatus, IdentityRecord


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
            age=data["age"],
            sex=data["sex"],
            city=data["city"],
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


# --- the possible-duplicates queue -----------------------------------------------------------

_ANSWERS = (DuplicateStatus.SAME, DuplicateStatus.NOT_SAME, DuplicateStatus.UNSURE)


def _answer_forms(
    item: DuplicateCandidate, keep: tuple[int, int], data: QueryDict | None, sent: str
) -> dict[str, AnswerForm]:
    """The three answer forms; only the one that was sent (``sent``) is bound to ``data``."""
    specs = {
        DuplicateStatus.SAME: dict(
            note_label=_("Reason"),
            note_required=True,
            note_help=_("Say what shows these records are the same youth."),
            people=keep,
        ),
        DuplicateStatus.NOT_SAME: dict(note_label=_("Note (optional)"), note_required=False),
        DuplicateStatus.UNSURE: dict(
            note_label=_("Note"),
            note_required=True,
            note_help=_("What is missing to decide? The pair stays in the queue."),
        ),
    }
    return {
        answer: AnswerForm(
            data if answer == sent else None,
            prefix=answer,
            initial={"version": item.version},
            **spec,  # type: ignore[arg-type]
        )
        for answer, spec in specs.items()
    }


def _keep_order(item: DuplicateCandidate) -> tuple[int, int]:
    """Whom to keep by default: the person with an open case, else the older record."""
    with_cases = extensions.people_with_open_cases({item.low_id, item.high_id})
    if item.high_id in with_cases and item.low_id not in with_cases:
        return item.high_id, item.low_id
    return item.low_id, item.high_id


@role_required(Role.COORDINATOR)
def duplicate_queue(request: HttpRequest) -> HttpResponse:
    """The pairs waiting for an answer, most urgent first, and the counts per week."""
    queue = duplicates.duplicates_queue(user=request.user).select_related(None)
    page = page_of(request, queue)
    return render(
        request,
        "identity/queue.html",
        {
            "page": page,
            "items": page,
            "query": query_without_page(request),
            "summary": duplicates.duplicates_summary(),
            "weeks": duplicates.duplicates_weekly_counts(),
            "first": duplicates.duplicate_next(user=request.user),
        },
    )


@role_required(Role.COORDINATOR)
def duplicate_review(request: HttpRequest, candidate_id: int) -> HttpResponse:
    """One pair side by side with its reasons and the three answers (POST answers)."""
    item = duplicates.duplicate_get_for_user(user=request.user, candidate_id=candidate_id)
    sent = request.POST.get("answer", "") if request.method == "POST" else ""
    if request.method == "POST" and sent not in _ANSWERS:
        sent = ""
    keep = _keep_order(item)
    forms = _answer_forms(item, keep, request.POST if sent else None, sent)
    status = 200
    if request.method == "POST":
        status = 400
        form = forms.get(sent)
        if form is None:
            messages.error(request, _("Choose same youth, not the same or not sure."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                duplicates.duplicate_answer(
                    candidate=item,
                    answer=sent,
                    note=data["note"],
                    by=cast(User, request.user),
                    version=data["version"],
                    survivor_id=data.get("survivor"),
                )
            except duplicates.QueueError as exc:
                form.add_error(None, str(exc))
                status = invalid_status(exc)
            else:
                messages.success(request, _ANSWER_MESSAGES[sent]())
                following = duplicates.duplicate_next(user=request.user, after=item)
                if following is None:
                    return redirect("identity:queue")
                return redirect("identity:duplicate", candidate_id=following)
    left = selectors.person_get_for_user(user=request.user, person_id=keep[0])
    right = selectors.person_get_for_user(user=request.user, person_id=keep[1])
    comparison = selectors.compare_persons(left=left, right=right)
    _audit_reads(request, comparison.left + comparison.right)
    return render(
        request,
        "identity/duplicate.html",
        {
            "item": item,
            "left": left,
            "right": right,
            "left_records": comparison.left,
            "right_records": comparison.right,
            "best": comparison.best,
            "stored_reasons": duplicates.reasons_of(item),
            "forms": forms,
            "answers": duplicates.duplicate_answers(candidate=item),
            "next_id": duplicates.duplicate_next(user=request.user, after=item),
            "open_cases": extensions.people_with_open_cases({item.low_id, item.high_id}),
        },
        status=status,
    )


_ANSWER_MESSAGES: dict[str, Callable[[], str]] = {
    DuplicateStatus.SAME: lambda: _("Merged. The merge can be undone from the history."),
    DuplicateStatus.NOT_SAME: lambda: _(
        "Marked as not the same youth. The pair will not be proposed again unless a record changes."
    ),
    DuplicateStatus.UNSURE: lambda: _("Noted. The pair stays in the queue."),
}
