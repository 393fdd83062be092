"""Opening a case and the youth's details: identity matching at intake (one youth, one
record), the youth, the case, the opener on the care team, the 72-hour stabilisation checklist,
the tip the case comes from; and later corrections of the youth's details, kept in step with
the identity register.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Organisation, OrganisationType, User
from heatwatch.audit.models import Action, Outcome
from heatwatch.audit.services import audit_log
from heatwatch.cases.models import (
    CareTeamMember,
    Case,
    CaseStatus,
    IntakeSource,
    StabilisationItem,
    StabilisationKind,
    TeamRole,
    Youth,
)
from heatwatch.cases.permissions import may_represent
from heatwatch.cases.selectors import LOOKUP_CONTEXT, LOOKUP_PREFIX
from heatwatch.cases.services._base import (
    CaseError,
    IdentityCheckRequired,
    StaleCase,
    YouthInput,
    _event,
    _new_reference,
    _now,
    _validate_youth,
    match_review_probability,
    stabilisation_hours,
)
from heatwatch.core import ratelimit
from heatwatch.identity.models import Person
from heatwatch.identity.selectors import Candidate, find_candidates, record_of_source
from heatwatch.identity.services import (
    identity_record_create,
    identity_record_update,
)
from heatwatch.lib import crypto
from heatwatch.lib.versioning import assign, bump, locked
from heatwatch.tips.models import Tip
from heatwatch.tips.permissions import tips_visible_to
from heatwatch.tips.services import tip_link_case

# --- intake -----------------------------------------------------------------------------------


# Identity lookups at intake show who may already be known, with how their details compare: an
# oracle for a youth's date of birth or city if anyone could probe it freely. So only the roles
# that open cases may run one (permissions.INTAKE_ROLES), every lookup is audited with its
# inputs (encrypted, for the coordinators' review) and the people it showed, and a user's
# lookups are limited per hour (HEATWATCH_CASES_INTAKE_LOOKUPS_PER_HOUR).
_LOOKUP_SCOPE = "cases.intake_lookup"


class IntakeLookupLimited(CaseError):
    """The user ran more identity lookups this hour than the limit allows."""


def _sealed_lookup(data: YouthInput, person_ids: list[int]) -> str:
    payload = {
        "legal_name": data.legal_name[:200],
        "aliases": [a[:100] for a in list(data.aliases)[:5]],
        "date_of_birth": data.date_of_birth.isoformat() if data.date_of_birth else None,
        "gender": data.gender,
        "city": data.city[:100],
        "shown": person_ids,
    }
    return LOOKUP_PREFIX + crypto.encrypt(
        json.dumps(payload, separators=(",", ":")), context=LOOKUP_CONTEXT
    )


def intake_candidates(*, data: YouthInput, by: User) -> list[Candidate]:
    """Existing people who may be this youth (identity matching), most probable first.

    Audited in its own transaction (an abandoned intake still leaves its entry) with the
    inputs encrypted; refused with ``IntakeLookupLimited`` (and audited as denied) past the
    hourly limit of lookups per user."""
    limit = int(settings.HEATWATCH_CASES_INTAKE_LOOKUPS_PER_HOUR)
    count = ratelimit.hit(scope=_LOOKUP_SCOPE, key=str(by.pk), window=timedelta(hours=1))
    if count > limit:
        with transaction.atomic():
            audit_log(
                action=Action.READ,
                actor=by,
                object_type="identity.person",
                outcome=Outcome.DENIED,
                reason=f"intake lookup refused: more than {limit} this hour",
            )
        raise IntakeLookupLimited(
            _(
                "You have looked up more youths than allowed in one hour (%(n)d). Try again "
                "later, or ask a coordinator."
            )
            % {"n": limit}
        )
    candidates = [
        c
        for c in find_candidates(data.identity_input(), limit=10)
        if c.probability >= match_review_probability()
    ]
    with transaction.atomic():
        audit_log(
            action=Action.READ,
            actor=by,
            object_type="identity.person",
            reason=_sealed_lookup(data, [c.person_id for c in candidates]),
        )
    return candidates


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
    if intake_source not in (IntakeSource.TIP, IntakeSource.RECOVERY):
        raise TipReferenceError(
            _("A tip reference goes with the source “Tip” or “Law-enforcement recovery”.")
        )
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


def case_open_from_intake(
    *,
    data: YouthInput,
    by: User,
    intake_source: str,
    organisation: Organisation,
    tip_reference: str = "",
    person: Person | None = None,
    person_id: int | None = None,
    confirm_new_person: bool = False,
    referrer: Organisation | None = None,
) -> Case:
    """Open a case for a youth: identity matching first, then the youth, the case, the opener
    on the care team and the 72-hour stabilisation checklist.

    Without a person, matching runs and ``IdentityCheckRequired`` (with the candidates) is
    raised unless ``confirm_new_person`` says the user looked and none is this youth. A person
    (``person`` or ``person_id``, as picked on the intake page) must be one that matching
    offers for these details: nobody attaches a case to a record they were not shown. The
    lookup is audited whether or not the case is opened (``intake_candidates``). ``referrer``
    is the organisation that referred the youth (a law-enforcement recovery: the officer's
    agency), named in the case's timeline.
    """
    _validate_youth(data)
    if intake_source not in IntakeSource.values:
        raise CaseError(_("Unknown intake source."))
    tip_reference = tip_reference.strip().upper()[:20]
    # Checked first, so a wrong reference is fixed before the identity step.
    _intake_tip(by=by, intake_source=intake_source, tip_reference=tip_reference)
    wanted = person.pk if person is not None else person_id
    if wanted is not None or not confirm_new_person:
        candidates = intake_candidates(data=data, by=by)
        if wanted is None and candidates:
            raise IdentityCheckRequired(candidates)
        if wanted is not None:
            if wanted not in {c.person_id for c in candidates}:
                raise CaseError(_("Pick one of the people matching found, or a new person."))
            person = Person.objects.get(pk=wanted)
    return _case_open(
        data=data,
        by=by,
        intake_source=intake_source,
        organisation=organisation,
        tip_reference=tip_reference,
        person=person,
        referrer=referrer,
    )


@transaction.atomic
def _case_open(
    *,
    data: YouthInput,
    by: User,
    intake_source: str,
    organisation: Organisation,
    tip_reference: str,
    person: Person | None,
    referrer: Organisation | None = None,
) -> Case:
    tip = _intake_tip(by=by, intake_source=intake_source, tip_reference=tip_reference)
    if person is not None:
        person = Person.objects.select_for_update().get(pk=person.pk)
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
    due = now + timedelta(hours=stabilisation_hours())
    StabilisationItem.objects.bulk_create(
        [StabilisationItem(case=case, kind=k, owner=by, due_at=due) for k in StabilisationKind]
    )
    _event(case, "opened", f"Case opened ({IntakeSource(intake_source).label})", by)
    if referrer is not None:
        _event(case, "referrer", f"Referred by {referrer.name}", by)
    if tip is not None:
        tip_link_case(tip=tip, by=by, case_reference=case.reference)
        _event(case, "tip_linked", f"Linked to tip {tip.reference}", by)
    return case


# --- a recovered youth (tips.extensions.RecoveryIntake) ------------------------------------


def case_open_from_recovery(
    *, form: Any, by: User, tip_reference: str, referrer: Organisation | None
) -> Case:
    """Open the case of a youth an officer recovered, from the intake form a coordinator
    filled on the tip's page: source "law-enforcement recovery", the tip linked, the officer's
    agency as referrer; identity matching as at every intake."""
    choice = form.cleaned_data["person_choice"]
    return case_open_from_intake(
        data=form.to_input(),
        by=by,
        intake_source=IntakeSource.RECOVERY,
        organisation=form.cleaned_data["organisation"],
        tip_reference=tip_reference,
        person_id=int(choice) if choice.isdigit() else None,
        confirm_new_person=choice == "new",
        referrer=referrer,
    )


def recovery_intake_initial(*, tip_reference: str) -> dict[str, Any]:
    """The intake form's starting values for a recovered youth."""
    return {"intake_source": IntakeSource.RECOVERY, "tip_reference": tip_reference}


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
    youth = locked(
        Youth,
        case.youth_id,
        version=version,
        stale=StaleYouth,
        message=_(
            "Someone else changed the youth's details while you were editing them. Your "
            "changes were not saved; review the details again."
        ),
    )
    values = _youth_values(data)
    changed = assign(youth, {name: values[name] for name in _YOUTH_FIELDS})
    if not changed:
        return youth
    bump(youth, changed)
    if _IDENTITY_FIELDS.intersection(changed):
        _sync_identity(youth, data, by)
    audit_log(action=Action.UPDATE, actor=by, obj=youth, fields=changed)
    _event(case, "youth_updated", f"Youth's details updated ({', '.join(changed)})", by)
    return youth
