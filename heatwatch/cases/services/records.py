"""Case records: the service plan (goals, steps, reviews), the youth's identification as
exploited, screenings, placements and court involvement, and the service plan's alert.

docs/cases.md "Case records". Timeline summaries name only choices and dates; the free text
(goal and step descriptions, notes, places, references, provider names) stays encrypted.
Edits of a loaded record carry its version (``lib.versioning``): a concurrent edit raises
``StaleRecord`` and saves nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.cases.extensions import AlertCondition
from heatwatch.cases.models import (
    AlertKind,
    Case,
    CaseStatus,
    ConcernLevel,
    CourtKind,
    CourtMatter,
    CourtStatus,
    ExploitationStatus,
    GoalDomain,
    GoalStatus,
    HearingKind,
    Identification,
    IdentifiedWhen,
    Placement,
    PlacementKind,
    PlanGoal,
    PlanStep,
    Screening,
    ServicePlan,
)
from heatwatch.cases.services._base import (
    CaseError,
    StaleRecord,
    _event,
    _is_team_member,
    _locked,
    _not_future,
    _now,
    _require_open,
    _resolve_alert,
    _stale_message,
    _text,
    plan_review_grace_days,
)
from heatwatch.directory.models import Service
from heatwatch.lib.versioning import bump, locked

# --- service plan ----------------------------------------------------------------------------


@transaction.atomic
def plan_goal_add(*, case: Case, by: User, domain: str, description: str) -> PlanGoal:
    """Add a goal to the youth's service plan (active)."""
    if domain not in GoalDomain.values:
        raise CaseError(_("Unknown goal domain."))
    description = _text("description", description, required=_("Describe the goal."))
    case = _locked(case, None)
    _require_open(case)
    goal = PlanGoal.objects.create(
        case=case,
        domain=domain,
        description=description,
        created_by=by,
        status_changed_at=_now(),
    )
    audit_log(action=Action.CREATE, actor=by, obj=goal)
    _event(case, "plan", f"Plan goal added ({GoalDomain(domain).label})", by)
    return goal


