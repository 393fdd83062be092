"""Writes for prosecution: prosecutions (defendant, charges, stages, outcome, assignment, the
youths linked), the youth-court docket (hearings and the care team's private calendar feed)
and entities linked across tips, cases and prosecutions.

Every function is keyword-only and atomic, audits in the same transaction as its change and
raises ``ProsecutionError`` with a message safe to show (``StaleProsecution`` /
``StaleHearing``, both ``lib.versioning.StaleEdit``, for a concurrent edit). Permission checks
happen in the views (permissions.py). Hearings reach the case's timeline through
``cases.services.case_event_record`` with code-written summaries only. Nothing here changes
what a care team may do: cases never reads a prosecution.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Membership, Organisation, OrganisationType, Role, User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.cases.models import Case, HearingKind
from heatwatch.cases.services import case_event_record
from heatwatch.lib.crypto import blind_index, normalise_for_index
from heatwatch.lib.versioning import StaleEdit, assign, bump, locked
from heatwatch.prosecution import statutes
from heatwatch.prosecution.models import (
    STAGE_ORDER,
    Charge,
    DefendantRole,
    DocketFeed,
    Entity,
    EntityKind,
    EntityLink,
    Hearing,
    LinkTarget,
    Outcome,
    Prosecution,
    ProsecutionYouth,
    Stage,
    StageDate,
)

TEXT_LIMITS = {"name": 200, "alias": 100, "sentence": 2000, "outcome": 4000, "department": 100}
MAX_ALIASES = 20
MAX_COUNTS = 99
FEED_TOKEN_CONTEXT = "prosecution.docketfeed.token"  # noqa: S105 - an index context


class ProsecutionError(Exception):
    """A domain rule refused the change; the message is safe to show."""


class StaleProsecution(ProsecutionError, StaleEdit):
    def __init__(self, message: str = "") -> None:
        StaleEdit.__init__(self, message)


class StaleHearing(ProsecutionError, StaleEdit):
    def __init__(self, message: str = "") -> None:
        StaleEdit.__init__(self, message)


def _now() -> datetime:
    return timezone.now()


def _text(name: str, value: str, *, required: str = "") -> str:
    value = value.strip()
    if required and not value:
        raise ProsecutionError(required)
    if len(value) > TEXT_LIMITS[name]:
        raise ProsecutionError(
            _("%(what)s is too long (at most %(n)d characters).")
            % {"what": name.capitalize(), "n": TEXT_LIMITS[name]}
        )
    return value


# --- prosecutions -----------------------------------------------------------------------------


@dataclass
class DefendantInput:
    name: str
    role: str
    aliases: list[str] = field(default_factory=list)
    date_of_birth: date | None = None


def _aliases(aliases: list[str]) -> str:
    cleaned = [a.strip() for a in aliases if a.strip()]
    if len(cleaned) > MAX_ALIASES:
        raise ProsecutionError(_("At most %(n)d aliases.") % {"n": MAX_ALIASES})
    for alias in cleaned:
        _text("alias", alias)
        if ";" in alias:
            raise ProsecutionError(_("An alias cannot contain “;”."))
    return "; ".join(cleaned)


def _defendant_values(data: DefendantInput) -> dict[str, object]:
    if data.role not in DefendantRole.values:
        raise ProsecutionError(_("Choose whether the defendant is an exploiter or a buyer."))
    if data.date_of_birth is not None and data.date_of_birth > timezone.localdate():
        raise ProsecutionError(_("The date of birth cannot be in the future."))
    return {
        "defendant_name": _text("name", data.name, required=_("The defendant's name is needed.")),
        "defendant_role": data.role,
        "defendant_aliases": _aliases(data.aliases),
        "defendant_date_of_birth": data.date_of_birth,
    }


def _holds(user: User | None, office: Organisation, role: str) -> bool:
    return (
        user is not None
        and Membership.objects.filter(
            user=user, organisation=office, role=role, is_active=True, user__is_active=True
        ).exists()
    )


def _check_assignees(office: Organisation, prosecutor: User | None, advocate: User | None) -> None:
    if prosecutor is not None and not _holds(prosecutor, office, Role.PROSECUTOR):
        raise ProsecutionError(_("The assigned prosecutor must be a prosecutor of this office."))
    if advocate is not None and not _holds(advocate, office, Role.ADVOCATE):
        raise ProsecutionError(_("The victim-witness advocate must be an advocate of this office."))


def _new_reference(now: datetime) -> str:
    for _attempt in range(20):
        candidate = f"P-{now:%Y}-{secrets.randbelow(10**6):06d}"
        if not Prosecution.objects.filter(reference=candidate).exists():
            return candidate
    raise ProsecutionError("could not allocate a prosecution reference")


@transaction.atomic
def prosecution_create(
    *,
    by: User,
    office: Organisation,
    defendant: DefendantInput,
    opened_on: date | None = None,
    prosecutor: User | None = None,
    advocate: User | None = None,
) -> Prosecution:
    """Open a prosecution at the investigation stage (dated ``opened_on``, today by default)."""
    if office.type != OrganisationType.PROSECUTION:
        raise ProsecutionError(_("A prosecution belongs to a prosecution office."))
    _check_assignees(office, prosecutor, advocate)
    now = _now()
    opened_on = opened_on or timezone.localdate(now)
    _not_future(opened_on)
    prosecution = Prosecution.objects.create(
        reference=_new_reference(now),
        office=office,
        prosecutor=prosecutor,
        advocate=advocate,
        created_by=by,
        stage=Stage.INVESTIGATION,
        **_defendant_values(defendant),
    )
    StageDate.objects.create(
        prosecution=prosecution,
        stage=Stage.INVESTIGATION,
        on=opened_on,
        recorded_by=by,
        recorded_at=now,
    )
    audit_log(action=Action.CREATE, actor=by, obj=prosecution, organisation=office)
    return prosecution


@transaction.atomic
def prosecution_update(
    *,
    prosecution: Prosecution,
    by: User,
    version: int,
    defendant: DefendantInput,
    prosecutor: User | None,
    advocate: User | None,
    outcome: str,
    sentence: str,
) -> Prosecution:
    """Edit the defendant, the assignment, the outcome and the sentence (versioned)."""
    record = locked(Prosecution, prosecution.pk, version=version, stale=StaleProsecution)
    if outcome not in Outcome.values:
        raise ProsecutionError(_("Choose an outcome from the list."))
    sentence = _text("sentence", sentence)
    if record.stage == Stage.CLOSED and not outcome:
        raise ProsecutionError(_("A closed prosecution needs its outcome."))
    _check_assignees(record.office, prosecutor, advocate)
    values = {
        **_defendant_values(defendant),
        "prosecutor_id": prosecutor.pk if prosecutor else None,
        "advocate_id": advocate.pk if advocate else None,
        "outcome": outcome,
        "sentence": sentence,
    }
    changed = assign(record, values)
    if changed:
        bump(record, changed)
        audit_log(
            action=Action.UPDATE,
            actor=by,
            obj=record,
            fields=[c.removesuffix("_id") for c in changed],
        )
    return record


def _not_future(on: date) -> None:
    if on > timezone.localdate():
        raise ProsecutionError(_("A stage's date cannot be in the future."))


def check_stage_order(dates: dict[str, date]) -> None:
    """Stage dates run in the order of the stages (a stage may be skipped, two stages may
    share a day); else ``ProsecutionError`` naming the two stages."""
    recorded = sorted(dates.items(), key=lambda item: STAGE_ORDER.index(item[0]))
    for (earlier, earlier_on), (later, later_on) in zip(recorded, recorded[1:], strict=False):
        if later_on < earlier_on:
            raise ProsecutionError(
                _(
                    "Stage dates must run in order: %(later)s (%(later_on)s) cannot come "
                    "before %(earlier)s (%(earlier_on)s)."
                )
                % {
                    "later": Stage(later).label,
                    "later_on": later_on.isoformat(),
                    "earlier": Stage(earlier).label,
                    "earlier_on": earlier_on.isoformat(),
                }
            )


@transaction.atomic
def stage_record(
    *, prosecution: Prosecution, by: User, stage: str, on: date, version: int
) -> Prosecution:
    """Record the date a stage was reached (or correct it). The prosecution's stage is the
    latest stage recorded. Dates must run in the order of the stages; closing needs the
    outcome. Versioned: a stale form saves nothing."""
    if stage not in STAGE_ORDER:
        raise ProsecutionError(_("Choose a stage from the list."))
    record = locked(Prosecution, prosecution.pk, version=version, stale=StaleProsecution)
    _not_future(on)
    dates = dict(record.stage_dates.values_list("stage", "on"))
    dates[stage] = on
    check_stage_order(dates)
    latest = max(dates, key=STAGE_ORDER.index)
    if latest == Stage.CLOSED and not record.outcome:
        raise ProsecutionError(_("Record the outcome before closing the prosecution."))
    StageDate.objects.update_or_create(
        prosecution=record,
        stage=stage,
        defaults={"on": on, "recorded_by": by, "recorded_at": _now()},
    )
    changed = assign(record, {"stage": latest})
    bump(record, changed)
    audit_log(action=Action.UPDATE, actor=by, obj=record, fields=["stage_dates", *changed])
    return record


@transaction.atomic
def charge_add(
    *, prosecution: Prosecution, by: User, statute: str, counts: int = 1, description: str = ""
) -> Charge:
    """Add a charge citing a statute of the configured list (statutes.py)."""
    found = statutes.statute_for(statute)
    if found is None:
        raise ProsecutionError(
            _("Unknown statute code “%(code)s”: use a code from the configured list.")
            % {"code": statute.strip()[:40]}
        )
    if not 1 <= counts <= MAX_COUNTS:
        raise ProsecutionError(_("Counts run from 1 to %(n)d.") % {"n": MAX_COUNTS})
    description = description.strip() or found.description
    if len(description) > statutes.MAX_DESCRIPTION:
        raise ProsecutionError(_("The description is too long."))
    record = locked(Prosecution, prosecution.pk, version=None)
    charge = Charge.objects.create(
        prosecution=record,
        statute=found.code,
        description=description,
        counts=counts,
        added_by=by,
        added_at=_now(),
    )
    bump(record)
    audit_log(action=Action.UPDATE, actor=by, obj=record, fields=["charges"])
    return charge


@transaction.atomic
def youth_link(*, prosecution: Prosecution, case: Case, by: User) -> ProsecutionYouth:
    """Link a youth (their case) to a prosecution as victim or witness. The caller has
    checked that ``by`` may see both. Recording it changes nothing for the care team."""
    if ProsecutionYouth.objects.filter(prosecution=prosecution, case=case).exists():
        raise ProsecutionError(_("This youth is already linked to the prosecution."))
    link = ProsecutionYouth.objects.create(
        prosecution=prosecution, case=case, added_by=by, added_at=_now()
    )
    audit_log(action=Action.UPDATE, actor=by, obj=prosecution, fields=["youths"])
    return link


# --- the youth-court docket -------------------------------------------------------------------


def _hearing_label(on: date, purpose: str) -> str:
    return _("%(date)s (%(purpose)s)") % {
        "date": on.isoformat(),
        "purpose": HearingKind(purpose).label,
    }


@transaction.atomic
def hearing_record(
    *,
    case: Case,
    by: User,
    on: date,
    department: str,
    purpose: str,
    at: time | None = None,
) -> Hearing:
    """Put a youth-court hearing on the case's docket; the case's timeline says so."""
    if purpose not in HearingKind.values:
        raise ProsecutionError(_("Choose the purpose of the hearing from the list."))
    department = _text("department", department, required=_("The department is needed."))
    hearing = Hearing.objects.create(
        case=case, on=on, at=at, department=department, purpose=purpose, recorded_by=by
    )
    case_event_record(
        case=case,
        kind="youth_court_hearing",
        summary=_("Youth-court hearing on the docket: %(hearing)s")
        % {"hearing": _hearing_label(on, purpose)},
        actor=by,
    )
    audit_log(action=Action.CREATE, actor=by, obj=hearing)
    return hearing


@transaction.atomic
def hearing_update(
    *,
    hearing: Hearing,
    by: User,
    version: int,
    outcome: str,
    next_on: date | None,
    next_purpose: str = "",
) -> tuple[Hearing, Hearing | None]:
    """Record a hearing's outcome and next date (versioned). With a next date and its
    purpose, the next hearing goes on the docket too (same department). Both reach the case's
    timeline without the outcome's text."""
    record = locked(Hearing, hearing.pk, version=version, stale=StaleHearing)
    outcome = _text("outcome", outcome)
    if next_on is not None and next_on <= record.on:
        raise ProsecutionError(_("The next date must come after the hearing."))
    if next_purpose and next_purpose not in HearingKind.values:
        raise ProsecutionError(_("Choose the purpose of the next hearing from the list."))
    if next_purpose and next_on is None:
        raise ProsecutionError(_("Give the next date for the next hearing."))
    changed = assign(record, {"outcome": outcome, "next_on": next_on})
    following = None
    if changed:
        bump(record, changed)
        audit_log(action=Action.UPDATE, actor=by, obj=record, fields=changed)
        summary = _("Youth-court hearing of %(hearing)s: outcome recorded") % {
            "hearing": _hearing_label(record.on, record.purpose)
        }
        if next_on is not None:
            summary += _("; next date %(date)s") % {"date": next_on.isoformat()}
        case_event_record(case=record.case, kind="youth_court_outcome", summary=summary, actor=by)
    if next_on is not None and next_purpose:
        exists = Hearing.objects.filter(case=record.case, on=next_on).exists()
        if not exists:
            following = hearing_record(
                case=record.case,
                by=by,
                on=next_on,
                department=record.department,
                purpose=next_purpose,
            )
    return record, following


