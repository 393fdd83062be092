"""Reads for MDT meetings. Fetches are scoped to what the user may see
(meetings/permissions.py); every read of agenda content is audited per case (READ), every
briefing per case (EXPORT), and a denied attempt is audited too."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.cases import selectors as case_selectors
from heatwatch.cases.extensions import AlertCondition, court_statuses
from heatwatch.cases.models import (
    Alert,
    AlertKind,
    Case,
    CaseStatus,
    Referral,
    ReferralStatus,
    Youth,
)
from heatwatch.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Meeting,
    MeetingStatus,
)
from heatwatch.meetings.permissions import can_run_meetings, meetings_visible_to

OPEN_REFERRAL_STATUSES = (
    ReferralStatus.SENT,
    ReferralStatus.WAITLISTED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.FIRST_CONTACT,
)


def _denied(user: Any, object_type: str, pk: int) -> None:
    audit_log(
        action=Action.ACCESS_DENIED,
        actor=user,
        object_type=object_type,
        object_id=str(pk),
        outcome=Outcome.DENIED,
    )


# --- meetings ---------------------------------------------------------------------------------


def meeting_list(*, user: Any) -> QuerySet[Meeting]:
    """Meetings the user may open, upcoming and recent first; no agenda content."""
    return meetings_visible_to(user).annotate(
        items=Count("agenda", distinct=True), people=Count("attendees", distinct=True)
    )


def meeting_get_for_user(*, user: Any, pk: int) -> Meeting:
    """The meeting, if ``user`` may open it (coordinator or invited); 404 otherwise, even if it
    exists (audited)."""
    meeting = meetings_visible_to(user).filter(pk=pk).first()
    if meeting is None:
        _denied(user, "meetings.meeting", pk)
        raise Http404
    return meeting


def agenda_for(*, meeting: Meeting, user: Any, audit: bool = True) -> list[AgendaItem]:
    """The agenda with its cases; each case shown is audited as READ. The caller checks
    ``permissions.may_see_agenda`` first."""
    items = list(meeting.agenda.select_related("case").order_by("position", "pk"))
    if audit:
        for item in items:
            audit_log(
                action=Action.READ,
                actor=user,
                obj=item.case,
                reason=f"MDT agenda, meeting {meeting.pk}",
            )
    return items


def agenda_item_get(*, meeting: Meeting, pk: int) -> AgendaItem:
    item = meeting.agenda.select_related("case", "meeting").filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


# --- proposing the agenda ---------------------------------------------------------------------


def _with_review_data(qs: QuerySet[Case], *, before: datetime) -> QuerySet[Case]:
    open_alert = Q(alerts__resolved_at__isnull=True)
    reviewed = Q(
        mdt_agenda__meeting__status__in=[MeetingStatus.HELD, MeetingStatus.CLOSED],
        mdt_agenda__meeting__scheduled_start__lt=before,
    )
    return qs.annotate(
        open_alerts=Count("alerts", filter=open_alert, distinct=True),
        oldest_alert=Min("alerts__raised_at", filter=open_alert),
        last_review=Max("mdt_agenda__meeting__scheduled_start", filter=reviewed),
    )


def _alert_kinds(case_ids: Iterable[int]) -> dict[int, list[str]]:
    kinds: dict[int, list[str]] = defaultdict(list)
    rows = (
        Alert.objects.filter(case_id__in=list(case_ids), resolved_at__isnull=True)
        .order_by("raised_at", "pk")
        .values_list("case_id", "kind")
    )
    for case_id, kind in rows:
        label = str(AlertKind(kind).label) if kind in AlertKind.values else kind
        if label not in kinds[case_id]:
            kinds[case_id].append(label)
    return kinds


def _reason(case: Any, kinds: list[str]) -> str:
    """Why the case is on the agenda, written by the code (no free text about the youth)."""
    if case.open_alerts:
        since = timezone.localdate(case.oldest_alert).isoformat()
        noun = "open alert" if case.open_alerts == 1 else "open alerts"
        return f"{case.open_alerts} {noun} since {since}: {'; '.join(kinds)}"
    if case.last_review is not None:
        return f"Last reviewed at the MDT on {timezone.localdate(case.last_review).isoformat()}"
    return "Not reviewed at an MDT yet"


def agenda_candidates(*, meeting: Meeting, limit: int) -> list[tuple[Case, str]]:
    """Open cases not on the agenda yet, with the reason to review them: cases with open
    alerts first (most alerts, then the oldest alert first), then the others by last review
    (never reviewed first, then the longest ago), then the oldest case first."""
    qs = _with_review_data(
        Case.objects.filter(status=CaseStatus.OPEN).exclude(mdt_agenda__meeting=meeting),
        before=meeting.scheduled_start,
    ).order_by(
        "-open_alerts",
        F("oldest_alert").asc(nulls_last=True),
        F("last_review").asc(nulls_first=True),
        "opened_at",
        "pk",
    )
    cases = list(qs.only("pk", "reference", "opened_at", "status")[:limit])
    kinds = _alert_kinds(c.pk for c in cases)
    return [(case, _reason(case, kinds.get(case.pk, []))) for case in cases]


def agenda_reasons(*, cases: list[Case], before: datetime) -> dict[int, str]:
    """The code-written reason for each of ``cases`` (as the proposal would write it)."""
    annotated = _with_review_data(
        Case.objects.filter(pk__in=[c.pk for c in cases]), before=before
    ).only("pk")
    kinds = _alert_kinds(c.pk for c in cases)
    return {case.pk: _reason(case, kinds.get(case.pk, [])) for case in annotated}


# --- briefings --------------------------------------------------------------------------------


@dataclass
class Briefing:
    """What the attendees need about one youth on the agenda."""

    item: AgendaItem
    case: Case
    youth: Youth
    age: str
    care_flags: str
    referrals: list[Referral]
    court_status: str
    alerts: list[Alert]
    actions: list[ActionItem]


def _age(youth: Youth, on: date) -> str:
    if youth.date_of_birth is not None:
        born = youth.date_of_birth
        years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        return _("%(years)s (born %(date)s)") % {"years": years, "date": born.isoformat()}
    if youth.estimated_age is not None:
        return _("about %(years)s (estimated)") % {"years": youth.estimated_age}
    return _("not recorded")


def court_status(case: Case) -> str:
    """The youth's court involvement in one line: what other apps keep (the youth-court
    docket, through ``cases.extensions.court_statuses``) and the matters typed on the case
    (``cases.selectors.case_court_status``, left out when none is typed and another app had
    something to say)."""
    kept = court_statuses(case)
    if kept and not case.court_matters.exists():
        return "; ".join(kept)
    return "; ".join([*kept, case_selectors.case_court_status(case=case)])


def briefings_for(*, meeting: Meeting, items: list[AgendaItem]) -> list[Briefing]:
    """The briefing of each agenda item (the caller audits the export per case)."""
    on = timezone.localdate(meeting.scheduled_start)
    case_ids = [item.case_id for item in items]
    cases = {
        c.pk: c for c in Case.objects.filter(pk__in=case_ids).select_related("youth", "opened_by")
    }
    referrals: dict[int, list[Referral]] = defaultdict(list)
    for referral in (
        Referral.objects.filter(case_id__in=case_ids, status__in=OPEN_REFERRAL_STATUSES)
        .select_related("service", "service__organisation")
        .defer("note", "decline_reason")
        .order_by("sent_at", "pk")
    ):
        referrals[referral.case_id].append(referral)
    alerts: dict[int, list[Alert]] = defaultdict(list)
    for alert in Alert.objects.filter(case_id__in=case_ids, resolved_at__isnull=True).order_by(
        "raised_at", "pk"
    ):
        alerts[alert.case_id].append(alert)
    actions: dict[int, list[ActionItem]] = defaultdict(list)
    for action in ActionItem.objects.filter(
        case_id__in=case_ids, status=ActionStatus.OPEN
    ).select_related("owner", "meeting"):
        actions[action.case_id].append(action)
    result = []
    for item in items:
        case = cases[item.case_id]
        youth = case.youth
        flags = [
            label
            for on_flag, label in (
                (youth.in_foster_care, _("foster care")),
                (youth.on_probation, _("probation")),
            )
            if on_flag
        ]
        result.append(
            Briefing(
                item=item,
                case=case,
                youth=youth,
                age=_age(youth, on),
                care_flags=", ".join(flags) or _("neither"),
                referrals=referrals[case.pk],
                court_status=court_status(case),
                alerts=alerts[case.pk],
                actions=actions[case.pk],
            )
        )
    return result


def audit_briefing_export(*, user: Any, meeting: Meeting, items: list[AgendaItem]) -> None:
    for item in items:
        audit_log(
            action=Action.EXPORT,
            actor=user,
            obj=item.case,
            reason=f"MDT briefing, meeting {meeting.pk}",
        )


# --- action items -----------------------------------------------------------------------------


def action_items_open_for(user: Any) -> QuerySet[ActionItem]:
    """The open action items ``user`` owns, earliest due first (their inbox)."""
    return (
        ActionItem.objects.filter(owner=user, status=ActionStatus.OPEN)
        .select_related("case", "meeting")
        .order_by("due_on", "pk")
    )


def my_action_items(*, user: Any) -> list[ActionItem]:
    """``user``'s open action items for their inbox, each case shown audited once (READ)."""
    items = list(action_items_open_for(user))
    cases = {item.case_id: item.case for item in items}
    for case in cases.values():
        audit_log(action=Action.READ, actor=user, obj=case, reason="MDT action items")
    return items


