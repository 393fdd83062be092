"""Staff dashboards: where work is stuck, as counts only (docs/insights.md).

Every figure is an aggregate computed in the database (GROUP BY over indexed columns); no row
of a person, tip or case leaves this module, and no encrypted field is read, so the analyst
role can see it all. A partner organisation's view is the same figures restricted to the
referrals sent to its own services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from heatwatch.cases.models import (
    Alert,
    AlertKind,
    Case,
    CaseStatus,
    MissingEpisode,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from heatwatch.tips.models import AgeRange, Status, Tip, Urgency

WAITING = (ReferralStatus.SENT, ReferralStatus.WAITLISTED)
ACCEPTED_OR_LATER = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.FIRST_CONTACT,
    ReferralStatus.COMPLETED,
    ReferralStatus.DROPPED,
)
ANSWERED = (*ACCEPTED_OR_LATER, ReferralStatus.DECLINED)


@dataclass
class PartnerRow:
    organisation_id: int
    name: str
    sent: int
    waiting: int
    accepted: int
    declined: int
    acceptance_rate: float | None
    days_to_first_contact: float | None


@dataclass
class Dashboard:
    start: datetime
    end: datetime
    tips_open: list[tuple[str, str, int]]  # urgency label, age label, count
    tips_untriaged: int
    hours_to_triage_median: float | None
    cases_open: int
    cases_opened: int
    cases_without_contact: int
    alerts_by_kind: list[tuple[str, int]]
    referrals_by_state: list[tuple[str, int]]
    partners: list[PartnerRow]
    missing_open: int
    missing_started: int
    extra: dict[str, Any] = field(default_factory=dict)


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def dashboard(
    *,
    start: datetime,
    end: datetime,
    organisation_id: int | None = None,
    now: datetime | None = None,
    no_contact_days: int = 14,
) -> Dashboard:
    """The coordinators' dashboard for [start, end); with ``organisation_id``, referrals (and
    the partner rows) only for services of that organisation."""
    now = now or timezone.now()
    urgency = _labels(Urgency.choices)
    ages = _labels(AgeRange.choices)
    open_tips = (
        Tip.objects.exclude(status=Status.CLOSED)
        .filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values_list("urgency", "subject_age_range")
        .annotate(n=Count("pk"))
    )
    tips_open = sorted(
        ((urgency.get(u, u), ages.get(a, a), n) for u, a, n in open_tips),
        key=lambda r: (list(urgency.values()).index(r[0]) if r[0] in urgency.values() else 9, r[1]),
    )
    untriaged = Tip.objects.filter(
        status=Status.NEW, created_at__gte=start, created_at__lt=end
    ).count()
    # Median hours to triage, from durations computed in the database (one number per tip,
    # no tip's identity): at most the latest 5000 triaged in the period.
    durations = list(
        Tip.objects.filter(triaged_at__isnull=False, created_at__gte=start, created_at__lt=end)
        .annotate(
            d=ExpressionWrapper(F("triaged_at") - F("created_at"), output_field=DurationField())
        )
        .order_by("-created_at")
        .values_list("d", flat=True)[:5000]
    )
    hours = [d.total_seconds() / 3600 for d in durations if d is not None]
    cases_open = Case.objects.filter(status=CaseStatus.OPEN).count()
    cases_opened = Case.objects.filter(opened_at__gte=start, opened_at__lt=end).count()
    quiet_since = now - timedelta(days=no_contact_days)
    cases_without_contact = (
        Case.objects.filter(status=CaseStatus.OPEN, opened_at__lt=quiet_since)
        .exclude(contacts__at__gte=quiet_since)
        .count()
    )
    alert_labels = _labels(AlertKind.choices)
    alerts = Alert.objects.filter(resolved_at__isnull=True)
    referrals = Referral.objects.filter(sent_at__gte=start, sent_at__lt=end)
    if organisation_id is not None:
        alerts = alerts.filter(case__referrals__service__organisation_id=organisation_id).distinct()
        referrals = referrals.filter(service__organisation_id=organisation_id)
    alerts_by_kind = [
        (alert_labels.get(k, k), n)
        for k, n in alerts.order_by().values_list("kind").annotate(n=Count("pk", distinct=True))
    ]
    state_labels = _labels(ReferralStatus.choices)
    referrals_by_state = [
        (state_labels.get(s, s), n)
        for s, n in referrals.order_by().values_list("status").annotate(n=Count("pk"))
    ]
    per_partner = (
        referrals.order_by()
        .values_list("service__organisation_id", "service__organisation__name")
        .annotate(
            sent=Count("pk"),
            waiting=Count("pk", filter=Q(status__in=WAITING)),
            accepted=Count("pk", filter=Q(status__in=ACCEPTED_OR_LATER)),
            declined=Count("pk", filter=Q(status=ReferralStatus.DECLINED)),
        )
    )
    contact_days: dict[int, list[float]] = {}
    for org_id, d in (
        ReferralEvent.objects.filter(to_status=ReferralStatus.FIRST_CONTACT, referral__in=referrals)
        .annotate(
            d=ExpressionWrapper(F("at") - F("referral__sent_at"), output_field=DurationField())
        )
        .order_by("-at")
        .values_list("referral__service__organisation_id", "d")[:20000]
    ):
        if d is not None:
            contact_days.setdefault(org_id, []).append(d.total_seconds() / 86400)
    partners = []
    for org_id, name, sent, waiting, accepted, declined in per_partner:
        answered = accepted + declined
        days = contact_days.get(org_id)
        partners.append(
            PartnerRow(
                organisation_id=org_id,
                name=name,
                sent=sent,
                waiting=waiting,
                accepted=accepted,
                declined=declined,
                acceptance_rate=round(100 * accepted / answered, 1) if answered else None,
                days_to_first_contact=round(median(days), 1) if days else None,
            )
        )
    partners.sort(key=lambda p: p.name)
    missing_open = MissingEpisode.objects.filter(returned_at__isnull=True).count()
    missing_started = MissingEpisode.objects.filter(
        started_at__gte=start, started_at__lt=end
    ).count()
    return Dashboard(
        start=start,
        end=end,
        tips_open=tips_open,
        tips_untriaged=untriaged,
        hours_to_triage_median=round(median(hours), 1) if hours else None,
        cases_open=cases_open,
        cases_opened=cases_opened,
        cases_without_contact=cases_without_contact,
        alerts_by_kind=sorted(alerts_by_kind),
        referrals_by_state=sorted(referrals_by_state),
        partners=partners,
        missing_open=missing_open,
        missing_started=missing_started,
    )
