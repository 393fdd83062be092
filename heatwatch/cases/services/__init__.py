"""Writes for cases: intake, care team, consent, stabilisation, referrals, contacts, closure,
break-glass and alerts.

Every function is atomic and audits in the same transaction as its change. Permission checks
("may this user do this to this case") happen in the views (permissions.py); these functions
enforce the domain rules and raise ``CaseError`` with a message safe to show. Participation in
an investigation or prosecution is recorded on the case and never consulted here.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Organisation, OrganisationType, Role, User
from heatwatch.accounts.selectors import users_with_role
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.cases.models import (
    Alert,
    AlertKind,
    BreakGlass,
    CareTeamMember,
    Case,
    CaseEvent,
    CaseStatus,
    ClosureReason,
    ConcernLevel,
    Consent,
    ConsentGiver,
    Contact,
    ContactKind,
    CourtKind,
    CourtMatter,
    CourtStatus,
    ExploitationStatus,
    Gender,
    GoalDomain,
    GoalStatus,
    HearingKind,
    Identification,
    IdentifiedWhen,
    IntakeSource,
    MissingEpisode,
    MissingReporter,
    Participation,
    Placement,
    PlacementKind,
    PlanGoal,
    PlanStep,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Screening,
    ServicePlan,
    SharedField,
    StabilisationItem,
    StabilisationKind,
    TeamRole,
    Youth,
)
from heatwatch.cases.permissions import may_represent
from heatwatch.directory.models import Service
from heatwatch.directory.selectors import service_availability
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import Person
from heatwatch.identity.selectors import Candidate, find_candidates, record_of_source
from heatwatch.identity.services import (
    identity_record_create,
    identity_record_delete,
    identity_record_update,
)
from heatwatch.lib import crypto
from heatwatch.tips.models import Tip
from heatwatch.tips.permissions import tips_visible_to
from heatwatch.tips.services import tip_link_case

# Thresholds (settings may override them; see docs/cases.md).
STABILISATION_HOURS: int = getattr(settings, "HEATWATCH_CASES_STABILISATION_HOURS", 72)
NO_CONTACT_DAYS: int = getattr(settings, "HEATWATCH_CASES_NO_CONTACT_DAYS", 14)
REFERRAL_ANSWER_BUSINESS_DAYS: int = getattr(
    settings, "HEATWATCH_CASES_REFERRAL_ANSWER_BUSINESS_DAYS", 3
)
BREAK_GLASS_MINUTES: int = getattr(settings, "HEATWATCH_CASES_BREAK_GLASS_MINUTES", 60)
# Candidates at or above this probability must be looked at before a new person is created.
MATCH_REVIEW_PROBABILITY: float = getattr(settings, "HEATWATCH_CASES_MATCH_PROBABILITY", 0.2)

TEXT_LIMITS = {
    "legal_name": 200,
    "aliases": 500,
    "city": 100,
    "guardian_contact": 500,
    "safety_notes": 5_000,
    "note": 5_000,
    "reason": 2_000,
}


class CaseError(ValueError):
    """A request that breaks a case rule; the message is safe to show."""


class StaleCase(CaseError):
    """Someone else changed the case since this form was loaded (no lost update)."""


class IdentityCheckRequired(CaseError):
    """Matching found possible existing records: pick one or confirm a new person."""

    def __init__(self, candidates: list[Candidate]) -> None:
        super().__init__(
            _("This youth may already be known. Pick a matching person or confirm a new one.")
        )
        self.candidates = candidates


class WaitlistOffered(CaseError):
    """The service is full but keeps a waitlist: the sender may choose to join it."""


@dataclass
class YouthInput:
    legal_name: str
    aliases: Sequence[str] = ()
    date_of_birth: date | None = None
    estimated_age: int | None = None
    gender: str = Gender.UNKNOWN
    languages: str = ""
    city: str = ""
    in_foster_care: bool = False
    on_probation: bool = False
    guardian_contact: str = ""
    safety_notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def identity_input(self) -> IdentityInput:
        """What identity matching compares (names split as given + family)."""
        words = self.legal_name.split()
        given = words[0] if words else ""
        family = " ".join(words[1:])
        sex = {Gender.FEMALE: "F", Gender.MALE: "M"}.get(Gender(self.gender), "")
        return IdentityInput(
            given_name=given,
            family_name=family,
            aliases=tuple(a for a in self.aliases if a.strip()),
            dob=self.date_of_birth,
            sex=sex,
            city=self.city,
            source="cases",
        )


# --- helpers ----------------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def _check_length(name: str, value: str) -> None:
    if len(value) > TEXT_LIMITS[name]:
        raise CaseError(_("%(field)s is too long.") % {"field": name.replace("_", " ")})


def _not_future(value: datetime | date | None, what: str) -> None:
    if value is None:
        return
    now = _now()
    if isinstance(value, datetime):
        future = value > now + timedelta(minutes=5)  # small allowance for clock skew
    else:
        future = value > timezone.localdate(now)
    if future:
        raise CaseError(_("%(what)s cannot be in the future.") % {"what": what})


def _event(case: Case, kind: str, summary: str, actor: User | None) -> None:
    CaseEvent.objects.create(case=case, kind=kind, summary=summary[:300], actor=actor, at=_now())


def case_event_record(*, case: Case, kind: str, summary: str, actor: User | None) -> None:
    """Add an entry to a case's timeline from another app (e.g. an MDT meeting decision).
    ``summary`` is written by the code and must not carry free text about the youth."""
    _event(case, kind, summary, actor)


def _locked(case: Case, version: int | None) -> Case:
    current = Case.objects.select_for_update().get(pk=case.pk)
    if version is not None and current.version != version:
        raise StaleCase(
            _(
                "Someone else changed this case while you were editing it. Your changes were "
                "not saved; review the case again."
            )
        )
    return current


def _bump(case: Case, fields: list[str]) -> None:
    case.version = F("version") + 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    case.refresh_from_db(fields=["version"])


def _resolve_alert(case: Case, key: str, *, at: datetime | None = None) -> None:
    """The condition ``key`` no longer holds for ``case``: resolve its open alert now (or at
    ``at``, the time of the change that ended it), rather than at the next sweep."""
    Alert.objects.filter(case=case, key=key, resolved_at__isnull=True).update(
        resolved_at=at or _now()
    )


def _require_open(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise CaseError(_("This case is closed. Reopen it first."))


def _new_reference(now: datetime) -> str:
    for _attempt in range(20):
        candidate = f"C-{now:%Y}-{secrets.randbelow(10**6):06d}"
        if not Case.objects.filter(reference=candidate).exists():
            return candidate
    raise CaseError("could not allocate a case reference")


def _validate_youth(data: YouthInput) -> None:
    if not data.legal_name.strip():
        raise CaseError(_("Give the youth's name (a first name is enough)."))
    _check_length("legal_name", data.legal_name)
    _check_length("aliases", "; ".join(data.aliases))
    _check_length("city", data.city)
    _check_length("guardian_contact", data.guardian_contact)
    _check_length("safety_notes", data.safety_notes)
    if data.gender not in Gender.values:
        raise CaseError(_("Unknown gender."))
    _not_future(data.date_of_birth, _("The date of birth"))
    if data.estimated_age is not None and not 0 <= data.estimated_age <= 30:
        raise CaseError(_("The estimated age must be between 0 and 30."))


# --- intake -----------------------------------------------------------------------------------


def intake_candidates(*, data: YouthInput) -> list[Candidate]:
    """Existing people who may be this youth (identity matching), most probable first."""
    return [
        c
        for c in find_candidates(data.identity_input(), limit=10)
        if c.probability >= MATCH_REVIEW_PROBABILITY
    ]


class TipReferenceError(CaseError):
    """The tip reference given at intake is unknown to this user, or already linked."""


def _youth_source_id(youth: Youth) -> str:
    # How the identity register names the youth's record (IdentityRecord.source_record_id).
    return f"cases.youth:{youth.pk}"


def _intake_tip(*, by: User, intake_source: str, tip_reference: str) -> Tip | None:
    """The tip a case comes from, when the source is "tip" and a reference is given: it must
    exist and be one the user may see (officers see only tips referred to their agency), and
    not be linked to another case already."""
    if not tip_reference:
        return None
    if intake_source != IntakeSource.TIP:
        raise TipReferenceError(_("A tip reference goes with the source “Tip”."))
    tip = tips_visible_to(by).filter(reference=tip_reference).first()
    if tip is None:
        # Unknown and not visible look the same: the user learns nothing about other tips.
        raise TipReferenceError(
            _(
                "No tip you may see has this reference. Check it, or leave it empty: a "
                "coordinator can link the tip to the case from the tip's page."
            )
        )
    if tip.case_reference:
        raise TipReferenceError(
            _("This tip is already linked to a case. Ask a coordinator to check the link.")
        )
    return tip


_OPENER_TEAM_ROLE: dict[str, TeamRole] = {
    OrganisationType.COORDINATING_OFFICE: TeamRole.COORDINATOR,
    OrganisationType.LAW_ENFORCEMENT: TeamRole.INVESTIGATOR,
}


@transaction.atomic
def case_open_from_intake(
    *,
    data: YouthInput,
    by: User,
    intake_source: str,
    organisation: Organisation,
    tip_reference: str = "",
    person: Person | None = None,
    confirm_new_person: bool = False,
) -> Case:
    """Open a case for a youth: identity matching first, then the youth, the case, the opener
    on the care team and the 72-hour stabilisation checklist.

    Without ``person``, matching runs and ``IdentityCheckRequired`` (with the candidates) is
    raised unless ``confirm_new_person`` says the user looked and none is this youth.
    """
    _validate_youth(data)
    if intake_source not in IntakeSource.values:
        raise CaseError(_("Unknown intake source."))
    tip_reference = tip_reference.strip().upper()[:20]
    # Checked first, so a wrong reference is fixed before the identity step.
    tip = _intake_tip(by=by, intake_source=intake_source, tip_reference=tip_reference)
    if person is None and not confirm_new_person:
        candidates = intake_candidates(data=data)
        if candidates:
            raise IdentityCheckRequired(candidates)
    if person is not None and not person.is_active:
        raise CaseError(_("That person was merged into another; pick the surviving record."))
    if (
        person is not None
        and Case.objects.filter(youth__person=person, status=CaseStatus.OPEN).exists()
    ):
        # One youth, one response: no second open case. The reference is not shown to
        # someone who may not be on that care team.
        raise CaseError(
            _("This youth already has an open case. Ask a coordinator to add you to its care team.")
        )
    if not may_represent(by, organisation.pk):
        raise CaseError(_("You can only open a case for an organisation you work for."))
    now = _now()
    youth = Youth.objects.create(
        legal_name=data.legal_name.strip(),
        aliases="; ".join(a.strip() for a in data.aliases if a.strip()),
        date_of_birth=data.date_of_birth,
        estimated_age=data.estimated_age,
        gender=data.gender,
        languages=data.languages.strip()[:100],
        city=data.city.strip(),
        in_foster_care=data.in_foster_care,
        on_probation=data.on_probation,
        guardian_contact=data.guardian_contact.strip(),
        safety_notes=data.safety_notes.strip(),
        created_by=by,
    )
    # The register record carries the youth's id, so an edit of the youth's details later
    # updates this very record (youth_update).
    record = identity_record_create(
        data=replace(data.identity_input(), source_record_id=_youth_source_id(youth)),
        person=person,
        by=by,
    )
    youth.person_id = record.person_id
    youth.save(update_fields=["person"])
    audit_log(action=Action.CREATE, actor=by, obj=youth)
    case = Case.objects.create(
        youth=youth,
        reference=_new_reference(now),
        intake_source=intake_source,
        tip_reference=tip_reference,
        opened_at=now,
        opened_by=by,
    )
    audit_log(action=Action.CREATE, actor=by, obj=case, organisation=organisation)
    CareTeamMember.objects.create(
        case=case,
        user=by,
        organisation=organisation,
        team_role=_OPENER_TEAM_ROLE.get(organisation.type, TeamRole.ADVOCATE),
        # An advocate who opens a case leads it; a coordinator or an officer names a lead.
        is_lead=organisation.type not in _OPENER_TEAM_ROLE,
        added_by=by,
        added_at=now,
    )
    due = now + timedelta(hours=STABILISATION_HOURS)
    StabilisationItem.objects.bulk_create(
        [StabilisationItem(case=case, kind=k, owner=by, due_at=due) for k in StabilisationKind]
    )
    _event(case, "opened", f"Case opened ({IntakeSource(intake_source).label})", by)
    if tip is not None:
        tip_link_case(tip=tip, by=by, case_reference=case.reference)
        _event(case, "tip_linked", f"Linked to tip {tip.reference}", by)
    return case


# --- case edits -------------------------------------------------------------------------------


@transaction.atomic
def case_set_participation(
    *, case: Case, by: User, participation: str, version: int | None
) -> Case:
    """Record the youth's part in an investigation or prosecution (information only)."""
    if participation not in Participation.values:
        raise CaseError(_("Unknown participation."))
    case = _locked(case, version)
    if case.participation != participation:
        case.participation = participation
        _bump(case, ["participation"])
        audit_log(action=Action.UPDATE, actor=by, obj=case, fields=["participation"])
        _event(case, "participation", f"Participation: {Participation(participation).label}", by)
    return case


