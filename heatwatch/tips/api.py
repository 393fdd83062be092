"""The tip line's API: partner hotlines submit tips, staff read the queue and a tip.

Endpoints are thin: they validate, check permission and call one service or selector
(heatwatch.tips.services / selectors). Mounted at ``/api/tips`` by heatwatch/api/api.py;
see docs/api.md.

No ``from __future__ import annotations`` here: django-ninja reads the endpoints' annotations at
import time, through decorators (``paginate``) whose module cannot resolve string annotations.
"""

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Query, Router, Schema
from ninja import Status as Response
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ConfigDict

from heatwatch.api.auth import ApiTokenAuth, StaffSessionAuth
from heatwatch.api.errors import errors
from heatwatch.api.models import ApiToken, Scope
from heatwatch.core.pagination import BoundedPageNumberPagination
from heatwatch.tips import selectors, services
from heatwatch.tips.models import AgeRange, Channel, RedFlag, Status, Tip, Urgency
from heatwatch.tips.permissions import can_see_tips

# A partner's tip is text only (files come through the web form); 1 MB is far above the sum
# of the text limits and keeps a request from tying up a worker.
MAX_BODY_BYTES = 1024 * 1024
LIMITS = services.TEXT_LIMITS

router = Router(tags=["tips"])


# --- schemas ----------------------------------------------------------------------------------


class TipIn(Schema):
    """A tip from a partner hotline: the fields of heatwatch.tips.services.TipInput."""

    model_config = ConfigDict(extra="forbid")

    narrative: str = Field("", max_length=LIMITS["narrative"], description="What was seen.")
    red_flags: list[RedFlag] = Field(default_factory=list, max_length=len(RedFlag))
    subject_age_range: AgeRange = AgeRange.UNKNOWN
    subject_description: str = Field("", max_length=LIMITS["subject_description"])
    subject_names: str = Field("", max_length=LIMITS["subject_names"])
    location: str = Field("", max_length=LIMITS["location"])
    seen_when: str = Field("", max_length=LIMITS["seen_when"])
    online_handles: str = Field("", max_length=LIMITS["online_handles"])
    immediate_danger: bool = False
    is_anonymous: bool = Field(
        True, description="Contact details are kept only when false and a phone or e-mail given."
    )
    contact_name: str = Field("", max_length=LIMITS["contact_name"])
    contact_phone: str = Field("", max_length=LIMITS["contact_phone"])
    contact_email: str = Field("", max_length=LIMITS["contact_email"])
    caller_notes: str = Field(
        "", max_length=LIMITS["caller_notes"], description="The call-taker's own notes."
    )
    language: Literal["en", "es"] = "en"
    issue_receipt: bool = Field(
        False,
        description=(
            "Issue a receipt code the caller can use at /report/follow-up/ to read staff "
            "questions. Returned once in the response, never stored in clear."
        ),
    )

    def to_input(self) -> services.TipInput:
        data = self.model_dump(mode="json", exclude={"issue_receipt"})
        return services.TipInput(**data)


class TipCreatedOut(Schema):
    reference: str = Field(..., examples=["T-2026-004217"])
    urgency: Urgency
    receipt_code: str | None = Field(
        None,
        description="Only when issue_receipt was true: give it to the caller; it is not "
        "shown again.",
        examples=["1234-5678-9012-3456-7890"],
    )
    likely_spam: bool


class TipListOut(Schema):
    """Queue fields only: nothing here is decrypted."""

    id: int
    reference: str
    channel: Channel
    language: str
    status: Status
    urgency: Urgency
    red_flags: list[str]
    immediate_danger: bool
    subject_age_range: AgeRange
    is_anonymous: bool
    likely_spam: bool
    assignee: str | None = None
    case_reference: str
    created_at: datetime
    updated_at: datetime
    triaged_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None
    reply_due_at: datetime | None

    @staticmethod
    def resolve_assignee(obj: Tip) -> str | None:
        return obj.assignee.username if obj.assignee_id and obj.assignee else None


