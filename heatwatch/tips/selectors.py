"""Reads for tips. Every fetch is scoped to what the user may see (tips/permissions.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.tips.models import Status, Tip, TipIndex, TipReferral, Urgency
from heatwatch.tips.permissions import referrals_workable_by, tips_visible_to

_URGENCY_RANK = Case(
    When(urgency=Urgency.IMMEDIATE, then=Value(0)),
    When(urgency=Urgency.HIGH, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def triage_queue(
    *,
    user: Any,
    status: str = "",
    urgency: str = "",
    likely_spam: bool = False,
    assigned_to_me: bool = False,
    include_closed: bool = False,
) -> QuerySet[Tip]:
    """Tips for the queue, most urgent and oldest first (no sensitive field is decrypted)."""
    qs = tips_visible_to(user).filter(likely_spam=likely_spam)
    if status:
        qs = qs.filter(status=status)
    elif not include_closed:
        qs = qs.exclude(status=Status.CLOSED)
    if urgency:
        qs = qs.filter(urgency=urgency)
    if assigned_to_me:
        qs = qs.filter(assignee=user)
    return (
        qs.select_related("assignee")
        .annotate(urgency_rank=_URGENCY_RANK)
        .order_by("urgency_rank", "created_at")
        .defer(
            "narrative",
            "subject_description",
            "subject_names",
            "location",
            "seen_when",
            "online_handles",
            "contact_name",
            "contact_phone",
            "contact_email",
            "caller_notes",
        )
    )


def tip_get_for_user(*, user: Any, pk: int, audit: bool = True) -> Tip:
    """The tip, if ``user`` may see it (audited read); 404 otherwise, even if it exists."""
    tip = tips_visible_to(user).select_related("assignee", "logged_by").filter(pk=pk).first()
    if tip is None:
        # Denied and missing look the same to the user; the log records the attempt.
        audit_log(
            action=Action.ACCESS_DENIED,
            actor=user,
            object_type="tips.tip",
            object_id=str(pk),
            outcome=Outcome.DENIED,
        )
        raise Http404
    if audit:
        audit_log(action=Action.READ, actor=user, obj=tip)
    return tip


def referral_get_for_user(*, user: Any, tip: Tip, pk: int) -> TipReferral:
    """A referral of ``tip`` that ``user``'s agency may work; 404 otherwise."""
    referral = referrals_workable_by(user).filter(tip=tip, pk=pk).first()
    if referral is None:
        raise Http404
    return referral


def related_tips(*, user: Any, tip: Tip) -> QuerySet[Tip]:
    """Other visible tips sharing a handle, name or location (by blind index)."""
    digests = TipIndex.objects.filter(tip=tip).values("digest")
    ids = TipIndex.objects.filter(digest__in=digests).exclude(tip=tip).values("tip_id")
    return tips_visible_to(user).filter(pk__in=ids).order_by("-created_at")[:20]


def linked_tips(*, user: Any, tip: Tip) -> QuerySet[Tip]:
    """Tips staff have linked to this one."""
    ids = list(tip.links_out.values_list("to_tip_id", flat=True)) + list(
        tip.links_in.values_list("from_tip_id", flat=True)
    )
    return tips_visible_to(user).filter(pk__in=ids).order_by("-created_at")


def referral_inbox(*, user: Any) -> QuerySet[TipReferral]:
    """Referrals to the officer's agency, open ones first."""
    return (
        referrals_workable_by(user)
        .select_related("tip", "organisation")
        .annotate(
            open_rank=Case(
                When(outcome="pending", then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_rank", "-created_at")
    )
