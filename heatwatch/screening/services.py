"""Writes for screening: loading questionnaire versions, drafts that save as they go,
completion and scoring, the one-step referral, intake and attaching a result to a case.

A screening informs; it never gates a service: nothing in cases or tips reads a concern level
to allow or refuse anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Organisation, User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.cases import services as case_services
from heatwatch.cases.models import Case, IntakeSource
from heatwatch.lib.versioning import StaleEdit, assign, bump, locked
from heatwatch.screening import engine
from heatwatch.screening.models import (
    ConcernLevel,
    Questionnaire,
    QuestionnaireVersion,
    ResultStatus,
    ScreeningResult,
    Setting,
    VersionStatus,
)
from heatwatch.screening.permissions import (
    can_take_to_intake,
    may_screen,
    screening_organisations,
)

MAX_LABEL = 40
# The project's own red-flag questionnaire (English and Spanish), loaded by the demo seed and
# by ``heatwatch screening default``.
DEFAULT_QUESTIONNAIRE = Path(__file__).parent / "instruments" / "red-flags-school-health.json"


class ScreeningError(Exception):
    """A screening action that cannot be done; the message is safe to show."""


class StaleScreening(ScreeningError, StaleEdit):
    """The draft was saved elsewhere (another tab) since this form was loaded."""


class ScreeningIncomplete(ScreeningError):
    """Completion refused: items are unanswered. The draft was saved all the same."""

    def __init__(self, message: str, missing: tuple[str, ...]) -> None:
        super().__init__(message)
        self.missing = missing


# --- questionnaire versions -------------------------------------------------------------------


@transaction.atomic
def questionnaire_load(
    *, text: str, by: User | None, publish: bool = True, allow_licensed: bool = True
) -> tuple[QuestionnaireVersion, bool]:
    """Load a questionnaire file (engine format); returns (version, created).

    The same slug and version loaded again with the same content changes nothing; with other
    content it is refused (a version never changes: give the file a new version). With
    ``publish`` the version is put in use and the one before it retired (drafts in progress
    keep the version they started with)."""
    definition = engine.load_text(text)
    if definition.licensed and not allow_licensed:
        raise engine.DefinitionError(
            "a licensed instrument is loaded by the program that holds the licence",
            field="licensed",
        )
    questionnaire, _created = Questionnaire.objects.get_or_create(slug=definition.slug)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    existing = questionnaire.versions.filter(number=definition.version).first()
    if existing is not None:
        if existing.checksum != definition.checksum():
            raise engine.DefinitionError(
                f"version {definition.version} of {definition.slug} is already loaded with "
                "other content; give the file a new version number",
                field="version",
            )
        return existing, False
    latest = questionnaire.versions.order_by("-number").first()
    if latest is not None and latest.number > definition.version:
        raise engine.DefinitionError(
            f"version {latest.number} is already loaded; a new version must be higher",
            field="version",
        )
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=definition.version,
        title=definition.title.en[:200],
        definition=definition.data,
        checksum=definition.checksum(),
        licensed=definition.licensed,
        loaded_by=by,
    )
    audit_log(action=Action.CREATE, actor=by, obj=version, reason=definition.slug)
    if publish:
        version = version_publish(version=version, by=by)
    return version, True


@transaction.atomic
def version_update_draft(
    *, version: QuestionnaireVersion, text: str, by: User | None
) -> QuestionnaireVersion:
    """Replace a draft version's definition (admin screens). Published versions never change."""
    version = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ScreeningError(_("A version in use or retired never changes; make a new version."))
    definition = engine.load_text(text)
    if definition.slug != version.questionnaire.slug or definition.version != version.number:
        raise engine.DefinitionError(
            "slug and version must stay those of this draft", field="version"
        )
    version.definition = definition.data
    version.checksum = definition.checksum()
    version.title = definition.title.en[:200]
    version.licensed = definition.licensed
    version.save(update_fields=["definition", "checksum", "title", "licensed"])
    audit_log(action=Action.UPDATE, actor=by, obj=version, fields=["definition"])
    return version


