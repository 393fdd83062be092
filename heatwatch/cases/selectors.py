"""Reads for cases. Every fetch is scoped to what the user may see (cases/permissions.py); a
read of a case is audited, and so is a denied attempt."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.cases.models import (
    Alert,
    AlertKind,
    BreakGlass,
    CareTeamMember,
    Case,
    CaseStatus,
    Consent,
    CourtKind,
    CourtMatter,
    CourtStatus,
    GoalDomain,
    GoalStatus,
    HearingKind,
    Identification,
    MissingEpisode,
    Placement,
    PlanGoal,
    PlanStep,
    Referral,
    ReferralStatus,
    Screening,
    ServicePlan,
    SharedField,
    StabilisationItem,
    Youth,
)
from heatwatch.cases.permissions import (
    cases_on_team_of,
    cases_visible_to,
    is_coordinator,
    referrals_workable_by,
)
from heatwatch.identity.models import Person
from heatwatch.lib import crypto
from heatwatch.tips.extensions import LinkedCase


def _denied(user: Any, object_type: str, pk: int) -> None:
    # Denied and missing look the same to the user; the log records the attempt.
    audit_log(
        action=Action.ACCESS_DENIED,
        actor=user,
        object_type=object_type,
        object_id=str(pk),
        outcome=Outcome.DENIED,
    )


def case_get_for_user(*, user: Any, pk: int, audit: bool = True) -> Case:
    """The case, if ``user`` may see it (audited READ); 404 otherwise, even if it exists."""
    case = cases_visible_to(user).select_related("youth", "opened_by").filter(pk=pk).first()
    if case is None:
        _denied(user, "cases.case", pk)
        raise Http404
    if audit:
        audit_log(action=Action.READ, actor=user, obj=case)
    return case


def case_visible_by_reference(*, user: Any, reference: str) -> Case | None:
    """The case with this reference if ``user`` may open it (for a link from a tip's page:
    only the reference is shown, so the lookup is not audited as a read); None otherwise."""
    reference = reference.strip().upper()
    if not reference:
        return None
    return cases_visible_to(user).only("pk", "reference").filter(reference=reference).first()


def case_reference_existing(reference: str) -> str | None:
    """The canonical reference of the case ``reference`` names, or None (for linking a tip:
    only existence is checked, nothing is read)."""
    value = reference.strip().upper()
    if not value:
        return None
    return Case.objects.filter(reference=value).values_list("reference", flat=True).first()


def case_linked_from_tip(user: Any, reference: str) -> LinkedCase | None:
    """The case a tip links to, for the tip's page, when ``user`` may open it."""
    case = case_visible_by_reference(user=user, reference=reference)
    if case is None:
        return None
    return LinkedCase(reference=case.reference, url=reverse("cases:detail", args=[case.pk]))


def case_by_reference(*, reference: str) -> Case | None:
    """The case with this reference, unscoped: only for the break-glass request, which
    grants access itself (and is audited either way)."""
    return Case.objects.filter(reference=reference.strip().upper()).first()


