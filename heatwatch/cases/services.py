"""Writes for cases: intake, care team, consent, stabilisation, referrals, contacts, closure,
break-glass and alerts.

Every function is atomic and audits in the same transaction as its change. Permission checks
("may this user do this to this case") happen in the views (permissions.py); these functions
enforce the domain rules and raise ``CaseError`` with a message safe to show. Participation in
an investigation or prosecution is recorded on the case and never consulted here.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Organisation, OrganisationType, User
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
    Consent,
    ConsentGiver,
    Contact,
    ContactKind,
    Gender,
    IntakeSource,
    Participation,
    Referral,
    ReferralEvent,
    ReferralStatus,
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
from heatwatch.identity.selectors import Candidate, find_candidates
from heatwatch.identity.services import identity_record_create

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
    record = identity_record_create(data=data.identity_input(), person=person, by=by)
    youth = Youth.objects.create(
        person_id=record.person_id,
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
    Alert.objects.filter(case=item.case, key=f"item:{item.pk}", resolved_at__isnull=True).update(
        resolved_at=_now()
    )
    return item


# --- contacts ---------------------------------------------------------------------------------


@transaction.atomic
def contact_add(*, case: Case, by: User, kind: str, at: datetime, note: str = "") -> Contact:
    """Log a contact with the youth (not in the future, not before the case opened)."""
    _require_open(case)
    if kind not in ContactKind.values:
        raise CaseError(_("Unknown kind of contact."))
    _check_length("note", note)
    _not_future(at, _("The contact time"))
    if at < case.opened_at - timedelta(days=1):
        raise CaseError(_("The contact time is before the case was opened."))
    contact = Contact.objects.create(case=case, kind=kind, by=by, at=at, note=note.strip())
    audit_log(action=Action.CREATE, actor=by, obj=contact)
    _event(case, "contact", f"Contact ({ContactKind(kind).label})", by)
    Alert.objects.filter(case=case, key="no_contact", resolved_at__isnull=True).update(
        resolved_at=_now()
    )
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
    Alert.objects.filter(
        case=referral.case,
        key=f"referral:{referral.pk}:unanswered",
        resolved_at__isnull=True,
    ).update(resolved_at=now)
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
    Alert.objects.filter(
        case=referral.case, key=f"referral:{referral.pk}:declined", resolved_at__isnull=True
    ).update(resolved_at=_now())
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
    return found


@transaction.atomic
def alerts_refresh(*, now: datetime | None = None) -> list[Alert]:
    """Raise an alert for each condition that holds and resolve those that no longer do.
    Idempotent: one open alert per case and condition. Returns the alerts raised now."""
    now = now or _now()
    conditions = {(c.case_id, c.key): c for c in _conditions(now)}
    open_alerts = {(a.case_id, a.key): a for a in Alert.objects.filter(resolved_at__isnull=True)}
    stale = [a.pk for k, a in open_alerts.items() if k not in conditions]
    if stale:
        Alert.objects.filter(pk__in=stale).update(resolved_at=now)
    raised: list[Alert] = []
    for key, condition in conditions.items():
        if key in open_alerts:
            continue
        try:
            with transaction.atomic():
                raised.append(
                    Alert.objects.create(
                        case_id=condition.case_id,
                        kind=condition.kind,
                        key=condition.key,
                        message=condition.message,
                        due_at=condition.due_at,
                        raised_at=now,
                    )
                )
        except IntegrityError:
            continue  # raised by a concurrent run
    return raised
