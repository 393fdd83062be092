"""Alerts: nobody slips through the cracks.

``alerts_refresh`` raises one alert per case and condition that holds (no contact, unanswered
referral, overdue stabilisation, no lead, declined after acceptance, aftercare check-in due,
plus the conditions of the case records and of the apps that register some in
``cases.extensions``) and resolves those that no longer hold; people acknowledge or resolve
alerts by hand; ``alerts_notify`` e-mails new alerts to the team and escalates unacknowledged
ones to the coordinators (case references and links only).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Role, User
from heatwatch.accounts.selectors import users_with_role
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.cases.extensions import AlertCondition, alert_condition_sources
from heatwatch.cases.models import (
    Alert,
    AlertKind,
    CareTeamMember,
    Case,
    CaseEvent,
    CaseStatus,
    Contact,
    Referral,
    ReferralEvent,
    ReferralStatus,
    StabilisationItem,
    StabilisationKind,
)
from heatwatch.cases.services._base import (
    CaseError,
    _check_length,
    _event,
    _now,
    escalate_hours,
    no_contact_days,
    referral_answer_business_days,
    resolved_quiet_days,
)
from heatwatch.cases.services.missing import missing_conditions
from heatwatch.cases.services.records import plan_conditions
from heatwatch.lib.links import absolute_url

# --- alerts -----------------------------------------------------------------------------------


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` moved forward by ``days`` working days (Monday to Friday)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


@dataclass(frozen=True)
class _Condition:
    case_id: int
    kind: str
    key: str
    message: str
    due_at: datetime | None


def _conditions(now: datetime) -> list[AlertCondition]:
    found: list[AlertCondition] = []
    open_cases = Case.objects.filter(status=CaseStatus.OPEN)

    # No contact in no_contact_days() (counted from the opening when there is none yet).
    quiet_since = now - timedelta(days=no_contact_days())
    recent = Contact.objects.filter(case=OuterRef("pk"), at__gte=quiet_since)
    quiet = open_cases.filter(~Exists(recent), opened_at__lt=quiet_since)
    for case_id in quiet.values_list("pk", flat=True):
        found.append(
            AlertCondition(
                case_id,
                AlertKind.NO_CONTACT,
                "no_contact",
                f"No contact with the youth in {no_contact_days()} days.",
                None,
            )
        )

    # Referrals not answered in referral_answer_business_days() working days.
    for ref_id, case_id, sent_at, service_name in Referral.objects.filter(
        case__status=CaseStatus.OPEN,
        status=ReferralStatus.SENT,
        sent_at__lt=now - timedelta(days=referral_answer_business_days()),
    ).values_list("pk", "case_id", "sent_at", "service__name"):
        due = add_business_days(sent_at, referral_answer_business_days())
        if due < now:
            found.append(
                AlertCondition(
                    case_id,
                    AlertKind.REFERRAL_UNANSWERED,
                    f"referral:{ref_id}:unanswered",
                    f"Referral to {service_name} not answered in "
                    f"{referral_answer_business_days()} business days.",
                    due,
                )
            )

    # Stabilisation items past due.
    for item_id, case_id, kind, due_at in StabilisationItem.objects.filter(
        case__status=CaseStatus.OPEN, done_at__isnull=True, due_at__lt=now
    ).values_list("pk", "case_id", "kind", "due_at"):
        found.append(
            AlertCondition(
                case_id,
                AlertKind.STABILISATION_OVERDUE,
                f"item:{item_id}",
                f"Stabilisation overdue: {StabilisationKind(kind).label}.",
                due_at,
            )
        )

    # Care teams without a lead.
    has_lead = CareTeamMember.objects.filter(
        case=OuterRef("pk"), is_lead=True, removed_at__isnull=True
    )
    for case_id in open_cases.filter(~Exists(has_lead)).values_list("pk", flat=True):
        found.append(
            AlertCondition(
                case_id, AlertKind.NO_LEAD, "no_lead", "The care team has no lead.", None
            )
        )

    # Declined after the agency had accepted.
    accepted = ReferralEvent.objects.filter(to_status=ReferralStatus.ACCEPTED).values("referral_id")
    for ref_id, case_id, service_name in Referral.objects.filter(
        case__status=CaseStatus.OPEN, status=ReferralStatus.DECLINED, pk__in=accepted
    ).values_list("pk", "case_id", "service__name"):
        found.append(
            AlertCondition(
                case_id,
                AlertKind.DECLINED_AFTER_ACCEPTANCE,
                f"referral:{ref_id}:declined",
                f"{service_name} declined a referral it had accepted.",
                None,
            )
        )
    found.extend(plan_conditions(now))
    found.extend(missing_conditions(now))
    for source in alert_condition_sources():  # registered by the apps built on cases
        found.extend(source(now))
    return found


ALERT_BATCH = 1000  # alerts inserted or resolved per statement


@transaction.atomic
def alerts_refresh(*, now: datetime | None = None) -> list[Alert]:
    """Raise an alert for each condition that holds and resolve those that no longer do.
    Idempotent: one open alert per case and condition. Returns the alerts raised now."""
    now = now or _now()
    conditions = {(c.case_id, c.key): c for c in [*_conditions(now), *_aftercare_conditions(now)]}
    open_alerts = {(a.case_id, a.key): a for a in Alert.objects.filter(resolved_at__isnull=True)}
    # Resolved by hand recently: not raised again while the condition still holds, until the
    # quiet period is over (docs/cases.md, "Handling an alert").
    snoozed = _recently_resolved_by_hand(now)
    conditions = {k: c for k, c in conditions.items() if k not in snoozed}
    stale = [a.pk for k, a in open_alerts.items() if k not in conditions]
    for start in range(0, len(stale), ALERT_BATCH):
        Alert.objects.filter(pk__in=stale[start : start + ALERT_BATCH]).update(resolved_at=now)
    new = [
        Alert(
            case_id=condition.case_id,
            kind=condition.kind,
            key=condition.key,
            message=condition.message,
            due_at=condition.due_at,
            raised_at=now,
        )
        for key, condition in conditions.items()
        if key not in open_alerts
    ]
    raised: list[Alert] = []
    for start in range(0, len(new), ALERT_BATCH):
        batch = new[start : start + ALERT_BATCH]
        try:
            with transaction.atomic():
                raised += Alert.objects.bulk_create(batch)
        except IntegrityError:
            # A concurrent run raised some of them: one by one, skipping those.
            for alert in batch:
                try:
                    with transaction.atomic():
                        alert.pk = None
                        alert.save(force_insert=True)
                        raised.append(alert)
                except IntegrityError:
                    continue
    return raised


# --- aftercare check-in -----------------------------------------------------------------------
# A closed case with an aftercare check-in date that has come raises AFTERCARE_CHECK_IN_DUE
# until a contact on or after that date is logged (contact_add takes contacts on such a closed
# case) or someone resolves the alert by hand (the check-in was done another way). The key
# carries the date, so a new date means a new check-in.


def aftercare_contact_allowed(case: Case) -> bool:
    """May a contact be logged on this closed case (its aftercare check-in date has come)?"""
    return (
        case.status == CaseStatus.CLOSED
        and case.aftercare_check_in_on is not None
        and case.aftercare_check_in_on <= timezone.localdate()
    )


def _aftercare_key(day: date) -> str:
    return f"aftercare:{day.isoformat()}"


def _aftercare_conditions(now: datetime) -> list[AlertCondition]:
    today = timezone.localdate(now)
    checked_in = Contact.objects.filter(
        case=OuterRef("pk"), at__date__gte=OuterRef("aftercare_check_in_on")
    )
    due = Case.objects.filter(
        ~Exists(checked_in), status=CaseStatus.CLOSED, aftercare_check_in_on__lte=today
    )
    found: list[AlertCondition] = []
    for case_id, day in due.values_list("pk", "aftercare_check_in_on"):
        if day is None:  # excluded by the filter; for the type checker
            continue
        found.append(
            AlertCondition(
                case_id,
                AlertKind.AFTERCARE_CHECK_IN_DUE,
                _aftercare_key(day),
                f"Aftercare check-in due since {day.isoformat()}.",
                timezone.make_aware(datetime.combine(day, time())),
            )
        )
    return found


# --- handling an alert by hand ----------------------------------------------------------------
# Acknowledging says "seen, we are on it": the alert stays open but is not escalated. Resolving
# by hand closes it with a note (encrypted). If the condition still holds, the task does not
# raise the same condition again for HEATWATCH_CASES_RESOLVED_QUIET_DAYS (7) days, then raises
# a new alert (and e-mails again) if it still holds; an aftercare check-in resolved by hand is
# done for good (for that date).


def _recently_resolved_by_hand(now: datetime) -> set[tuple[int, str]]:
    quiet_since = now - timedelta(days=resolved_quiet_days())
    return set(
        Alert.objects.filter(resolved_by__isnull=False)
        .filter(Q(resolved_at__gt=quiet_since) | Q(kind=AlertKind.AFTERCARE_CHECK_IN_DUE))
        .values_list("case_id", "key")
    )


def _locked_open_alert(alert: Alert) -> Alert:
    alert = Alert.objects.select_for_update().select_related("case").get(pk=alert.pk)
    if alert.resolved_at is not None:
        raise CaseError(_("This alert is already resolved."))
    return alert


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User) -> Alert:
    """Someone on the team (or a coordinator) has seen the alert and is acting on it: it stays
    open until its condition clears, but is no longer escalated to the coordinators."""
    alert = _locked_open_alert(alert)
    if alert.acknowledged_at is not None:
        raise CaseError(_("This alert was already acknowledged."))
    alert.acknowledged_at = _now()
    alert.acknowledged_by = by
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit_log(action=Action.UPDATE, actor=by, obj=alert, fields=["acknowledged_at"])
    _event(alert.case, "alert_acknowledged", f"Alert acknowledged: {alert.get_kind_display()}", by)
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, by: User, note: str) -> Alert:
    """Close an alert by hand with a note saying why (kept encrypted)."""
    note = note.strip()
    if not note:
        raise CaseError(_("Say why the alert is resolved."))
    _check_length("note", note)
    alert = _locked_open_alert(alert)
    alert.resolved_at = _now()
    alert.resolved_by = by
    alert.resolution_note = note
    alert.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    audit_log(action=Action.UPDATE, actor=by, obj=alert, fields=["resolved_at", "resolution_note"])
    _event(alert.case, "alert_resolved", f"Alert resolved by hand: {alert.get_kind_display()}", by)
    return alert


# --- alert e-mails and escalation -------------------------------------------------------------
# Run by the scheduled task after alerts_refresh. An alert is e-mailed once to the case lead
# (or, with no lead, to the active team); one still open and not acknowledged after
# HEATWATCH_CASES_ESCALATE_HOURS is e-mailed once to the coordinators. The e-mails carry the
# case reference, the kind of alert and a link, never anything about the youth (mailboxes are
# less protected than the platform). A failed send is logged and retried at the next run.

logger = logging.getLogger(__name__)


@dataclass
class AlertMailResult:
    notified: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    emails: int = 0


DIGEST_LINES = 100  # alerts listed in one e-mail; the rest are on the alerts page


def _alert_recipients(case_ids: Iterable[int]) -> dict[int, list[User]]:
    """For each case, who is told of its new alerts: the lead, or with no lead the active
    team (one query for all cases)."""
    team: dict[int, list[CareTeamMember]] = {}
    members = CareTeamMember.objects.filter(
        case_id__in=list(case_ids), removed_at__isnull=True, user__is_active=True
    ).select_related("user")
    for member in members:
        team.setdefault(member.case_id, []).append(member)
    return {
        case_id: [m.user for m in found if m.is_lead] or [m.user for m in found]
        for case_id, found in team.items()
    }


def _digest(user: User, alerts: list[Alert], *, escalation: bool) -> None:
    """One e-mail to ``user`` listing ``alerts``: case references, kinds and links only."""
    program = settings.HEATWATCH_PROGRAM["name"]
    lines = [
        f"- {a.case.reference}: {AlertKind(a.kind).label} "
        f"{absolute_url(reverse('cases:detail', args=[a.case_id]))}"
        for a in alerts[:DIGEST_LINES]
    ]
    if len(alerts) > DIGEST_LINES:
        more = len(alerts) - DIGEST_LINES
        lines.append(f"… and {more} more: {absolute_url(reverse('cases:list'))}")
    count = len(alerts)
    if escalation:
        subject = f"[{program}] ESCALATED: {count} alert(s) not acknowledged in time"
        intro = "These alerts have not been acknowledged by the care team in time:"
    else:
        subject = f"[{program}] {count} new alert(s) on your cases"
        intro = "New alerts were raised on cases you work on:"
    send_mail(subject, "\n".join([intro, "", *lines, ""]), None, [user.email])


def _claim(ids: list[int], field_name: str, now: datetime) -> list[int]:
    """Set the timestamp before sending, so two runs at once do not both send; the ids this
    run claimed."""
    claimed: list[int] = []
    for start in range(0, len(ids), ALERT_BATCH):
        chunk = ids[start : start + ALERT_BATCH]
        Alert.objects.filter(
            pk__in=chunk, resolved_at__isnull=True, **{f"{field_name}__isnull": True}
        ).update(**{field_name: now})
        claimed += Alert.objects.filter(pk__in=chunk, **{field_name: now}).values_list(
            "pk", flat=True
        )
    return claimed


def _send_digests(
    alerts: list[Alert],
    recipients: dict[int, list[User]],
    field_name: str,
    now: datetime,
    *,
    escalation: bool,
) -> tuple[list[int], list[int], int]:
    """Claim ``alerts``, send one digest per recipient and release the alerts whose digest
    failed (retried next run). Returns (sent alert ids, failed alert ids, e-mails sent)."""
    claimed = set(_claim([a.pk for a in alerts], field_name, now))
    by_user: dict[int, tuple[User, list[Alert]]] = {}
    for alert in alerts:
        if alert.pk not in claimed:
            continue
        for user in recipients.get(alert.case_id, []):
            if user.email:
                by_user.setdefault(user.pk, (user, []))[1].append(alert)
    failed: set[int] = set()
    emails = 0
    for user, mine in by_user.values():
        try:
            _digest(user, mine, escalation=escalation)
        except Exception:
            # Sending must never stop the sweep: log, and retry these alerts next run.
            logger.warning("alert digest to user %s failed, will retry", user.pk, exc_info=True)
            failed.update(a.pk for a in mine)
            continue
        emails += 1
        audit_log(
            action=Action.UPDATE,
            object_type="cases.alert",
            fields=[field_name],
            reason=(
                f"{len(mine)} alert(s) escalated to coordinator {user.pk}"
                if escalation
                else f"{len(mine)} alert(s) e-mailed to user {user.pk}"
            ),
        )
    retry = sorted(failed)
    for start in range(0, len(retry), ALERT_BATCH):
        Alert.objects.filter(pk__in=retry[start : start + ALERT_BATCH]).update(**{field_name: None})
    return sorted(claimed - failed), retry, emails


def alerts_notify(*, now: datetime | None = None) -> AlertMailResult:
    """E-mail new alerts to the case lead (or team) and escalate unacknowledged ones to the
    coordinators, each alert once, as one digest per person per run (a first run over a
    backlog sends one e-mail per person, not one per alert). Not atomic on purpose: a failed
    e-mail releases only its own alerts, retried at the next run."""
    now = now or _now()
    result = AlertMailResult()
    new = list(
        Alert.objects.filter(resolved_at__isnull=True, notified_at__isnull=True)
        .select_related("case")
        .order_by("raised_at", "pk")
    )
    if new:
        recipients = _alert_recipients({a.case_id for a in new})
        result.notified, failed, emails = _send_digests(
            new, recipients, "notified_at", now, escalation=False
        )
        result.failed += failed
        result.emails += emails
    hours = escalate_hours()
    overdue = list(
        Alert.objects.filter(
            resolved_at__isnull=True,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            raised_at__lte=now - timedelta(hours=hours),
        )
        .select_related("case")
        .order_by("raised_at", "pk")
    )
    if overdue:
        coordinators = list(users_with_role(role=Role.COORDINATOR))
        everyone = {a.case_id: coordinators for a in overdue}
        result.escalated, failed, emails = _send_digests(
            overdue, everyone, "escalated_at", now, escalation=True
        )
        result.failed += failed
        result.emails += emails
        escalated = set(result.escalated)
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case_id=a.case_id,
                    kind="alert_escalated",
                    summary=f"Alert escalated to the coordinators: {a.get_kind_display()}"[:300],
                    at=now,
                )
                for a in overdue
                if a.pk in escalated
            ],
            batch_size=ALERT_BATCH,
        )
    return result