@transaction.atomic
def case_close(
    *,
    case: Case,
    by: User,
    reason: str,
    aftercare_check_in_on: date | None,
    version: int | None,
) -> Case:
    """Close the case with a reason and an optional aftercare check-in date (in the future).
    Open referrals stay as they are: the history is kept."""
    if reason not in ClosureReason.values:
        raise CaseError(_("Give a reason for closing the case."))
    case = _locked(case, version)
    _require_open(case)
    if aftercare_check_in_on is not None and aftercare_check_in_on < timezone.localdate():
        raise CaseError(_("The aftercare check-in must be today or later."))
    case.status = CaseStatus.CLOSED
    case.closed_at = _now()
    case.closure_reason = reason
    case.aftercare_check_in_on = aftercare_check_in_on
    fields = ["status", "closed_at", "closure_reason", "aftercare_check_in_on"]
    _bump(case, fields)
    audit_log(action=Action.UPDATE, actor=by, obj=case, fields=fields)
    _event(case, "closed", f"Case closed: {ClosureReason(reason).label}", by)
    Alert.objects.filter(case=case, resolved_at__isnull=True).update(resolved_at=case.closed_at)
    return case


@transaction.atomic
def case_reopen(*, case: Case, by: User, version: int | None) -> Case:
    """Reopen a closed case; the closure stays in the timeline."""
    case = _locked(case, version)
    if case.status == CaseStatus.OPEN:
        raise CaseError(_("This case is already open."))
    case.status = CaseStatus.OPEN
    case.closed_at = None
    case.closure_reason = ""
    fields = ["status", "closed_at", "closure_reason"]
    _bump(case, fields)
    audit_log(action=Action.UPDATE, actor=by, obj=case, fields=fields)
    _event(case, "reopened", "Case reopened", by)
    return case