@transaction.atomic
def version_publish(*, version: QuestionnaireVersion, by: User | None) -> QuestionnaireVersion:
    """Put a draft version in use; the version in use before it is retired."""
    version = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == VersionStatus.PUBLISHED:
        return version
    if version.status == VersionStatus.RETIRED:
        raise ScreeningError(_("A retired version cannot be put back in use; load a new one."))
    engine.from_data(version.definition)  # still valid
    now = timezone.now()
    for old in QuestionnaireVersion.objects.select_for_update().filter(
        questionnaire=version.questionnaire, status=VersionStatus.PUBLISHED
    ):
        old.status = VersionStatus.RETIRED
        old.save(update_fields=["status"])
        audit_log(action=Action.UPDATE, actor=by, obj=old, fields=["status"])
    version.status = VersionStatus.PUBLISHED
    version.published_at = now
    version.save(update_fields=["status", "published_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=version, fields=["status"])
    return version


# --- filling a screening ----------------------------------------------------------------------


@dataclass(frozen=True)
class DraftInput:
    """What the screening form carries (every field optional in a draft)."""

    answers: dict[str, Any]
    youth_label: str = ""
    youth_age: int | None = None
    setting: str = Setting.SCHOOL
    in_danger: bool = False


def _check_input(data: DraftInput) -> None:
    if len(data.youth_label.strip()) > MAX_LABEL:
        raise ScreeningError(
            _("Give only a first name or initials (at most %(n)d characters).") % {"n": MAX_LABEL}
        )
    if data.youth_age is not None and not 5 <= data.youth_age <= 25:
        raise ScreeningError(_("The age must be from 5 to 25."))
    if data.setting not in Setting.values:
        raise ScreeningError(_("Choose where you met the youth."))


@transaction.atomic
def screening_start(
    *,
    by: User,
    version: QuestionnaireVersion,
    organisation: Organisation,
    language: str = "en",
    data: DraftInput | None = None,
) -> ScreeningResult:
    """Start a draft screening with the given questionnaire version."""
    if not may_screen(by):
        raise ScreeningError(_("You may not fill screenings."))
    if organisation.pk not in {o.pk for o in screening_organisations(by)}:
        raise ScreeningError(_("You can only screen for an organisation you work for."))
    if version.status != VersionStatus.PUBLISHED:
        raise ScreeningError(_("This questionnaire is not in use."))
    data = data or DraftInput(answers={})
    _check_input(data)
    definition = engine.from_data(version.definition)
    result = ScreeningResult.objects.create(
        questionnaire_version=version,
        screener=by,
        organisation=organisation,
        language="es" if language.startswith("es") else "en",
        setting=data.setting,
        youth_label=data.youth_label.strip(),
        youth_age=data.youth_age,
        answers=json.dumps(engine.clean_answers(definition, data.answers)),
        in_danger=data.in_danger,
    )
    audit_log(action=Action.CREATE, actor=by, obj=result, organisation=organisation)
    return result


def _own_draft(result: ScreeningResult, by: User, version: int | None) -> ScreeningResult:
    current = locked(
        ScreeningResult,
        result.pk,
        version=version,
        stale=StaleScreening,
        message=_(
            "This screening was saved from another window since you opened it. Your last "
            "change was not saved; open the screening again."
        ),
        related=["questionnaire_version"],
    )
    if current.screener_id != by.pk:
        raise ScreeningError(_("Only the person who started a screening can fill it."))
    if current.status != ResultStatus.DRAFT:
        raise ScreeningError(_("This screening is completed; start a new one to screen again."))
    return current


def _apply(result: ScreeningResult, data: DraftInput) -> list[str]:
    definition = engine.from_data(result.questionnaire_version.definition)
    return assign(
        result,
        {
            "answers": json.dumps(engine.clean_answers(definition, data.answers), sort_keys=True),
            "youth_label": data.youth_label.strip(),
            "youth_age": data.youth_age,
            "setting": data.setting,
            "in_danger": data.in_danger,
        },
    )


@transaction.atomic
def screening_save_draft(
    *, result: ScreeningResult, by: User, data: DraftInput, version: int | None
) -> ScreeningResult:
    """Save a draft as it is, complete or not (each change is posted as it is made, so a
    closed tab loses nothing). ``version`` is the draft's version the form carries."""
    _check_input(data)
    result = _own_draft(result, by, version)
    changed = _apply(result, data)
    if changed:
        bump(result, changed)
        audit_log(action=Action.UPDATE, actor=by, obj=result, fields=changed)
    return result


def screening_complete(
    *, result: ScreeningResult, by: User, data: DraftInput, version: int | None
) -> ScreeningResult:
    """Save, then score: every item must be answered ("Don't know" counts as an answer).
    Unanswered items raise ``ScreeningIncomplete`` after the draft is saved, so nothing typed
    is lost."""
    result = screening_save_draft(result=result, by=by, data=data, version=version)
    with transaction.atomic():
        result = _own_draft(result, by, result.version)
        definition = engine.from_data(result.questionnaire_version.definition)
        scored = engine.score(definition, json.loads(result.answers or "{}"))
        if scored.unanswered:
            raise ScreeningIncomplete(
                _(
                    "Answer every question to see the result (%(n)d left). “Don't know” is an "
                    "answer. Your answers so far are saved as a draft."
                )
                % {"n": len(scored.unanswered)},
                scored.unanswered,
            )
        result.status = ResultStatus.COMPLETED
        result.score = Decimal(str(scored.score))
        result.level = scored.level
        result.next_step = scored.next_step.as_data()
        result.unknown_count = scored.unknown
        result.completed_at = timezone.now()
        bump(result, ["status", "score", "level", "next_step", "unknown_count", "completed_at"])
        audit_log(
            action=Action.UPDATE,
            actor=by,
            obj=result,
            fields=["status", "level"],
            reason=f"completed: {scored.level}",
        )
    return result


@transaction.atomic
def screening_discard(*, result: ScreeningResult, by: User) -> None:
    """Delete a draft (nothing of it is kept)."""
    result = _own_draft(result, by, None)
    audit_log(action=Action.DELETE, actor=by, obj=result)
    result.delete()


# --- the one-step referral and intake ---------------------------------------------------------


@transaction.atomic
def screening_refer(*, result: ScreeningResult, by: User) -> ScreeningResult:
    """ "Clear concern": send the screening to the coordinators, who open the case intake
    (identity matching runs there). Done once; the coordinators are e-mailed on commit."""
    result = locked(ScreeningResult, result.pk, version=None)
    if result.screener_id != by.pk:
        raise ScreeningError(_("Only the person who filled the screening can refer it."))
    if result.status != ResultStatus.COMPLETED or result.level != ConcernLevel.CLEAR:
        raise ScreeningError(_("Only a completed screening with a clear concern is referred."))
    if result.referred_at is not None:
        return result
    result.referred_at = timezone.now()
    result.save(update_fields=["referred_at", "updated_at"])
    audit_log(
        action=Action.UPDATE,
        actor=by,
        obj=result,
        fields=["referred_at"],
        reason="referred to the coordinators for intake",
    )
    from heatwatch.screening import tasks

    transaction.on_commit(lambda: tasks.notify_referral.enqueue(result_id=result.pk))
    return result


def _check_can_attach(result: ScreeningResult, by: User) -> None:
    if not can_take_to_intake(by):
        raise ScreeningError(_("Only coordinators open cases from screenings."))
    if result.status != ResultStatus.COMPLETED:
        raise ScreeningError(_("Only a completed screening can go on a case."))
    if result.case_id is not None:
        raise ScreeningError(_("This screening is already on a case."))


@transaction.atomic
def screening_attach(*, result: ScreeningResult, case: Case, by: User) -> ScreeningResult:
    """Put a completed result on a case: the case's screening row comes from here (tool,
    version, date, level) and the case page shows the result in full."""
    result = locked(ScreeningResult, result.pk, version=None, related=["questionnaire_version"])
    _check_can_attach(result, by)
    version = result.questionnaire_version
    completed = timezone.localdate(result.completed_at or timezone.now())
    try:
        row = case_services.screening_record(
            case=case,
            by=result.screener,
            tool_name=version.title[:100],
            tool_version=f"v{version.number}",
            screened_on=completed,
            result=result.level,
            notes=f"From screening {result.reference} (score {result.score}).",
        )
    except case_services.CaseError as exc:
        raise ScreeningError(str(exc)) from exc
    result.case = case
    result.case_screening = row
    result.attached_at = timezone.now()
    result.attached_by = by
    result.save(
        update_fields=["case", "case_screening", "attached_at", "attached_by", "updated_at"]
    )
    audit_log(
        action=Action.UPDATE,
        actor=by,
        obj=result,
        fields=["case"],
        reason=f"attached to case {case.reference}",
    )
    return result


def screening_attach_by_reference(
    *, result: ScreeningResult, reference: str, by: User
) -> ScreeningResult:
    """Attach to an existing case named by its reference (the youth already has a case)."""
    from heatwatch.cases.selectors import case_visible_by_reference

    case = case_visible_by_reference(user=by, reference=reference.strip().upper())
    if case is None:
        raise ScreeningError(_("No case you may open has this reference."))
    return screening_attach(result=result, case=case, by=by)


def screening_open_case(
    *,
    result: ScreeningResult,
    by: User,
    data: case_services.YouthInput,
    organisation: Organisation,
    person_id: int | None,
    confirm_new_person: bool,
) -> Case:
    """Open the case intake for a referred screening: the cases intake service runs identity
    matching (``IdentityCheckRequired`` with the candidates), then the result is attached.

    Not one transaction: the intake's identity lookup is audited in its own, as at every
    intake; if attaching failed after the case was opened, the coordinator attaches the
    result by the case's reference."""
    _check_can_attach(result, by)
    case = case_services.case_open_from_intake(
        data=data,
        by=by,
        intake_source=IntakeSource.SCREENING,
        organisation=organisation,
        person_id=person_id,
        confirm_new_person=confirm_new_person,
    )
    screening_attach(result=result, case=case, by=by)
    return case


def intake_initial(result: ScreeningResult) -> dict[str, Any]:
    """What the intake form starts with for a referred screening."""
    age = result.youth_age
    return {
        "legal_name": result.youth_label,
        "estimated_age": age,
        "intake_source": IntakeSource.SCREENING,
        "safety_notes": _("From screening %(ref)s (clear concern).") % {"ref": result.reference}
        + (" " + _("The screener said the youth may be in danger.") if result.in_danger else ""),
    }


def result_url(result: ScreeningResult) -> str:
    return reverse("screening:result", args=[result.pk])
