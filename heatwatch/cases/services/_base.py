"""What every part of the case services shares: the domain errors, the youth's intake data,
the limits, the settings (read when used, so an installation's or a test's override applies),
and small helpers for the timeline, locking and alerts."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import User
from heatwatch.cases.models import Alert, Case, CaseEvent, CaseStatus, Gender
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.selectors import Candidate
from heatwatch.lib.versioning import StaleEdit, bump, locked

# --- settings (defaults in heatwatch/settings.py; docs/cases.md) ------------------------------


def stabilisation_hours() -> int:
    """Hours after opening within which the stabilisation checklist is due."""
    return int(settings.HEATWATCH_CASES_STABILISATION_HOURS)


def no_contact_days() -> int:
    """Days without a contact with the youth before the "no contact" alert."""
    return int(settings.HEATWATCH_CASES_NO_CONTACT_DAYS)


def referral_answer_business_days() -> int:
    """Working days a receiving agency has to answer a referral."""
    return int(settings.HEATWATCH_CASES_REFERRAL_ANSWER_BUSINESS_DAYS)


def break_glass_minutes() -> int:
    """How long a break-glass read lasts."""
    return int(settings.HEATWATCH_CASES_BREAK_GLASS_MINUTES)


def match_review_probability() -> float:
    """Candidates at or above this probability must be looked at before a new person."""
    return float(settings.HEATWATCH_CASES_MATCH_PROBABILITY)


def escalate_hours() -> int:
    """Hours an alert may stay unacknowledged before it is escalated to the coordinators."""
    return int(settings.HEATWATCH_CASES_ESCALATE_HOURS)


def resolved_quiet_days() -> int:
    """Days during which a condition resolved by hand is not raised again."""
    return int(settings.HEATWATCH_CASES_RESOLVED_QUIET_DAYS)


def plan_review_grace_days() -> int:
    """Days after a plan's review date before the "review overdue" alert."""
    return int(settings.HEATWATCH_CASES_PLAN_REVIEW_GRACE_DAYS)


def missing_report_hours() -> int:
    """The missing-person report to the police and the report to the national missing-children
    centre are due this many hours after the youth went missing."""
    return int(settings.HEATWATCH_CASES_MISSING_REPORT_HOURS)


def missing_open_hours() -> int:
    """An episode still open after this many hours raises "missing for more than N hours"."""
    return int(settings.HEATWATCH_CASES_MISSING_OPEN_HOURS)


# --- limits and errors ------------------------------------------------------------------------

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


class StaleCase(CaseError, StaleEdit):
    """Someone else changed the case since this form was loaded (no lost update)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this case while you were editing it. Your changes were "
                "not saved; review the case again."
            )
        )


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
            # "about 15": matched as a range of birth years when there is no date of birth
            age=self.estimated_age if not self.date_of_birth else None,
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
    """The case, locked; ``StaleCase`` when ``version`` is given and the case moved on."""
    return locked(Case, case.pk, version=version, stale=StaleCase)


def _bump(case: Case, fields: list[str]) -> None:
    bump(case, fields)


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


class StaleRecord(CaseError, StaleEdit):
    """Someone else changed a case record (goal, placement, episode…) since it was loaded."""


def _stale_message(what: str) -> str:
    return _(
        "Someone else changed this %(what)s while you were editing it. Your changes "
        "were not saved; review it again."
    ) % {"what": what}


def _is_team_member(case: Case, user: User) -> bool:
    return case.team.filter(user=user, removed_at__isnull=True).exists()


def _not_before(value: datetime, start: datetime, message: str) -> None:
    if value < start:
        raise CaseError(message)