class TipDetailOut(TipListOut):
    """A tip in full (decrypted); every read is audited."""

    urgency_computed: Urgency
    close_reason: str
    narrative: str
    subject_description: str
    subject_names: str
    location: str
    seen_when: str
    online_handles: str
    contact_name: str
    contact_phone: str
    contact_email: str
    caller_notes: str
    has_receipt: bool

    @staticmethod
    def resolve_has_receipt(obj: Tip) -> bool:
        return bool(obj.receipt_lookup)


class TipFilter(Schema):
    status: Status | None = Field(None, description="Default: every status but closed.")
    urgency: Urgency | None = None
    likely_spam: bool = Field(False, description="The likely-spam queue (coordinators only).")


# --- partner hotlines -------------------------------------------------------------------------


def _limit_body(max_bytes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Refuse a body over ``max_bytes`` (by its declared length) before anything reads it."""

    def decorator(run: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(run)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"detail": "Invalid Content-Length."}, status=400)
            if length > max_bytes:
                return JsonResponse(
                    {"detail": f"Request body is larger than {max_bytes} bytes."}, status=413
                )
            return run(request, *args, **kwargs)

        return wrapped

    return decorator


@router.post(
    "",
    auth=ApiTokenAuth(scope=Scope.TIPS_SUBMIT),
    response={201: TipCreatedOut, **errors(400, 401, 403, 411, 413, 422)},
    exclude_none=True,
    summary="Submit a tip (partner hotline)",
    operation_id="tips_submit",
)
@decorate_view(_limit_body(MAX_BODY_BYTES))
def tip_submit(request: HttpRequest, payload: TipIn) -> Response[dict[str, Any]]:
    """Record a tip taken by a partner hotline. Needs an API token with the `tips:submit`
    scope. The tip enters the triage queue like a web tip (channel `api`). Partner hotlines
    are trusted and their tokens revocable, so their tips are not rate-limited into the
    likely-spam queue; the audit log names the partner organisation."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    try:
        result = services.tip_submit(
            data=payload.to_input(),
            channel=Channel.API,
            source_key=None,
            issue_receipt=payload.issue_receipt,
            organisation=token.organisation,
        )
    except services.TipError as exc:
        raise HttpError(422, str(exc)) from None
    return Response(
        201,
        {
            "reference": result.tip.reference,
            "urgency": result.tip.urgency,
            "receipt_code": (
                services.format_receipt(result.receipt_code) if result.receipt_code else None
            ),
            "likely_spam": result.tip.likely_spam,
        },
    )


# --- staff ------------------------------------------------------------------------------------


@router.get(
    "",
    auth=StaffSessionAuth(),
    response={200: list[TipListOut], **errors(401, 403, 422)},
    summary="The tip queue (staff)",
    operation_id="tips_list",
)
@paginate(BoundedPageNumberPagination, page_size=50, max_page_size=100)
def tip_list(request: HttpRequest, filters: Query[TipFilter]) -> QuerySet[Tip]:
    """Most urgent and oldest first. Coordinators see every tip; officers see the tips referred
    to their agency. Other roles get 403."""
    user = request.auth  # type: ignore[attr-defined]
    if not can_see_tips(user):
        raise PermissionDenied
    return selectors.triage_queue(
        user=user,
        status=filters.status or "",
        urgency=filters.urgency or "",
        likely_spam=filters.likely_spam,  # officers never see the spam queue
        include_closed=bool(filters.status),
    )


@router.get(
    "/{int:tip_id}",
    auth=StaffSessionAuth(),
    response={200: TipDetailOut, **errors(401, 403, 404)},
    summary="One tip in full (staff, audited)",
    operation_id="tips_get",
)
def tip_get(request: HttpRequest, tip_id: int) -> Tip:
    """The tip with its decrypted fields; the read is written to the audit log. 404 for a tip
    the caller may not see, whether or not it exists."""
    user = request.auth  # type: ignore[attr-defined]
    if not can_see_tips(user):
        raise PermissionDenied
    return selectors.tip_get_for_user(user=user, pk=tip_id)
