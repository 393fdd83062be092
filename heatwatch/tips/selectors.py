"""Reads for tips. Every fetch is scoped to what the user may see (tips/permissions.py)."""

from __future__ import annotations

import base64
from typing import Any, NamedTuple

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.tips.models import (
    OPEN_OUTCOMES,
    ReferralOutcome,
    Status,
    Tip,
    TipAttachment,
    TipIndex,
    TipReferral,
    Urgency,
)
from heatwatch.tips.permissions import can_triage, referrals_workable_by, tips_visible_to

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
    """Referrals to the officer's agency, open ones (not yet answered) first."""
    return (
        referrals_workable_by(user)
        .select_related("tip", "organisation")
        .annotate(
            open_rank=Case(
                When(outcome__in=OPEN_OUTCOMES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_rank", "-created_at")
    )


# The only kinds a tip's file can have (the upload checks refuse the rest); "bin" if one slips by.
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


class AttachmentDownload(NamedTuple):
    """A tip's file, decrypted, as it is handed to the browser."""

    filename: str
    content_type: str
    content: bytes


def attachment_for_download(*, user: Any, tip_pk: int, attachment_pk: int) -> AttachmentDownload:
    """A file of a tip ``user`` may see, decrypted, its export audited; 404 otherwise.

    The file name is made of the tip's reference and the file's id: the original name is never
    kept (it can name the tipster's phone or the youth).
    """
    tip = tip_get_for_user(user=user, pk=tip_pk, audit=False)
    item = TipAttachment.objects.filter(tip=tip, pk=attachment_pk).first()
    if item is None:
        raise Http404
    audit_log(action=Action.READ, actor=user, obj=item, reason=f"file of {tip.reference}")
    extension = _EXTENSIONS.get(item.content_type, "bin")
    return AttachmentDownload(
        filename=f"{tip.reference}-{item.pk}.{extension}",
        content_type=item.content_type,
        content=base64.b64decode(item.blob),
    )


def recoveries_waiting(*, user: Any) -> QuerySet[TipReferral]:
    """Referrals whose youth an agency recovered and whose tip has no case yet: the
    coordinators open the case intake from them (oldest first)."""
    if not can_triage(user):
        return TipReferral.objects.none()
    return (
        TipReferral.objects.filter(outcome=ReferralOutcome.YOUTH_RECOVERED, tip__case_reference="")
        .exclude(tip__status=Status.CLOSED)
        .select_related("tip", "organisation")
        .only(
            "id",
            "outcome_at",
            "tip",
            "tip__id",
            "tip__reference",
            "tip__urgency",
            "organisation",
            "organisation__id",
            "organisation__name",
        )
        .order_by("outcome_at", "pk")
    )


def recoveries_waiting_context(*, user: Any) -> dict[str, Any]:
    """The case list's "recovered youths waiting for intake" section (coordinators)."""
    return {"recoveries": list(recoveries_waiting(user=user)[:20])}


def recovery_get(*, tip: Tip, pk: int) -> TipReferral:
    """A referral of ``tip`` whose youth was recovered (the tip is already one the user may
    see); 404 otherwise."""
    referral = (
        TipReferral.objects.filter(tip=tip, pk=pk, outcome=ReferralOutcome.YOUTH_RECOVERED)
        .select_related("organisation")
        .first()
    )
    if referral is None:
        raise Http404
    return referral