@transaction.atomic
def feed_issue(*, case: Case, by: User) -> DocketFeed:
    """A new private calendar feed for the case's care team; the previous link stops."""
    now = _now()
    DocketFeed.objects.filter(case=case, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    feed = DocketFeed.objects.create(
        case=case,
        token=token,
        token_index=blind_index(token, context=FEED_TOKEN_CONTEXT),
        created_by=by,
        created_at=now,
    )
    audit_log(action=Action.SECURITY, actor=by, obj=case, reason="docket feed issued")
    return feed


@transaction.atomic
def feed_revoke(*, case: Case, by: User) -> int:
    """Stop the case's feed link; returns how many links were stopped (0 or 1)."""
    stopped = DocketFeed.objects.filter(case=case, revoked_at__isnull=True).update(
        revoked_at=_now()
    )
    if stopped:
        audit_log(action=Action.SECURITY, actor=by, obj=case, reason="docket feed revoked")
    return stopped


def feed_fetched(feed: DocketFeed) -> None:
    """Note when a calendar client last fetched the feed (shown to the team)."""
    DocketFeed.objects.filter(pk=feed.pk).update(last_fetched_at=_now())


# --- entities ---------------------------------------------------------------------------------

_PHONE_DIGITS = re.compile(r"\d")


def entity_normal_form(kind: str, value: str) -> str:
    """The form an entity is matched by: a handle without ``@`` or its address, a phone
    number's digits (a leading 1 of an 11-digit number dropped), else the text as typed
    (the blind index folds case and spaces)."""
    value = value.strip()
    if kind == EntityKind.HANDLE:
        bare = value.rstrip("/")
        if "://" in bare or "/" in bare:
            bare = bare.split("://", 1)[-1].rsplit("/", 1)[-1]
        bare = bare.lstrip("@").strip()
        if len(bare) < 3:
            raise ProsecutionError(_("A handle needs at least 3 characters."))
        return bare
    if kind == EntityKind.PHONE:
        digits = "".join(_PHONE_DIGITS.findall(value))
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if not 7 <= len(digits) <= 15:
            raise ProsecutionError(_("A phone number needs 7 to 15 digits."))
        return digits
    if len(normalise_for_index(value)) < 3:
        raise ProsecutionError(_("Give at least 3 characters."))
    if len(value) > TEXT_LIMITS["name"]:
        raise ProsecutionError(_("That is too long (at most 200 characters)."))
    return value


# The tip line indexes handles, names and places under its own contexts (tips/services.py);
# an entity carries the same digest so that the tips that mention it are found without
# plaintext. Phone numbers are not indexed by tips.
_TIP_CONTEXTS = {
    EntityKind.HANDLE: "tips.tipindex.handle",
    EntityKind.EXPLOITER: "tips.tipindex.name",
    EntityKind.BUYER: "tips.tipindex.name",
    EntityKind.VENUE: "tips.tipindex.location",
}


def entity_indexes(kind: str, value: str) -> tuple[str, str]:
    """(value_index, tip_digest) of a value of this kind."""
    if kind not in EntityKind.values:
        raise ProsecutionError(_("Choose what kind of entity this is."))
    normal = entity_normal_form(kind, value)
    context = _TIP_CONTEXTS.get(EntityKind(kind))
    return (
        blind_index(normal, context=f"prosecution.entity.{kind}"),
        blind_index(normal, context=context) if context else "",
    )


@transaction.atomic
def entity_add(*, kind: str, value: str, by: User) -> tuple[Entity, bool]:
    """The entity of this kind and value, created if new: (entity, created)."""
    value_index, tip_digest = entity_indexes(kind, value)
    existing = Entity.objects.filter(kind=kind, value_index=value_index).first()
    if existing is not None:
        return existing, False
    entity = Entity.objects.create(
        kind=kind,
        value=value.strip(),
        value_index=value_index,
        tip_digest=tip_digest,
        created_by=by,
        created_at=_now(),
    )
    audit_log(action=Action.CREATE, actor=by, obj=entity)
    return entity, True


@transaction.atomic
def entity_link(
    *,
    entity: Entity,
    by: User,
    tip_reference: str = "",
    case: Case | None = None,
    prosecution: Prosecution | None = None,
) -> EntityLink:
    """Say the entity was seen in a tip (by reference), a case or a prosecution. The caller
    has checked that ``by`` may see the target."""
    if sum(bool(t) for t in (tip_reference, case, prosecution)) != 1:
        raise ProsecutionError(_("Link to one tip, case or prosecution."))
    target = (
        LinkTarget.TIP if tip_reference else LinkTarget.CASE if case else LinkTarget.PROSECUTION
    )
    try:
        with transaction.atomic():
            link = EntityLink.objects.create(
                entity=entity,
                target=target,
                tip_reference=tip_reference,
                case=case,
                prosecution=prosecution,
                added_by=by,
                added_at=_now(),
            )
    except IntegrityError:
        raise ProsecutionError(_("That link is already recorded.")) from None
    audit_log(action=Action.UPDATE, actor=by, obj=entity, fields=[f"links.{target}"])
    return link