@transaction.atomic
def plan_goal_set_status(*, goal: PlanGoal, by: User, status: str, version: int | None) -> PlanGoal:
    """Mark a goal achieved or dropped (or active again); versioned."""
    if status not in GoalStatus.values:
        raise CaseError(_("Unknown goal status."))
    goal = locked(
        PlanGoal,
        goal.pk,
        version=version,
        stale=StaleRecord,
        message=_stale_message(_("goal")),
        related=["case"],
    )
    _require_open(goal.case)
    if goal.status == status:
        raise CaseError(_("The goal is already “%(s)s”.") % {"s": GoalStatus(status).label})
    previous = GoalStatus(goal.status).label
    goal.status = status
    goal.status_changed_at = _now()
    bump(goal, ["status", "status_changed_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=goal, fields=["status"])
    _event(
        goal.case,
        "plan",
        f"Plan goal ({GoalDomain(goal.domain).label}): {GoalStatus(status).label}, was {previous}",
        by,
    )
    return goal


@transaction.atomic
def plan_step_add(
    *,
    goal: PlanGoal,
    by: User,
    description: str,
    owner: User | None,
    due_on: date | None,
) -> PlanStep:
    """Add a step to an active goal; the owner must be on the care team, the due date not
    in the past."""
    description = _text("description", description, required=_("Describe the step."))
    goal = PlanGoal.objects.select_for_update().select_related("case").get(pk=goal.pk)
    _require_open(goal.case)
    if goal.status != GoalStatus.ACTIVE:
        raise CaseError(_("Steps can only be added to an active goal."))
    if owner is not None and not _is_team_member(goal.case, owner):
        raise CaseError(_("The owner of a step must be on the care team."))
    if due_on is not None and due_on < timezone.localdate():
        raise CaseError(_("The due date cannot be in the past."))
    step = PlanStep.objects.create(
        goal=goal, description=description, owner=owner, due_on=due_on, created_by=by
    )
    audit_log(action=Action.CREATE, actor=by, obj=step)
    due = f", due {due_on.isoformat()}" if due_on else ""
    _event(
        goal.case,
        "plan",
        f"Plan step added ({GoalDomain(goal.domain).label}), owner {owner or 'none'}{due}",
        by,
    )
    return step


@transaction.atomic
def plan_step_done(*, step: PlanStep, by: User) -> PlanStep:
    """Mark a step done now."""
    step = PlanStep.objects.select_for_update().select_related("goal__case").get(pk=step.pk)
    _require_open(step.goal.case)
    if step.done_at is not None:
        raise CaseError(_("This step is already done."))
    step.done_at = _now()
    step.done_by = by
    step.save(update_fields=["done_at", "done_by"])
    audit_log(action=Action.UPDATE, actor=by, obj=step, fields=["done_at"])
    _event(step.goal.case, "plan", f"Plan step done ({GoalDomain(step.goal.domain).label})", by)
    return step


@transaction.atomic
def plan_review_record(
    *,
    case: Case,
    by: User,
    next_review_on: date,
    reviewed: bool = True,
    version: int | None = None,
) -> ServicePlan:
    """Record that the team reviewed the plan today (``reviewed``) and set the next review
    date, which must be after today. Without ``reviewed`` only the date is set (or moved)."""
    case = _locked(case, None)
    _require_open(case)
    today = timezone.localdate()
    if next_review_on <= today:
        raise CaseError(_("The next review must be after today."))
    plan, _created = ServicePlan.objects.get_or_create(case=case)
    plan = ServicePlan.objects.select_for_update().get(pk=plan.pk)
    if not _created:
        if version is not None and plan.version != version:
            raise StaleRecord(_stale_message(_("service plan")))
    now = _now()
    fields = ["next_review_on"]
    plan.next_review_on = next_review_on
    if reviewed:
        plan.last_reviewed_at = now
        plan.last_reviewed_by = by
        fields += ["last_reviewed_at", "last_reviewed_by"]
    bump(plan, fields)
    audit_log(action=Action.UPDATE, actor=by, obj=plan, fields=fields)
    what = "Plan reviewed" if reviewed else "Plan review date set"
    _event(case, "plan", f"{what}; next review {next_review_on.isoformat()}", by)
    _resolve_alert(case, "plan_review", at=now)
    return plan


# --- identification --------------------------------------------------------------------------


@transaction.atomic
def identification_record(
    *,
    case: Case,
    by: User,
    status: str,
    identified_when: str,
    identified_on: date,
    current_pk: int | None,
) -> Identification:
    """Record the youth's exploitation status as a new row: the history is kept. The form
    says which status it was loaded with (``current_pk``, None when there was none), so a
    status recorded meanwhile by someone else is not silently replaced."""
    if status not in ExploitationStatus.values:
        raise CaseError(_("Unknown exploitation status."))
    if identified_when not in IdentifiedWhen.values:
        raise CaseError(_("Say when the exploitation was identified."))
    _not_future(identified_on, _("The date identified"))
    case = _locked(case, None)
    _require_open(case)
    current = case.identifications.order_by("-recorded_at", "-pk").first()
    if (current.pk if current else None) != current_pk:
        raise StaleRecord(
            _(
                "Someone else recorded an exploitation status while you were editing. Your "
                "change was not saved; review the current status."
            )
        )
    if (
        current is not None
        and current.status == status
        and current.identified_when == identified_when
        and current.identified_on == identified_on
    ):
        raise CaseError(_("That is already the current status."))
    row = Identification.objects.create(
        case=case,
        status=status,
        identified_when=identified_when,
        identified_on=identified_on,
        recorded_by=by,
        recorded_at=_now(),
    )
    audit_log(action=Action.CREATE, actor=by, obj=row)
    was = f", was {ExploitationStatus(current.status).label}" if current else ""
    _event(
        case,
        "identification",
        f"Exploitation status: {ExploitationStatus(status).label} "
        f"({IdentifiedWhen(identified_when).label.lower()}, {identified_on.isoformat()}){was}",
        by,
    )
    return row


@transaction.atomic
def screening_record(
    *,
    case: Case,
    by: User,
    tool_name: str,
    tool_version: str,
    screened_on: date,
    result: str,
    notes: str = "",
) -> Screening:
    """Record the result of a screening tool, screened by ``by``."""
    tool_name = _text("tool_name", tool_name, required=_("Name the screening tool."))
    tool_version = _text("tool_version", tool_version)
    notes = _text("notes", notes)
    if result not in ConcernLevel.values:
        raise CaseError(_("Unknown screening result."))
    _not_future(screened_on, _("The screening date"))
    case = _locked(case, None)
    _require_open(case)
    screening = Screening.objects.create(
        case=case,
        tool_name=tool_name,
        tool_version=tool_version,
        screened_on=screened_on,
        result=result,
        screened_by=by,
        notes=notes,
    )
    audit_log(action=Action.CREATE, actor=by, obj=screening)
    version = f" {tool_version}" if tool_version else ""
    _event(
        case,
        "screening",
        f"Screening recorded: {tool_name}{version}, {ConcernLevel(result).label}",
        by,
    )
    return screening


# --- placements ------------------------------------------------------------------------------


@transaction.atomic
def placement_start(
    *,
    case: Case,
    by: User,
    kind: str,
    started_on: date,
    specialised: bool = False,
    provider_name: str = "",
    service: Service | None = None,
    ended_on: date | None = None,
) -> Placement:
    """Record a placement (a past one with its end date, or the current one). Placements do
    not overlap: an open placement must be ended first."""
    if kind not in PlacementKind.values:
        raise CaseError(_("Unknown placement type."))
    provider_name = _text("provider_name", provider_name)
    _not_future(started_on, _("The start of the placement"))
    if ended_on is not None:
        _not_future(ended_on, _("The end of the placement"))
        if ended_on < started_on:
            raise CaseError(_("A placement cannot end before it starts."))
    case = _locked(case, None)
    _require_open(case)
    _no_overlap(case, started_on, ended_on)
    placement = Placement.objects.create(
        case=case,
        kind=kind,
        specialised=specialised or kind == PlacementKind.SPECIALISED,
        provider_name=provider_name,
        service=service,
        started_on=started_on,
        ended_on=ended_on,
        recorded_by=by,
    )
    audit_log(action=Action.CREATE, actor=by, obj=placement)
    until = f" to {ended_on.isoformat()}" if ended_on else ""
    _event(
        case,
        "placement",
        f"Placement: {PlacementKind(kind).label} from {started_on.isoformat()}{until}",
        by,
    )
    return placement


def _no_overlap(case: Case, start: date, end: date | None, exclude: int | None = None) -> None:
    others = case.placements.exclude(pk=exclude) if exclude else case.placements.all()
    current = others.filter(ended_on__isnull=True).first()
    if current is not None and (end is None or end > current.started_on):
        raise CaseError(
            _(
                "The youth is still in a placement (%(kind)s since %(start)s). End the current "
                "placement first."
            )
            % {"kind": PlacementKind(current.kind).label, "start": current.started_on.isoformat()}
        )
    # Closed placements [s, e]: a move-in on the day of a move-out is not an overlap.
    clash = others.filter(ended_on__isnull=False, ended_on__gt=start)
    if end is not None:
        clash = clash.filter(started_on__lt=end)
    first = clash.order_by("started_on").first()
    if first is not None and first.ended_on is not None:
        raise CaseError(
            _("This overlaps the placement from %(start)s to %(end)s.")
            % {"start": first.started_on.isoformat(), "end": first.ended_on.isoformat()}
        )


@transaction.atomic
def placement_end(
    *, placement: Placement, by: User, ended_on: date, version: int | None
) -> Placement:
    """End the open placement (not in the future, not before it started); versioned."""
    placement = locked(
        Placement,
        placement.pk,
        version=version,
        stale=StaleRecord,
        message=_stale_message(_("placement")),
        related=["case"],
    )
    _require_open(placement.case)
    if placement.ended_on is not None:
        raise CaseError(_("This placement has already ended."))
    _not_future(ended_on, _("The end of the placement"))
    if ended_on < placement.started_on:
        raise CaseError(_("A placement cannot end before it starts."))
    placement.ended_on = ended_on
    bump(placement, ["ended_on"])
    audit_log(action=Action.UPDATE, actor=by, obj=placement, fields=["ended_on"])
    _event(
        placement.case,
        "placement",
        f"Placement ended: {PlacementKind(placement.kind).label} on {ended_on.isoformat()} "
        f"({placement.length_of_stay()} days)",
        by,
    )
    return placement


# --- court involvement -----------------------------------------------------------------------


def _check_hearing(next_hearing_on: date | None, next_hearing_kind: str) -> None:
    if next_hearing_kind and next_hearing_kind not in HearingKind.values:
        raise CaseError(_("Unknown kind of hearing."))
    if next_hearing_on is not None and next_hearing_on < timezone.localdate():
        raise CaseError(_("The next hearing must be today or later."))
    if next_hearing_kind and next_hearing_on is None:
        raise CaseError(_("Give the date of the next hearing."))


def _hearing_text(matter: CourtMatter) -> str:
    if matter.next_hearing_on is None:
        return "no hearing scheduled"
    kind = f" ({HearingKind(matter.next_hearing_kind).label})" if matter.next_hearing_kind else ""
    return f"next hearing {matter.next_hearing_on.isoformat()}{kind}"


@transaction.atomic
def court_matter_add(
    *,
    case: Case,
    by: User,
    kind: str,
    court_name: str,
    docket_number: str = "",
    next_hearing_on: date | None = None,
    next_hearing_kind: str = "",
) -> CourtMatter:
    """Record a court matter involving the youth (open)."""
    if kind not in CourtKind.values:
        raise CaseError(_("Unknown kind of court involvement."))
    court_name = _text("court_name", court_name, required=_("Name the court."))
    docket_number = _text("docket_number", docket_number)
    _check_hearing(next_hearing_on, next_hearing_kind)
    case = _locked(case, None)
    _require_open(case)
    matter = CourtMatter.objects.create(
        case=case,
        kind=kind,
        court_name=court_name,
        docket_number=docket_number,
        next_hearing_on=next_hearing_on,
        next_hearing_kind=next_hearing_kind,
        recorded_by=by,
    )
    audit_log(action=Action.CREATE, actor=by, obj=matter)
    _event(case, "court", f"Court: {CourtKind(kind).label}, {_hearing_text(matter)}", by)
    return matter


@transaction.atomic
def court_matter_update(
    *,
    matter: CourtMatter,
    by: User,
    status: str,
    next_hearing_on: date | None,
    next_hearing_kind: str = "",
    version: int | None = None,
) -> CourtMatter:
    """Change a court matter's status or next hearing (a closed matter has none); versioned."""
    if status not in CourtStatus.values:
        raise CaseError(_("Unknown court status."))
    matter = locked(
        CourtMatter,
        matter.pk,
        version=version,
        stale=StaleRecord,
        message=_stale_message(_("court matter")),
        related=["case"],
    )
    _require_open(matter.case)
    if status == CourtStatus.CLOSED:
        next_hearing_on, next_hearing_kind = None, ""
    elif next_hearing_on != matter.next_hearing_on or next_hearing_kind:
        _check_hearing(next_hearing_on, next_hearing_kind)
    fields = [
        f
        for f, value in (
            ("status", status),
            ("next_hearing_on", next_hearing_on),
            ("next_hearing_kind", next_hearing_kind),
        )
        if getattr(matter, f) != value
    ]
    if not fields:
        raise CaseError(_("Nothing changed."))
    matter.status = status
    matter.next_hearing_on = next_hearing_on
    matter.next_hearing_kind = next_hearing_kind
    bump(matter, fields)
    audit_log(action=Action.UPDATE, actor=by, obj=matter, fields=fields)
    state = "closed" if status == CourtStatus.CLOSED else _hearing_text(matter)
    _event(matter.case, "court", f"Court: {CourtKind(matter.kind).label}, {state}", by)
    return matter


# --- alerts of the service plan --------------------------------------------------------------


def plan_conditions(now: datetime) -> list[AlertCondition]:
    """Service-plan review overdue: the review date plus the grace days has passed."""
    found: list[AlertCondition] = []
    today = timezone.localdate(now)
    overdue_before = today - timedelta(days=plan_review_grace_days())
    for case_id, review_on in ServicePlan.objects.filter(
        case__status=CaseStatus.OPEN, next_review_on__lt=overdue_before
    ).values_list("case_id", "next_review_on"):
        if review_on is None:  # excluded by the filter; for the type checker
            continue
        due = timezone.make_aware(
            datetime.combine(review_on + timedelta(days=plan_review_grace_days() + 1), time.min)
        )
        found.append(
            AlertCondition(
                case_id,
                AlertKind.PLAN_REVIEW_OVERDUE,
                "plan_review",
                f"Service-plan review overdue (was due {review_on.isoformat()}).",
                due,
            )
        )
    return found