# --- care team --------------------------------------------------------------------------------


@transaction.atomic
def care_team_add(
    *,
    case: Case,
    by: User,
    user: User,
    organisation: Organisation,
    team_role: str,
    is_lead: bool = False,
) -> CareTeamMember:
    """Add ``user`` to the care team for ``organisation`` (where they must hold a case role)."""
    case = _locked(case, None)
    _require_open(case)
    if team_role not in TeamRole.values:
        raise CaseError(_("Unknown team role."))
    if not may_represent(user, organisation.pk):
        raise CaseError(
            _("%(user)s has no case role at %(org)s.") % {"user": user, "org": organisation}
        )
    if case.team.filter(user=user, removed_at__isnull=True).exists():
        raise CaseError(_("%(user)s is already on the care team.") % {"user": user})
    if is_lead:
        case.team.filter(removed_at__isnull=True, is_lead=True).update(is_lead=False)
    member = CareTeamMember.objects.create(
        case=case,
        user=user,
        organisation=organisation,
        team_role=team_role,
        is_lead=is_lead,
        added_by=by,
        added_at=_now(),
    )
    audit_log(action=Action.CREATE, actor=by, obj=member)
    _event(case, "team_added", f"{user} ({organisation.name}) joined the care team", by)
    return member


@transaction.atomic
def care_team_remove(*, member: CareTeamMember, by: User) -> CareTeamMember:
    """Take a member off the team (the row stays, with the date: history is kept)."""
    member = CareTeamMember.objects.select_for_update().get(pk=member.pk)
    if member.removed_at is not None:
        raise CaseError(_("Already removed from the care team."))
    member.removed_at = _now()
    member.removed_by = by
    member.is_lead = False
    member.save(update_fields=["removed_at", "removed_by", "is_lead"])
    audit_log(action=Action.UPDATE, actor=by, obj=member, fields=["removed_at", "is_lead"])
    _event(member.case, "team_removed", f"{member.user} left the care team", by)
    return member


@transaction.atomic
def care_team_set_lead(*, member: CareTeamMember, by: User) -> CareTeamMember:
    """Make ``member`` the team's one lead."""
    case = _locked(member.case, None)
    member = CareTeamMember.objects.select_for_update().get(pk=member.pk)
    if member.removed_at is not None:
        raise CaseError(_("That person is no longer on the care team."))
    case.team.filter(removed_at__isnull=True, is_lead=True).exclude(pk=member.pk).update(
        is_lead=False
    )
    if not member.is_lead:
        member.is_lead = True
        member.save(update_fields=["is_lead"])
        audit_log(action=Action.UPDATE, actor=by, obj=member, fields=["is_lead"])
        _event(case, "team_lead", f"{member.user} is now the lead", by)
    return member


# --- consent ----------------------------------------------------------------------------------


def _clean_scope(scope: Iterable[str]) -> list[str]:
    values = sorted(set(scope))
    unknown = set(values) - set(SharedField.values)
    if unknown:
        raise CaseError(_("Unknown information to share."))
    return values


@transaction.atomic
def consent_grant(
    *,
    case: Case,
    by: User,
    organisation: Organisation,
    scope: Iterable[str],
    valid_from: date,
    valid_until: date | None,
    given_by: str,
) -> Consent:
    """Record consent to share ``scope`` with ``organisation`` from ``valid_from``."""
    _require_open(case)
    values = _clean_scope(scope)
    if not values:
        raise CaseError(_("Choose what may be shared."))
    if given_by not in ConsentGiver.values:
        raise CaseError(_("Say who gave consent."))
    _not_future(valid_from, _("The date consent was given"))
    if valid_until is not None and valid_until < valid_from:
        raise CaseError(_("Consent cannot end before it starts."))
    consent = Consent.objects.create(
        case=case,
        organisation=organisation,
        scope=values,
        valid_from=valid_from,
        valid_until=valid_until,
        given_by=given_by,
        recorded_by=by,
    )
    audit_log(action=Action.CREATE, actor=by, obj=consent, fields=values)
    _event(case, "consent", f"Consent to share with {organisation.name}", by)
    return consent