def action_items_for_case(case: Case) -> QuerySet[ActionItem]:
    """Every action item of a case: open first (earliest due), then the finished ones."""
    return (
        ActionItem.objects.filter(case=case)
        .select_related("owner", "meeting", "done_by")
        .order_by(F("done_at").desc(nulls_first=True), "due_on", "pk")
    )


def overdue_action_items(now: datetime) -> QuerySet[ActionItem]:
    """Open action items whose due date has passed (for the alerts task)."""
    return (
        ActionItem.objects.filter(status=ActionStatus.OPEN, due_on__lt=timezone.localdate(now))
        .select_related("case", "owner")
        .order_by("due_on", "pk")
    )


def action_items_of_meeting(meeting: Meeting) -> QuerySet[ActionItem]:
    return meeting.action_items.select_related("case", "owner", "done_by").order_by("due_on", "pk")


def action_item_get_for_user(*, user: Any, pk: int) -> ActionItem:
    """An action item the user owns (or any, for a coordinator); 404 otherwise (audited)."""
    qs = ActionItem.objects.select_related("case", "meeting")
    if not can_run_meetings(user):
        qs = qs.filter(owner=user)
    item = qs.filter(pk=pk).first()
    if item is None:
        _denied(user, "meetings.actionitem", pk)
        raise Http404
    return item


# --- what meetings adds to cases (registered in apps.py through cases.extensions) -------------


def action_item_conditions(now: datetime) -> list[AlertCondition]:
    """MDT action items past their due date, on open cases: one alert each."""
    return [
        AlertCondition(
            case_id,
            AlertKind.ACTION_ITEM_OVERDUE,
            f"action:{item_id}",
            f"MDT action item due {due_on:%Y-%m-%d} is not done.",
            datetime.combine(
                due_on + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone()
            ),
        )
        for item_id, case_id, due_on in overdue_action_items(now)
        .filter(case__status=CaseStatus.OPEN)
        .values_list("pk", "case_id", "due_on")
    ]


def case_section_context(*, case: Case, user: Any) -> dict[str, Any]:
    """The case page's "MDT action items" section."""
    return {"action_items": action_items_for_case(case)}


def case_list_section_context(*, user: Any) -> dict[str, Any]:
    """The case list's "your MDT action items" section (the first 20)."""
    return {"action_items": list(action_items_open_for(user)[:20])}
