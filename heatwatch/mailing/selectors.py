"""Reads of the mailing list for coordinators: newsletters, counts and the send log.

Only coordinators reach these (the views' role check); the send log shows a recipient by
send-record number, never by address.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.mailing import services
from heatwatch.mailing.models import (
    Delivery,
    DeliveryStatus,
    Interest,
    Newsletter,
    NewsletterStatus,
    Subscriber,
    SubscriberStatus,
)


def newsletters_with_counts() -> QuerySet[Newsletter]:
    """Every newsletter, newest first, with how many were accepted and failed (one query)."""
    return Newsletter.objects.annotate(
        accepted=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.ACCEPTED)),
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
    ).order_by("-created_at")


def newsletter_get(*, pk: int) -> Newsletter:
    """One newsletter, or 404."""
    return get_object_or_404(Newsletter, pk=pk)


def newsletters_sending() -> list[int]:
    """The ids of the newsletters being sent."""
    return list(
        Newsletter.objects.filter(status=NewsletterStatus.SENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def subscriber_counts() -> dict[str, int]:
    """How many subscribers are in each status."""
    rows = Subscriber.objects.values("status").annotate(n=Count("pk")).order_by()
    return {str(row["status"]): int(row["n"]) for row in rows}


def audience_size(*, newsletter: Newsletter) -> int:
    """How many confirmed subscribers the newsletter would go to now."""
    return int(services.audience(newsletter).count())


def delivery_counts(*, newsletter: Newsletter) -> dict[str, int]:
    """The send records of a newsletter, counted by status (every status present, maybe 0)."""
    counts = {str(value): 0 for value in DeliveryStatus.values}
    rows = (
        Delivery.objects.filter(newsletter=newsletter)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[str(row["status"])] = int(row["n"])
    return counts


def send_log(*, newsletter: Newsletter) -> QuerySet[Delivery]:
    """The send records of a newsletter, latest change first (no subscriber data loaded)."""
    return (
        Delivery.objects.filter(newsletter=newsletter)
        .only(
            "pk",
            "status",
            "attempts",
            "error",
            "retry_at",
            "handed_at",
            "accepted_at",
            "updated_at",
        )
        .order_by("-updated_at", "-pk")
    )


def suppressions(*, by: User, limit: int = 200) -> list[Subscriber]:
    """The suppressed addresses, latest first, with the reason (audited: the page shows
    addresses, so a coordinator can recognise the one to lift)."""
    rows = list(
        Subscriber.objects.filter(status=SubscriberStatus.SUPPRESSED)
        .only("pk", "email", "suppressed_at", "suppressed_reason", "language", "status")
        .order_by("-suppressed_at", "-pk")[:limit]
    )
    audit_log(
        action=Action.READ,
        actor=by,
        object_type="mailing.subscriber",
        reason=f"suppression list ({len(rows)} addresses shown)",
    )
    return rows


def suppressed_get(*, pk: int) -> Subscriber:
    """One suppressed subscriber, or 404."""
    return get_object_or_404(Subscriber, pk=pk, status=SubscriberStatus.SUPPRESSED)


def archive_issues() -> QuerySet[Newsletter]:
    """The sent issues of the newsletter, newest first (the public archive)."""
    return Newsletter.objects.filter(
        status=NewsletterStatus.SENT, interest=Interest.NEWSLETTER
    ).order_by("-finished_at", "-pk")


def archive_issue(*, pk: int) -> Newsletter:
    """One sent issue, or 404 (drafts, notices and issues still being sent are not public)."""
    return get_object_or_404(archive_issues(), pk=pk)


def trainings_without_notice() -> list[Any]:
    """Upcoming published coalition trainings no notice was made for (notices.py)."""
    from heatwatch.mailing import notices

    return list(notices.trainings_without_notice()[:20])