@transaction.atomic
def consent_revoke(*, consent: Consent, by: User) -> Consent:
    """Withdraw a consent from now on (referrals already sent keep what they received)."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is not None:
        raise CaseError(_("This consent was already withdrawn."))
    consent.revoked_at = _now()
    consent.revoked_by = by
    consent.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(action=Action.UPDATE, actor=by, obj=consent, fields=["revoked_at"])
    _event(consent.case, "consent_revoked", "Consent withdrawn", by)
    return consent


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


# --- stabilisation ----------------------------------------------------------------------------


@transaction.atomic
def stabilisation_item_done(
    *, item: StabilisationItem, by: User, done_at: datetime | None = None
) -> StabilisationItem:
    """Tick a checklist item (``done_at`` may be earlier, never in the future or before the
    case opened)."""
    item = StabilisationItem.objects.select_for_update().select_related("case").get(pk=item.pk)
    if item.done_at is not None:
        raise CaseError(_("This item is already done."))
    done_at = done_at or _now()
    _not_future(done_at, _("The time it was done"))
    if done_at < item.case.opened_at - timedelta(days=1):
        raise CaseError(_("The time it was done is before the case was opened."))
    item.done_at = done_at
    item.done_by = by
    item.save(update_fields=["done_at", "done_by"])
    audit_log(action=Action.UPDATE, actor=by, obj=item, fields=["done_at"])
    _event(item.case, "stabilisation", f"Done: {StabilisationKind(item.kind).label}", by)
    _resolve_alert(item.case, f"item:{item.pk}")
    return item


@transaction.atomic
def stabilisation_item_assign(
    *, item: StabilisationItem, by: User, owner_id: int
) -> StabilisationItem:
    """Give a checklist item to an active member of the care team (open items of open cases)."""
    item = StabilisationItem.objects.select_for_update().select_related("case").get(pk=item.pk)
    _require_open(item.case)
    if item.done_at is not None:
        raise CaseError(_("This item is already done."))
    member = (
        CareTeamMember.objects.filter(
            case=item.case, user_id=owner_id, removed_at__isnull=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    if member is None:
        raise CaseError(_("Give the item to someone on the care team."))
    if item.owner_id == member.user_id:
        return item
    item.owner = member.user
    item.save(update_fields=["owner"])
    audit_log(action=Action.UPDATE, actor=by, obj=item, fields=["owner"])
    _event(
        item.case,
        "stabilisation",
        f"{StabilisationKind(item.kind).label}: now owned by {member.user.username}",
        by,
    )
    return item


# --- contacts ---------------------------------------------------------------------------------


@transaction.atomic
def contact_add(*, case: Case, by: User, kind: str, at: datetime, note: str = "") -> Contact:
    """Log a contact with the youth (not in the future, not before the case opened). A closed
    case takes contacts from its aftercare check-in date on: the aftercare check-in."""
    aftercare = aftercare_contact_allowed(case)
    if not aftercare:
        _require_open(case)
    elif timezone.localdate(at) < case.aftercare_check_in_on:  # type: ignore[operator]
        raise CaseError(_("An aftercare contact is on or after the check-in date."))
    if kind not in ContactKind.values:
        raise CaseError(_("Unknown kind of contact."))
    _check_length("note", note)
    _not_future(at, _("The contact time"))
    if at < case.opened_at - timedelta(days=1):
        raise CaseError(_("The contact time is before the case was opened."))
    contact = Contact.objects.create(case=case, kind=kind, by=by, at=at, note=note.strip())
    audit_log(action=Action.CREATE, actor=by, obj=contact)
    label = ContactKind(kind).label
    _event(
        case, "contact", f"Aftercare contact ({label})" if aftercare else f"Contact ({label})", by
    )
    _resolve_alert(case, "no_contact")
    if (
        case.aftercare_check_in_on is not None
        and timezone.localdate(at) >= case.aftercare_check_in_on
    ):
        _resolve_alert(case, _aftercare_key(case.aftercare_check_in_on))
    return contact


# --- referrals --------------------------------------------------------------------------------

# Who moves a referral where: the receiving agency answers and reports progress; the sender's
# side (the care team) revokes or reopens.
AGENCY_TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.SENT, ReferralStatus.WAITLISTED}),
    ReferralStatus.DECLINED: frozenset(
        {ReferralStatus.SENT, ReferralStatus.WAITLISTED, ReferralStatus.ACCEPTED}
    ),
    ReferralStatus.FIRST_CONTACT: frozenset({ReferralStatus.ACCEPTED}),
    ReferralStatus.COMPLETED: frozenset({ReferralStatus.FIRST_CONTACT}),
    ReferralStatus.DROPPED: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.FIRST_CONTACT}),
}
OPEN_REFERRAL_STATUSES = frozenset(
    {
        ReferralStatus.SENT,
        ReferralStatus.WAITLISTED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.FIRST_CONTACT,
    }
)
CLOSED_REFERRAL_STATUSES = frozenset(
    {
        ReferralStatus.DECLINED,
        ReferralStatus.COMPLETED,
        ReferralStatus.DROPPED,
        ReferralStatus.REVOKED,
    }
)


@transaction.atomic
def referral_send(
    *,
    case: Case,
    by: User,
    service: Service,
    shared_fields: Iterable[str] = (),
    note: str = "",
    join_waitlist: bool = False,
) -> Referral:
    """Refer the youth to a directory service, sharing only what consent covers.

    A service that cannot take a referral now is refused, unless it keeps a waitlist and the
    sender chose to join it (``WaitlistOffered`` says so): the referral is then "waitlisted".
    """
    case = _locked(case, None)
    _require_open(case)
    _check_length("note", note)
    fields = _clean_scope(shared_fields)
    availability = service_availability(service=service)
    if availability.can_refer_now:
        status = ReferralStatus.SENT
    elif availability.waitlist_offered:
        if not join_waitlist:
            raise WaitlistOffered(
                _("%(service)s is full but keeps a waitlist. Join the waitlist?")
                % {"service": service.name}
            )
        status = ReferralStatus.WAITLISTED
    else:
        raise CaseError(
            _("%(service)s cannot take referrals now (%(status)s).")
            % {"service": service.name, "status": availability.status.label}
        )
    outside = set(fields) - consented_fields(case=case, organisation_id=service.organisation_id)
    if outside:
        labels = ", ".join(str(SharedField(f).label) for f in sorted(outside))
        raise CaseError(
            _("No consent to share this with %(org)s: %(fields)s.")
            % {"org": service.organisation.name, "fields": labels}
        )
    if Referral.objects.filter(
        case=case, service=service, status__in=list(OPEN_REFERRAL_STATUSES)
    ).exists():
        raise CaseError(_("There is already an open referral to this service."))
    now = _now()
    referral = Referral.objects.create(
        case=case,
        service=service,
        sender=by,
        status=status,
        shared_fields=fields,
        note=note.strip(),
        sent_at=now,
        status_changed_at=now,
    )
    ReferralEvent.objects.create(referral=referral, to_status=status, by=by, at=now)
    audit_log(action=Action.CREATE, actor=by, obj=referral, fields=fields)
    _event(case, "referral", f"Referral to {service.name}: {ReferralStatus(status).label}", by)
    return referral


def _transition(
    referral: Referral,
    *,
    to: str,
    allowed_from: frozenset[str],
    by: User,
    note: str = "",
    version: int | None = None,
) -> Referral:
    referral = (
        Referral.objects.select_for_update().select_related("case", "service").get(pk=referral.pk)
    )
    if version is not None and referral.version != version:
        raise CaseError(_("Someone else updated this referral; review it again."))
    if referral.status not in allowed_from:
        raise CaseError(
            _("A referral that is “%(status)s” cannot become “%(to)s”.")
            % {
                "status": ReferralStatus(referral.status).label,
                "to": ReferralStatus(to).label,
            }
        )
    _check_length("note", note)
    now = _now()
    ReferralEvent.objects.create(
        referral=referral, from_status=referral.status, to_status=to, by=by, at=now, note=note
    )
    referral.status = to
    referral.status_changed_at = now
    referral.version = F("version") + 1
    fields = ["status", "status_changed_at", "version", "updated_at"]
    if to == ReferralStatus.DECLINED:
        referral.decline_reason = note.strip()
        fields.append("decline_reason")
    referral.save(update_fields=fields)
    referral.refresh_from_db(fields=["version"])
    audit_log(action=Action.UPDATE, actor=by, obj=referral, fields=["status"])
    _event(
        referral.case,
        "referral",
        f"Referral to {referral.service.name}: {ReferralStatus(to).label}",
        by,
    )
    _resolve_alert(referral.case, f"referral:{referral.pk}:unanswered", at=now)
    return referral


@transaction.atomic
def referral_answer(
    *, referral: Referral, by: User, to: str, note: str = "", version: int | None = None
) -> Referral:
    """The receiving agency accepts, declines (with a reason), records first contact,
    completes or drops a referral."""
    if to not in AGENCY_TRANSITIONS:
        raise CaseError(_("Unknown referral step."))
    if to == ReferralStatus.DECLINED and not note.strip():
        raise CaseError(_("Give the reason for declining."))
    return _transition(
        referral, to=to, allowed_from=AGENCY_TRANSITIONS[to], by=by, note=note, version=version
    )


@transaction.atomic
def referral_revoke(*, referral: Referral, by: User, note: str = "") -> Referral:
    """The care team withdraws an open referral."""
    return _transition(
        referral,
        to=ReferralStatus.REVOKED,
        allowed_from=OPEN_REFERRAL_STATUSES,
        by=by,
        note=note,
    )


@transaction.atomic
def referral_reopen(*, referral: Referral, by: User, note: str) -> Referral:
    """The care team sends a closed referral again (a note says why); it starts as "sent"."""
    if not note.strip():
        raise CaseError(_("Say why the referral is reopened."))
    _require_open(referral.case)
    if Referral.objects.filter(
        case=referral.case, service=referral.service, status__in=list(OPEN_REFERRAL_STATUSES)
    ).exists():
        raise CaseError(_("There is already an open referral to this service."))
    referral = _transition(
        referral,
        to=ReferralStatus.SENT,
        allowed_from=CLOSED_REFERRAL_STATUSES,
        by=by,
        note=note,
    )
    referral.sent_at = referral.status_changed_at
    referral.save(update_fields=["sent_at"])
    _resolve_alert(referral.case, f"referral:{referral.pk}:declined")
    return referral


# --- break-glass ------------------------------------------------------------------------------

MIN_BREAK_GLASS_REASON = 20


@transaction.atomic
def break_glass(*, case: Case, by: User, reason: str) -> BreakGlass:
    """Grant ``by`` a time-limited read of a case outside their care teams (audited as
    BREAK_GLASS; the reason is kept encrypted for the coordinators' review)."""
    reason = reason.strip()
    if len(reason) < MIN_BREAK_GLASS_REASON:
        raise CaseError(
            _("Explain why you need this case now (at least %(n)d characters).")
            % {"n": MIN_BREAK_GLASS_REASON}
        )
    _check_length("reason", reason)
    now = _now()
    grant = BreakGlass.objects.create(
        case=case,
        user=by,
        reason=reason,
        created_at=now,
        expires_at=now + timedelta(minutes=BREAK_GLASS_MINUTES),
    )
    # The free-text reason may name people: the audit entry points to the grant instead.
    audit_log(action=Action.BREAK_GLASS, actor=by, obj=case, reason=f"break-glass {grant.pk}")
    _event(case, "break_glass", f"Break-glass read by {by}", by)
    return grant


@transaction.atomic
def break_glass_review(*, grant: BreakGlass, by: User) -> BreakGlass:
    """A coordinator marks a break-glass read as reviewed."""
    grant = BreakGlass.objects.select_for_update().get(pk=grant.pk)
    if grant.reviewed_at is None:
        grant.reviewed_at = _now()
        grant.reviewed_by = by
        grant.save(update_fields=["reviewed_at", "reviewed_by"])
        audit_log(action=Action.UPDATE, actor=by, obj=grant, fields=["reviewed_at"])
    return grant


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


def _conditions(now: datetime) -> list[_Condition]:
    found: list[_Condition] = []
    open_cases = Case.objects.filter(status=CaseStatus.OPEN)

    # No contact in NO_CONTACT_DAYS (counted from the opening when there is none yet).
    quiet_since = now - timedelta(days=NO_CONTACT_DAYS)
    recent = Contact.objects.filter(case=OuterRef("pk"), at__gte=quiet_since)
    quiet = open_cases.filter(~Exists(recent), opened_at__lt=quiet_since)
    for case_id in quiet.values_list("pk", flat=True):
        found.append(
            _Condition(
                case_id,
                AlertKind.NO_CONTACT,
                "no_contact",
                f"No contact with the youth in {NO_CONTACT_DAYS} days.",
                None,
            )
        )

    # Referrals not answered in REFERRAL_ANSWER_BUSINESS_DAYS working days.
    for ref_id, case_id, sent_at, service_name in Referral.objects.filter(
        case__status=CaseStatus.OPEN,
        status=ReferralStatus.SENT,
        sent_at__lt=now - timedelta(days=REFERRAL_ANSWER_BUSINESS_DAYS),
    ).values_list("pk", "case_id", "sent_at", "service__name"):
        due = add_business_days(sent_at, REFERRAL_ANSWER_BUSINESS_DAYS)
        if due < now:
            found.append(
                _Condition(
                    case_id,
                    AlertKind.REFERRAL_UNANSWERED,
                    f"referral:{ref_id}:unanswered",
                    f"Referral to {service_name} not answered in "
                    f"{REFERRAL_ANSWER_BUSINESS_DAYS} business days.",
                    due,
                )
            )

    # Stabilisation items past due.
    for item_id, case_id, kind, due_at in StabilisationItem.objects.filter(
        case__status=CaseStatus.OPEN, done_at__isnull=True, due_at__lt=now
    ).values_list("pk", "case_id", "kind", "due_at"):
        found.append(
            _Condition(
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
            _Condition(case_id, AlertKind.NO_LEAD, "no_lead", "The care team has no lead.", None)
        )

    # Declined after the agency had accepted.
    accepted = ReferralEvent.objects.filter(to_status=ReferralStatus.ACCEPTED).values("referral_id")
    for ref_id, case_id, service_name in Referral.objects.filter(
        case__status=CaseStatus.OPEN, status=ReferralStatus.DECLINED, pk__in=accepted
    ).values_list("pk", "case_id", "service__name"):
        found.append(
            _Condition(
                case_id,
                AlertKind.DECLINED_AFTER_ACCEPTANCE,
                f"referral:{ref_id}:declined",
                f"{service_name} declined a referral it had accepted.",
                None,
            )
        )
    found.extend(_record_conditions(now))  # service plan and missing episodes (case records)
    found.extend(_action_item_conditions(now))
    return found


def _action_item_conditions(now: datetime) -> list[_Condition]:
    """MDT action items past their due date (heatwatch.meetings), on open cases."""
    from heatwatch.meetings.selectors import overdue_action_items  # meetings builds on cases

    return [
        _Condition(
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


def _aftercare_conditions(now: datetime) -> list[_Condition]:
    today = timezone.localdate(now)
    checked_in = Contact.objects.filter(
        case=OuterRef("pk"), at__date__gte=OuterRef("aftercare_check_in_on")
    )
    due = Case.objects.filter(
        ~Exists(checked_in), status=CaseStatus.CLOSED, aftercare_check_in_on__lte=today
    )
    found: list[_Condition] = []
    for case_id, day in due.values_list("pk", "aftercare_check_in_on"):
        if day is None:  # excluded by the filter; for the type checker
            continue
        found.append(
            _Condition(
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


def _setting(name: str, default: int) -> int:
    # Read when used (not at import) so an installation's or a test's override applies.
    return int(getattr(settings, name, default))


def resolved_quiet_days() -> int:
    """Days during which a condition resolved by hand is not raised again."""
    return _setting("HEATWATCH_CASES_RESOLVED_QUIET_DAYS", 7)


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
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    program = settings.HEATWATCH_PROGRAM["name"]
    lines = [
        f"- {a.case.reference}: {AlertKind(a.kind).label} "
        f"{base}{reverse('cases:detail', args=[a.case_id])}"
        for a in alerts[:DIGEST_LINES]
    ]
    if len(alerts) > DIGEST_LINES:
        lines.append(f"… and {len(alerts) - DIGEST_LINES} more: {base}{reverse('cases:list')}")
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
    hours = _setting("HEATWATCH_CASES_ESCALATE_HOURS", 48)
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


# --- editing the youth's details --------------------------------------------------------------

_YOUTH_FIELDS = (
    "legal_name",
    "aliases",
    "date_of_birth",
    "estimated_age",
    "gender",
    "languages",
    "city",
    "in_foster_care",
    "on_probation",
    "guardian_contact",
    "safety_notes",
)
# The fields identity matching compares: a change updates the identity register record.
_IDENTITY_FIELDS = frozenset({"legal_name", "aliases", "date_of_birth", "gender", "city"})


class StaleYouth(StaleCase):
    """Someone else changed the youth's details since this form was loaded."""


def _youth_values(data: YouthInput) -> dict[str, object]:
    return {
        "legal_name": data.legal_name.strip(),
        "aliases": "; ".join(a.strip() for a in data.aliases if a.strip()),
        "date_of_birth": data.date_of_birth,
        "estimated_age": data.estimated_age,
        "gender": data.gender,
        "languages": data.languages.strip()[:100],
        "city": data.city.strip(),
        "in_foster_care": data.in_foster_care,
        "on_probation": data.on_probation,
        "guardian_contact": data.guardian_contact.strip(),
        "safety_notes": data.safety_notes.strip(),
    }


def _sync_identity(youth: Youth, data: YouthInput, by: User) -> None:
    """Bring the youth's identity register record in line with the edited details."""
    if youth.person_id is None:
        return
    source_id = _youth_source_id(youth)
    identity = replace(data.identity_input(), source_record_id=source_id)
    record = record_of_source(person_id=youth.person_id, source="cases", source_record_id=source_id)
    if record is not None:
        identity_record_update(record=record, data=identity, by=by)
        return
    # Youths opened before the register record carried the youth's id: add a record with the
    # corrected details to the (surviving) person, so matching finds the youth by them.
    person = Person.objects.get(pk=youth.person_id)
    while person.merged_into is not None:
        person = person.merged_into
    identity_record_create(data=identity, person=person, by=by)


@transaction.atomic
def youth_update(*, case: Case, by: User, data: YouthInput, version: int | None) -> Youth:
    """Correct or complete the youth's details after intake (every intake field). ``version``
    is the youth's version the form was loaded with: a concurrent edit raises ``StaleYouth``
    and saves nothing. Audited with the names of the changed fields, never their values."""
    _validate_youth(data)
    youth = Youth.objects.select_for_update().get(pk=case.youth_id)
    if version is not None and youth.version != version:
        raise StaleYouth(
            _(
                "Someone else changed the youth's details while you were editing them. Your "
                "changes were not saved; review the details again."
            )
        )
    values = _youth_values(data)
    changed = [name for name in _YOUTH_FIELDS if getattr(youth, name) != values[name]]
    if not changed:
        return youth
    for name in changed:
        setattr(youth, name, values[name])
    youth.version = F("version") + 1
    youth.save(update_fields=[*changed, "version", "updated_at"])
    youth.refresh_from_db(fields=["version"])
    if _IDENTITY_FIELDS.intersection(changed):
        _sync_identity(youth, data, by)
    audit_log(action=Action.UPDATE, actor=by, obj=youth, fields=changed)
    _event(case, "youth_updated", f"Youth's details updated ({', '.join(changed)})", by)
    return youth


# --- deleting records (restricted) ------------------------------------------------------------
# Deleting needs the restricted permission cases.delete_case_records (granted by an
# administrator to named people; no role has it) and a reason. The reason may say things about
# the youth, so it is stored encrypted inside the DELETE audit entry (the audit log keeps
# plain text otherwise); the case timeline says what kind of record went, not why.
#
# DELETABLE is the whitelist: a model not in it cannot be deleted here. Each whitelisted model
# other than Case has a ``case`` attribute. Add a model with its label (and, if needed, a
# check in _DELETE_CHECKS that raises CaseError when that record must not be deleted).

DELETE_PERMISSION = "cases.delete_case_records"
MIN_DELETE_REASON = 10
MAX_DELETE_REASON = 1000
DELETION_REASON_CONTEXT = "audit.auditentry.deletion_reason"
_DELETION_REASON_PREFIX = "deletion reason (encrypted): "

DELETABLE: dict[type[models.Model], str] = {
    Contact: "contact",
    Consent: "consent",
    Referral: "referral",
    StabilisationItem: "stabilisation item",
    CareTeamMember: "care-team membership",
    Case: "case",
}


class DeletionRefused(CaseError):
    """The user may not delete, or the record may not be deleted."""


def _referral_deletable(referral: models.Model) -> None:
    if not isinstance(referral, Referral):
        return
    answered = referral.events.exclude(
        to_status__in=[ReferralStatus.SENT, ReferralStatus.WAITLISTED, ReferralStatus.REVOKED]
    )
    if answered.exists():
        raise DeletionRefused(
            _(
                "The agency has answered this referral, so it is part of their record too. "
                "Revoke it instead."
            )
        )


_DELETE_CHECKS: dict[type[models.Model], Callable[[models.Model], None]] = {
    Referral: _referral_deletable,
}


def can_delete_records(user: Any) -> bool:
    """Does ``user`` hold the restricted permission to delete case records?"""
    return bool(getattr(user, "is_active", False) and user.has_perm(DELETE_PERMISSION))


def deletion_reason(entry_reason: str) -> str | None:
    """The plain reason of a DELETE audit entry written by record_delete (for a reviewer)."""
    if not entry_reason.startswith(_DELETION_REASON_PREFIX):
        return None
    return crypto.decrypt(
        entry_reason.removeprefix(_DELETION_REASON_PREFIX), context=DELETION_REASON_CONTEXT
    )


def _sealed_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_DELETE_REASON:
        raise CaseError(
            _("Say why this is deleted (at least %(n)d characters).") % {"n": MIN_DELETE_REASON}
        )
    if len(reason) > MAX_DELETE_REASON:
        raise CaseError(
            _("The reason is too long (at most %(n)d characters).") % {"n": MAX_DELETE_REASON}
        )
    sealed = _DELETION_REASON_PREFIX + crypto.encrypt(reason, context=DELETION_REASON_CONTEXT)
    if len(sealed) > 2000:  # the audit log's limit; only very wide characters get here
        raise CaseError(_("The reason is too long."))
    return sealed


def _delete_case(case: Case, by: User, sealed: str) -> None:
    youth = case.youth
    reference = case.reference
    audit_log(action=Action.DELETE, actor=by, obj=case, reason=sealed)
    try:
        with transaction.atomic():
            case.delete()
    except ProtectedError as exc:
        raise DeletionRefused(
            _("Other records still refer to this case (%(what)s); remove them first.")
            % {
                "what": ", ".join(
                    sorted({str(o._meta.verbose_name) for o in exc.protected_objects})
                )
            }
        ) from None
    if youth.cases.exists():
        return
    record = (
        record_of_source(
            person_id=youth.person_id, source="cases", source_record_id=_youth_source_id(youth)
        )
        if youth.person_id is not None
        else None
    )
    audit_log(action=Action.DELETE, actor=by, obj=youth, reason=f"case {reference} deleted")
    youth.delete()
    if record is not None:
        identity_record_delete(record=record, by=by, reason=f"case {reference} deleted")


@transaction.atomic
def record_delete(*, obj: models.Model, by: User, reason: str) -> None:
    """Delete one whitelisted case record (or a whole case created in error, with its youth and
    the youth's identity register record). Needs the restricted permission and a reason of at
    least 10 characters; audited as DELETE with the reason encrypted; a sub-record's deletion
    is in the case's timeline."""
    label = DELETABLE.get(type(obj))
    if label is None:
        raise DeletionRefused(_("This kind of record cannot be deleted."))
    if not can_delete_records(by):
        raise DeletionRefused(_("Deleting case records needs a permission you do not have."))
    sealed = _sealed_reason(reason)
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    check = _DELETE_CHECKS.get(type(obj))
    if check is not None:
        check(obj)
    if isinstance(obj, Case):
        _delete_case(obj, by, sealed)
        return
    case: Case = obj.case  # type: ignore[attr-defined]
    audit_log(action=Action.DELETE, actor=by, obj=obj, reason=sealed)
    pk = obj.pk
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError:
        raise DeletionRefused(
            _("Other records still refer to this %(what)s; remove them first.") % {"what": label}
        ) from None
    if isinstance(obj, Referral):
        Alert.objects.filter(
            case=case, key__startswith=f"referral:{pk}:", resolved_at__isnull=True
        ).update(resolved_at=_now())
    if isinstance(obj, StabilisationItem):
        _resolve_alert(case, f"item:{pk}")
    _event(case, "deleted", f"Deleted a {label} (reason in the audit log)", by)


# === Case records: service plan, identification, placements, missing episodes, court ===========
# docs/cases.md "Case records". Timeline summaries name only choices and dates; the free text
# (goal and step descriptions, notes, places, references, provider names) stays encrypted.


def plan_review_grace_days() -> int:
    """Days after a plan's review date before the "review overdue" alert."""
    return int(getattr(settings, "HEATWATCH_CASES_PLAN_REVIEW_GRACE_DAYS", 0))


def missing_report_hours() -> int:
    """The missing-person report to the police and the report to the national missing-children
    centre are due this many hours after the youth went missing."""
    return int(getattr(settings, "HEATWATCH_CASES_MISSING_REPORT_HOURS", 24))


def missing_open_hours() -> int:
    """An episode still open after this many hours raises "missing for more than N hours"."""
    return int(getattr(settings, "HEATWATCH_CASES_MISSING_OPEN_HOURS", 24))


RECORD_TEXT_LIMITS = {
    "description": 2_000,
    "notes": 5_000,
    "provider_name": 200,
    "reference": 100,
    "found_where": 500,
    "docket_number": 60,
    "court_name": 150,
    "tool_name": 100,
    "tool_version": 30,
}


def _text(name: str, value: str, *, required: str | None = None) -> str:
    """``value`` stripped; raises when it is too long, or empty and ``required`` (the
    message)."""
    value = (value or "").strip()
    if required and not value:
        raise CaseError(required)
    if len(value) > RECORD_TEXT_LIMITS[name]:
        raise CaseError(_("%(field)s is too long.") % {"field": name.replace("_", " ")})
    return value


def _stale(current: int, version: int | None, what: str) -> None:
    if version is not None and current != version:
        raise CaseError(
            _(
                "Someone else changed this %(what)s while you were editing it. Your changes "
                "were not saved; review it again."
            )
            % {"what": what}
        )


def _is_team_member(case: Case, user: User) -> bool:
    return case.team.filter(user=user, removed_at__isnull=True).exists()


def _not_before(value: datetime, start: datetime, message: str) -> None:
    if value < start:
        raise CaseError(message)


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
    goal = PlanGoal.objects.select_for_update().select_related("case").get(pk=goal.pk)
    _require_open(goal.case)
    _stale(goal.version, version, _("goal"))
    if goal.status == status:
        raise CaseError(_("The goal is already “%(s)s”.") % {"s": GoalStatus(status).label})
    previous = GoalStatus(goal.status).label
    goal.status = status
    goal.status_changed_at = _now()
    goal.version += 1
    goal.save(update_fields=["status", "status_changed_at", "version", "updated_at"])
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
        _stale(plan.version, version, _("service plan"))
    now = _now()
    fields = ["next_review_on", "version", "updated_at"]
    plan.next_review_on = next_review_on
    if reviewed:
        plan.last_reviewed_at = now
        plan.last_reviewed_by = by
        fields += ["last_reviewed_at", "last_reviewed_by"]
    plan.version += 1
    plan.save(update_fields=fields)
    audit_log(action=Action.UPDATE, actor=by, obj=plan, fields=fields[:1] + fields[3:])
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
        raise CaseError(
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
    placement = Placement.objects.select_for_update().select_related("case").get(pk=placement.pk)
    _require_open(placement.case)
    _stale(placement.version, version, _("placement"))
    if placement.ended_on is not None:
        raise CaseError(_("This placement has already ended."))
    _not_future(ended_on, _("The end of the placement"))
    if ended_on < placement.started_on:
        raise CaseError(_("A placement cannot end before it starts."))
    placement.ended_on = ended_on
    placement.version += 1
    placement.save(update_fields=["ended_on", "version", "updated_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=placement, fields=["ended_on"])
    _event(
        placement.case,
        "placement",
        f"Placement ended: {PlacementKind(placement.kind).label} on {ended_on.isoformat()} "
        f"({placement.length_of_stay()} days)",
        by,
    )
    return placement


# --- missing episodes ------------------------------------------------------------------------


class MissingReport:
    POLICE = "police"
    NATIONAL = "national"
    LABELS = {
        POLICE: "Missing-person report to the police",
        NATIONAL: "Report to the national missing-children centre",
    }


def missing_reports_due_at(episode: MissingEpisode) -> datetime:
    """When the missing-person and national-centre reports are due."""
    return episode.started_at + timedelta(hours=missing_report_hours())


@transaction.atomic
def missing_start(
    *, case: Case, by: User, started_at: datetime, reported_by: str
) -> MissingEpisode:
    """Record that the youth is missing (one open episode at a time)."""
    if reported_by not in MissingReporter.values:
        raise CaseError(_("Say who reported the youth missing."))
    _not_future(started_at, _("The time the youth went missing"))
    case = _locked(case, None)
    _require_open(case)
    if case.missing_episodes.filter(returned_at__isnull=True).exists():
        raise CaseError(
            _("An episode is already open. Record the youth's return before a new episode.")
        )
    if case.missing_episodes.filter(
        started_at__lte=started_at, returned_at__gt=started_at
    ).exists():
        raise CaseError(_("This time falls inside an earlier missing episode."))
    episode = MissingEpisode.objects.create(
        case=case, started_at=started_at, reported_by=reported_by, recorded_by=by
    )
    audit_log(action=Action.CREATE, actor=by, obj=episode)
    _event(
        case,
        "missing",
        f"Missing since {timezone.localtime(started_at):%Y-%m-%d %H:%M} "
        f"(reported by {MissingReporter(reported_by).label.lower()})",
        by,
    )
    return episode


def _locked_episode(episode: MissingEpisode, version: int | None) -> MissingEpisode:
    episode = MissingEpisode.objects.select_for_update().select_related("case").get(pk=episode.pk)
    _require_open(episode.case)
    _stale(episode.version, version, _("missing episode"))
    return episode


def _save_episode(episode: MissingEpisode, by: User, fields: list[str], summary: str) -> None:
    episode.version += 1
    episode.save(update_fields=[*fields, "version", "updated_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=episode, fields=fields)
    _event(episode.case, "missing", summary, by)


@transaction.atomic
def missing_report_record(
    *,
    episode: MissingEpisode,
    by: User,
    which: str,
    at: datetime,
    reference: str = "",
    version: int | None = None,
) -> MissingEpisode:
    """Record that the police (``which`` "police") or the national missing-children centre
    ("national") report was made, when, and its reference (encrypted)."""
    if which not in MissingReport.LABELS:
        raise CaseError(_("Unknown report."))
    reference = _text("reference", reference)
    episode = _locked_episode(episode, version)
    _not_future(at, _("The time of the report"))
    _not_before(at, episode.started_at, _("The report cannot be before the youth went missing."))
    if getattr(episode, f"{which}_report_at") is not None:
        raise CaseError(_("This report is already recorded."))
    setattr(episode, f"{which}_report_at", at)
    setattr(episode, f"{which}_reference", reference)
    late = " (late)" if at > missing_reports_due_at(episode) else ""
    _save_episode(
        episode,
        by,
        [f"{which}_report_at", f"{which}_reference"],
        f"{MissingReport.LABELS[which]} recorded{late}",
    )
    if episode.police_report_at and episode.national_report_at:
        _resolve_alert(episode.case, f"missing:{episode.pk}:reports")
    return episode


@transaction.atomic
def missing_return(
    *,
    episode: MissingEpisode,
    by: User,
    returned_at: datetime,
    found_where: str = "",
    version: int | None = None,
) -> MissingEpisode:
    """Record the youth's return and where they were found (encrypted)."""
    found_where = _text("found_where", found_where)
    episode = _locked_episode(episode, version)
    if episode.returned_at is not None:
        raise CaseError(_("The return is already recorded."))
    _not_future(returned_at, _("The return"))
    _not_before(
        returned_at, episode.started_at, _("The return cannot be before the youth went missing.")
    )
    episode.returned_at = returned_at
    episode.found_where = found_where
    hours = int((returned_at - episode.started_at).total_seconds() // 3600)
    _save_episode(
        episode,
        by,
        ["returned_at", "found_where"],
        f"Returned from missing episode after {hours} hours",
    )
    _resolve_alert(episode.case, f"missing:{episode.pk}:open")
    return episode


@transaction.atomic
def missing_debrief(
    *,
    episode: MissingEpisode,
    by: User,
    at: datetime,
    notes: str = "",
    version: int | None = None,
) -> MissingEpisode:
    """Record the debrief with the youth on their return (by ``by``; notes encrypted)."""
    notes = _text("notes", notes)
    episode = _locked_episode(episode, version)
    if episode.returned_at is None:
        raise CaseError(_("Record the youth's return before the debrief."))
    if episode.debrief_at is not None:
        raise CaseError(_("The debrief is already recorded."))
    _not_future(at, _("The debrief"))
    _not_before(at, episode.returned_at, _("The debrief cannot be before the return."))
    episode.debrief_at = at
    episode.debrief_by = by
    episode.debrief_notes = notes
    _save_episode(
        episode, by, ["debrief_at", "debrief_by", "debrief_notes"], "Return debrief recorded"
    )
    return episode


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
    matter = CourtMatter.objects.select_for_update().select_related("case").get(pk=matter.pk)
    _require_open(matter.case)
    _stale(matter.version, version, _("court matter"))
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
    matter.version += 1
    matter.save(update_fields=[*fields, "version", "updated_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=matter, fields=fields)
    state = "closed" if status == CourtStatus.CLOSED else _hearing_text(matter)
    _event(matter.case, "court", f"Court: {CourtKind(matter.kind).label}, {state}", by)
    return matter


# --- deletion ----------------------------------------------------------------------------------
# Records entered in error are deleted through record_delete (restricted permission, reason,
# audited, in the timeline); a goal takes its steps with it. Alerts of a deleted episode or
# plan are resolved by the next alerts_refresh (their condition no longer holds).
DELETABLE.update(
    {
        PlanGoal: "service-plan goal",
        Identification: "exploitation status entry",
        Screening: "screening",
        Placement: "placement",
        MissingEpisode: "missing episode",
        CourtMatter: "court matter",
    }
)


# --- alerts of the case records (added to _conditions) ----------------------------------------


def _record_conditions(now: datetime) -> list[_Condition]:
    found: list[_Condition] = []
    today = timezone.localdate(now)

    # Service-plan review overdue: the review date plus the grace days has passed.
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
            _Condition(
                case_id,
                AlertKind.PLAN_REVIEW_OVERDUE,
                "plan_review",
                f"Service-plan review overdue (was due {review_on.isoformat()}).",
                due,
            )
        )

    episodes = MissingEpisode.objects.filter(case__status=CaseStatus.OPEN)
    # Reports not recorded by the deadline (also after the youth returned: they are owed).
    for ep_id, case_id, started_at, police_at, national_at in episodes.filter(
        Q(police_report_at__isnull=True) | Q(national_report_at__isnull=True),
        started_at__lt=now - timedelta(hours=missing_report_hours()),
    ).values_list("pk", "case_id", "started_at", "police_report_at", "national_report_at"):
        owed = [
            label
            for at, label in ((police_at, "police"), (national_at, "national centre"))
            if at is None
        ]
        found.append(
            _Condition(
                case_id,
                AlertKind.MISSING_REPORTS_DUE,
                f"missing:{ep_id}:reports",
                f"Missing episode: {' and '.join(owed)} report{'s' if len(owed) > 1 else ''} "
                f"not recorded within {missing_report_hours()} hours.",
                started_at + timedelta(hours=missing_report_hours()),
            )
        )

    # Still missing after missing_open_hours().
    for ep_id, case_id, started_at in episodes.filter(
        returned_at__isnull=True, started_at__lt=now - timedelta(hours=missing_open_hours())
    ).values_list("pk", "case_id", "started_at"):
        found.append(
            _Condition(
                case_id,
                AlertKind.MISSING_OVER_24H,
                f"missing:{ep_id}:open",
                f"The youth has been missing for more than {missing_open_hours()} hours.",
                started_at + timedelta(hours=missing_open_hours()),
            )
        )
    return found