def case_list(
    *,
    user: Any,
    status: str = CaseStatus.OPEN,
    mine: bool = False,
    with_alerts: bool = False,
    without_lead: bool = False,
) -> QuerySet[Case]:
    """Cases for the list page: no youth field is loaded (no names in lists). ``mine``: only
    the cases on the user's care teams; ``with_alerts``: only cases with an open alert;
    ``without_lead``: only cases whose care team has no active lead."""
    qs = cases_on_team_of(user) if mine else cases_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if with_alerts:
        qs = qs.filter(Exists(Alert.objects.filter(case=OuterRef("pk"), resolved_at__isnull=True)))
    if without_lead:
        qs = qs.filter(
            ~Exists(
                CareTeamMember.objects.filter(
                    case=OuterRef("pk"), is_lead=True, removed_at__isnull=True
                )
            )
        )
    # A correlated count, not a join + GROUP BY: the database counts only the page's rows, and
    # the paginator's COUNT(*) drops it.
    open_alerts = (
        Alert.objects.filter(case=OuterRef("pk"), resolved_at__isnull=True)
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(open_alerts=Coalesce(Subquery(open_alerts), 0)).order_by("-opened_at", "-pk")


def case_leads(*, cases: list[Case]) -> dict[int, CareTeamMember]:
    """The lead of each case (one query)."""
    members = CareTeamMember.objects.filter(
        case__in=cases, is_lead=True, removed_at__isnull=True
    ).select_related("user", "organisation")
    return {m.case_id: m for m in members}


def case_team(*, case: Case) -> QuerySet[CareTeamMember]:
    return case.team.select_related("user", "organisation", "added_by").order_by(
        "removed_at", "-is_lead", "added_at"
    )


def case_stabilisation(*, case: Case) -> QuerySet[StabilisationItem]:
    return case.stabilisation.select_related("owner", "done_by")


def case_referrals(*, case: Case) -> QuerySet[Referral]:
    return case.referrals.select_related("service", "service__organisation", "sender")


def case_consents(*, case: Case) -> QuerySet[Consent]:
    return case.consents.select_related("organisation", "recorded_by")


def alerts_for(*, user: Any) -> QuerySet[Alert]:
    """Open alerts of the cases on ``user``'s care teams (all open alerts for coordinators)."""
    alerts = Alert.objects.filter(resolved_at__isnull=True)
    if not is_coordinator(user):  # coordinators see every case: no need to join them
        alerts = alerts.filter(case__in=cases_on_team_of(user))
    return (
        alerts.select_related("case")
        .only(
            "pk",
            "kind",
            "message",
            "due_at",
            "raised_at",
            "acknowledged_at",
            "escalated_at",
            "case__reference",
            "case__id",
        )
        .order_by("raised_at", "pk")
    )


def alert_counts(*, user: Any) -> list[tuple[str, str, int]]:
    """(kind, label, open alerts) of the cases ``user`` gets alerts for, most first."""
    rows = (
        alerts_for(user=user)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return sorted(
        ((kind, str(AlertKind(kind).label), n) for kind, n in rows), key=lambda r: (-r[2], r[0])
    )


def break_glass_log(*, user: Any, unreviewed_only: bool = False) -> QuerySet[BreakGlass]:
    """Break-glass reads for the coordinators' review."""
    if not is_coordinator(user):
        return BreakGlass.objects.none()
    qs = BreakGlass.objects.select_related("case", "user", "reviewed_by")
    if unreviewed_only:
        qs = qs.filter(reviewed_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def referral_inbox(*, user: Any, open_only: bool = True) -> QuerySet[Referral]:
    """Referrals to the services of the user's organisations, oldest waiting first."""
    qs = referrals_workable_by(user).select_related("service", "service__organisation", "case")
    if open_only:
        qs = qs.filter(
            status__in=[
                ReferralStatus.SENT,
                ReferralStatus.WAITLISTED,
                ReferralStatus.ACCEPTED,
                ReferralStatus.FIRST_CONTACT,
            ]
        )
    return qs.defer("note", "decline_reason").order_by("sent_at", "pk")


def referral_get_for_agency(*, user: Any, pk: int, audit: bool = True) -> Referral:
    """A referral to the user's agency (audited READ: it carries shared fields); 404
    otherwise."""
    referral = (
        referrals_workable_by(user)
        .select_related("case", "case__youth", "service", "service__organisation", "sender")
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        _denied(user, "cases.referral", pk)
        raise Http404
    if audit:
        audit_log(action=Action.READ, actor=user, obj=referral, fields=referral.shared_fields)
    return referral


def shared_view(*, referral: Referral) -> list[tuple[str, str]]:
    """(label, value) of exactly the fields the sender shared with the agency."""
    youth = referral.case.youth
    rows: list[tuple[str, str]] = []
    shared = set(referral.shared_fields)
    if SharedField.NAME in shared:
        rows.append((str(SharedField.NAME.label), youth.legal_name))
        if youth.aliases:
            rows.append(("Aliases", youth.aliases))
    if SharedField.AGE in shared:
        if youth.date_of_birth is not None:
            rows.append((str(SharedField.AGE.label), youth.date_of_birth.isoformat()))
        elif youth.estimated_age is not None:
            rows.append((str(SharedField.AGE.label), f"about {youth.estimated_age}"))
    if SharedField.GENDER in shared:
        rows.append((str(SharedField.GENDER.label), youth.get_gender_display()))
    if SharedField.LANGUAGES in shared:
        rows.append((str(SharedField.LANGUAGES.label), youth.languages))
    if SharedField.CITY in shared:
        rows.append((str(SharedField.CITY.label), youth.city))
    if SharedField.GUARDIAN in shared:
        rows.append((str(SharedField.GUARDIAN.label), youth.guardian_contact))
    if SharedField.SAFETY in shared:
        rows.append((str(SharedField.SAFETY.label), youth.safety_notes))
    if SharedField.CARE_FLAGS in shared:
        flags = [
            label
            for on, label in (
                (youth.in_foster_care, "foster care"),
                (youth.on_probation, "probation"),
            )
            if on
        ]
        rows.append((str(SharedField.CARE_FLAGS.label), ", ".join(flags) or "none"))
    return rows


def break_glass_active(*, user: Any, case: Case) -> bool:
    """Is ``user`` reading ``case`` through an unexpired break-glass grant?"""
    return BreakGlass.objects.filter(user=user, case=case, expires_at__gt=timezone.now()).exists()


# === Case records: service plan, identification, placements, missing episodes, court ===========
# Called after case_get_for_user (which audits the read of the case).


def case_plan(*, case: Case) -> tuple[ServicePlan | None, list[PlanGoal]]:
    """The plan's review dates and its goals with their steps (two queries)."""
    plan = ServicePlan.objects.filter(case=case).select_related("last_reviewed_by").first()
    goals = list(
        case.plan_goals.prefetch_related(
            Prefetch("steps", queryset=PlanStep.objects.select_related("owner", "done_by"))
        )
    )
    return plan, goals


def case_identifications(*, case: Case) -> QuerySet[Identification]:
    """The exploitation status history, newest (current) first."""
    return case.identifications.select_related("recorded_by").order_by("-recorded_at", "-pk")


def case_screenings(*, case: Case) -> QuerySet[Screening]:
    return case.screenings.select_related("screened_by")


def case_placements(*, case: Case) -> QuerySet[Placement]:
    return case.placements.select_related("service", "service__organisation")


def case_missing_episodes(*, case: Case) -> QuerySet[MissingEpisode]:
    return case.missing_episodes.select_related("debrief_by")


def case_court_matters(*, case: Case) -> QuerySet[CourtMatter]:
    return case.court_matters.order_by("status", F("next_hearing_on").asc(nulls_last=True), "pk")


def case_court_status(*, case: Case) -> str:
    """One short line on the youth's court involvement for the MDT briefing, e.g.
    "Youth court: next hearing 2026-12-02 (review)"; "none recorded" when there is none.
    Names no court and no docket number."""
    matters = list(case_court_matters(case=case))
    if not matters:
        return gettext("none recorded")
    parts: list[str] = []
    for matter in matters:
        if matter.status != CourtStatus.OPEN:
            continue
        if matter.next_hearing_on is None:
            parts.append(
                gettext("%(kind)s: open, no hearing scheduled")
                % {"kind": CourtKind(matter.kind).label}
            )
            continue
        line = gettext("%(kind)s: next hearing %(date)s") % {
            "kind": CourtKind(matter.kind).label,
            "date": matter.next_hearing_on.isoformat(),
        }
        if matter.next_hearing_kind:
            line += f" ({HearingKind(matter.next_hearing_kind).label})"
        parts.append(line)
    if not parts:
        return gettext("no open court matter (%(n)d closed)") % {"n": len(matters)}
    return "; ".join(parts)


def case_missing_data(*, case: Case) -> list[str]:
    """What the case record still lacks, in the words the team uses ("no safety plan")."""
    youth = case.youth
    missing: list[str] = []
    if youth.date_of_birth is None and youth.estimated_age is None:
        missing.append(gettext("no date of birth (nor estimated age)"))
    if not case.team.filter(is_lead=True, removed_at__isnull=True).exists():
        missing.append(gettext("no lead on the care team"))
    if not case.consents.filter(revoked_at__isnull=True).exists():
        missing.append(gettext("no consent on file"))
    if not case.contacts.exists():
        missing.append(gettext("no contact with the youth yet"))
    goals = case.plan_goals.exclude(status=GoalStatus.DROPPED)
    if not goals.filter(domain=GoalDomain.SAFETY).exists():
        missing.append(gettext("no safety plan (no safety goal in the service plan)"))
    plan = ServicePlan.objects.filter(case=case).first()
    if plan is None or plan.next_review_on is None:
        missing.append(gettext("no service-plan review date"))
    if not case.identifications.exists():
        missing.append(gettext("exploitation status not recorded"))
    if not case.screenings.exists():
        missing.append(gettext("screening not recorded"))
    if not case.placements.exists():
        missing.append(gettext("no placement recorded"))
    for kind in case.court_matters.filter(
        status=CourtStatus.OPEN, next_hearing_on__isnull=True
    ).values_list("kind", flat=True):
        missing.append(
            gettext("no next hearing for the open %(kind)s matter")
            % {"kind": CourtKind(kind).label.lower()}
        )
    for kind in case.court_matters.filter(
        status=CourtStatus.OPEN, next_hearing_on__lt=timezone.localdate()
    ).values_list("kind", flat=True):
        missing.append(
            gettext("the next hearing of the open %(kind)s matter has passed (update it)")
            % {"kind": CourtKind(kind).label.lower()}
        )
    for episode in case.missing_episodes.all():
        if episode.police_report_at is None:
            missing.append(gettext("missing-person report to the police not recorded"))
        if episode.national_report_at is None:
            missing.append(gettext("report to the national missing-children centre not recorded"))
        if episode.returned_at is not None and episode.debrief_at is None:
            missing.append(gettext("no debrief after the youth's return"))
    return missing


# --- sealed audit reasons and consent (reads the services rely on) ---------------------------

DELETION_REASON_CONTEXT = "audit.auditentry.deletion_reason"
DELETION_REASON_PREFIX = "deletion reason (encrypted): "
LOOKUP_CONTEXT = "audit.auditentry.intake_lookup"
LOOKUP_PREFIX = "intake lookup; inputs (encrypted): "


def consented_fields(*, case: Case, organisation_id: int, on: date | None = None) -> set[str]:
    """What may be shared with the organisation today, across its valid consents."""
    on = on or timezone.localdate()
    allowed: set[str] = set()
    for scope in Consent.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        case=case,
        organisation_id=organisation_id,
        revoked_at__isnull=True,
        valid_from__lte=on,
    ).values_list("scope", flat=True):
        allowed.update(scope)
    return allowed


def deletion_reason(entry_reason: str) -> str | None:
    """The plain reason of a DELETE audit entry written by record_delete (for a reviewer)."""
    if not entry_reason.startswith(DELETION_REASON_PREFIX):
        return None
    return crypto.decrypt(
        entry_reason.removeprefix(DELETION_REASON_PREFIX), context=DELETION_REASON_CONTEXT
    )


def intake_lookup_inputs(entry_reason: str) -> dict[str, Any] | None:
    """What an intake lookup audited by ``intake_candidates`` asked for and showed (for a
    coordinator reviewing the audit log); None for any other entry."""
    if not entry_reason.startswith(LOOKUP_PREFIX):
        return None
    plain = crypto.decrypt(entry_reason.removeprefix(LOOKUP_PREFIX), context=LOOKUP_CONTEXT)
    value: dict[str, Any] = json.loads(plain)
    return value


def people_with_open_cases(person_ids: Collection[int]) -> set[int]:
    """For identity's possible-duplicates queue: which of these (active) people have a youth
    with an open case, counting youths linked to a person merged into them. One query per level
    of merges."""
    root = {int(p): int(p) for p in person_ids}
    frontier = set(root)
    while frontier:
        absorbed = dict(
            Person.objects.filter(merged_into_id__in=frontier).values_list("pk", "merged_into_id")
        )
        frontier = set(absorbed) - set(root)
        for pk in frontier:
            root[pk] = root[absorbed[pk]]
    linked = Youth.objects.filter(
        person_id__in=list(root), cases__status=CaseStatus.OPEN
    ).values_list("person_id", flat=True)
    return {root[p] for p in linked if p is not None}
