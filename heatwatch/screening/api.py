"""The screening API, mounted at ``/api/screening`` by heatwatch/api/api.py; see docs/api.md.

Read-only for now: the questionnaires in use (their definitions, to build a form elsewhere)
and one result (the same scoping and audit as the staff pages: the screener's own, or any for
coordinators; 404 otherwise; every read audited). Filling and referring stay on the pages.

No ``from __future__ import annotations`` here: django-ninja reads the endpoints' annotations
at import time.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema

from heatwatch.api.auth import StaffSessionAuth
from heatwatch.api.errors import errors
from heatwatch.screening import selectors
from heatwatch.screening.permissions import may_screen

router = Router(tags=["screening"], auth=StaffSessionAuth())


class QuestionnaireOut(Schema):
    slug: str
    version: int
    title: str
    licensed: bool
    published_at: datetime | None
    definition: dict[str, Any]


class ResultOut(Schema):
    id: int
    reference: str
    questionnaire: str
    questionnaire_version: int
    status: str
    level: str
    score: Decimal | None
    unknown_count: int
    next_step: dict[str, str]
    answers: dict[str, str]
    completed_at: datetime | None
    referred_at: datetime | None
    case_reference: str | None


def _screener(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not may_screen(user):
        raise PermissionDenied
    return user


@router.get(
    "/questionnaires",
    response={200: list[QuestionnaireOut], **errors(401, 403)},
    summary="Questionnaires in use (their current versions)",
    operation_id="screening_questionnaires",
)
def questionnaires(request: HttpRequest) -> list[dict[str, Any]]:
    _screener(request)
    return [
        {
            "slug": v.questionnaire.slug,
            "version": v.number,
            "title": v.title,
            "licensed": v.licensed,
            "published_at": v.published_at,
            "definition": v.definition,
        }
        for v in selectors.versions_in_use()
    ]


@router.get(
    "/results/{int:result_id}",
    response={200: ResultOut, **errors(401, 403, 404)},
    summary="One screening result (audited)",
    operation_id="screening_result",
)
def result(request: HttpRequest, result_id: int) -> dict[str, Any]:
    """The screener's own result, or any for coordinators; 404 otherwise (audited)."""
    user = _screener(request)
    found = selectors.result_get_for_user(user=user, pk=result_id)
    version = found.questionnaire_version
    return {
        "id": found.pk,
        "reference": found.reference,
        "questionnaire": version.questionnaire.slug,
        "questionnaire_version": version.number,
        "status": found.status,
        "level": found.level,
        "score": found.score,
        "unknown_count": found.unknown_count,
        "next_step": found.next_step or {},
        "answers": selectors.answers_of(found),
        "completed_at": found.completed_at,
        "referred_at": found.referred_at,
        "case_reference": found.case.reference if found.case else None,
    }
