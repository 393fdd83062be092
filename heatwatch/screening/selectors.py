"""Reads for screening: questionnaires in use, a result (every view audited), lists, and the
case page's section."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.screening import engine
from heatwatch.screening.models import (
    ConcernLevel,
    QuestionnaireVersion,
    ResultStatus,
    ScreeningResult,
    VersionStatus,
)
from heatwatch.screening.permissions import can_take_to_intake, results_visible_to


def versions_in_use() -> QuerySet[QuestionnaireVersion]:
    """The published version of each questionnaire (what a new screening uses)."""
    return QuestionnaireVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related(
        "questionnaire"
    )


def definition_of(version: QuestionnaireVersion) -> engine.Definition:
    return engine.from_data(version.definition)


def answers_of(result: ScreeningResult) -> dict[str, str]:
    if not result.answers:
        return {}
    try:
        data = json.loads(result.answers)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def result_get_for_user(*, user: Any, pk: int, audit: bool = True) -> ScreeningResult:
    """The result, if ``user`` may see it (the view is audited); 404 otherwise."""
    result = (
        results_visible_to(user)
        .select_related("questionnaire_version", "organisation", "screener", "case")
        .filter(pk=pk)
        .first()
    )
    if result is None:
        audit_log(
            action=Action.ACCESS_DENIED,
            actor=user,
            object_type="screening.screeningresult",
            object_id=str(pk),
            outcome=Outcome.DENIED,
        )
        raise Http404
    if audit:
        audit_log(action=Action.READ, actor=user, obj=result)
    return result


def my_results(*, user: Any) -> QuerySet[ScreeningResult]:
    """The user's own screenings, drafts first (no youth detail is read for the list)."""
    return (
        ScreeningResult.objects.filter(screener=user)
        .select_related("questionnaire_version")
        .defer("youth_label", "answers")
        .order_by("status", "-updated_at")
    )


def referrals_waiting(*, user: Any) -> QuerySet[ScreeningResult]:
    """Clear-concern screenings referred to the coordinators and not yet on a case."""
    if not can_take_to_intake(user):
        return ScreeningResult.objects.none()
    return (
        ScreeningResult.objects.filter(
            status=ResultStatus.COMPLETED,
            level=ConcernLevel.CLEAR,
            referred_at__isnull=False,
            case__isnull=True,
        )
        .select_related("organisation", "questionnaire_version")
        .defer("youth_label", "answers")
        .order_by("referred_at")
    )


def case_results(*, case: Any) -> QuerySet[ScreeningResult]:
    return (
        ScreeningResult.objects.filter(case=case)
        .select_related("questionnaire_version", "organisation", "screener")
        .order_by("-completed_at")
    )


def case_section_context(*, case: Any, user: Any) -> dict[str, Any]:
    """The case page's "Screenings" section: the results attached to the case, each view
    audited (the case page already checked that ``user`` may open the case)."""
    results = list(case_results(case=case))
    for result in results:
        audit_log(action=Action.READ, actor=user, obj=result, reason=f"on case {case.reference}")
    return {"results": results, "language_results": results}


def case_list_section_context(*, user: Any) -> dict[str, Any]:
    """The case list's "screenings waiting for intake" section (coordinators)."""
    return {"waiting": list(referrals_waiting(user=user)[:20])}
