"""Missing episodes: the youth went missing, the reports owed (police, national centre),
the return and the debrief; and their alerts (reports late, still missing after N hours).

The place found and the debrief notes are encrypted; timeline summaries name times only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
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
    MissingEpisode,
    MissingReporter,
)
from heatwatch.cases.services._base import (
    CaseError,
    StaleRecord,
    _event,
    _locked,
    _not_before,
    _not_future,
    _require_open,
    _resolve_alert,
    _stale_message,
    _text,
    missing_open_hours,
    missing_report_hours,
)
from heatwatch.lib.versioning import bump, locked

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
    episode = locked(
        MissingEpisode,
        episode.pk,
        version=version,
        stale=StaleRecord,
        message=_stale_message(_("missing episode")),
        related=["case"],
    )
    _require_open(episode.case)
    return episode


def _save_episode(episode: MissingEpisode, by: User, fields: list[str], summary: str) -> None:
    bump(episode, fields)
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


# --- alerts of the missing episodes -----------------------------------------------------------


def missing_conditions(now: datetime) -> list[AlertCondition]:
    """Reports not recorded by their deadline; a youth still missing after the set hours."""
    found: list[AlertCondition] = []
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
            AlertCondition(
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
            AlertCondition(
                case_id,
                AlertKind.MISSING_OVER_24H,
                f"missing:{ep_id}:open",
                f"The youth has been missing for more than {missing_open_hours()} hours.",
                started_at + timedelta(hours=missing_open_hours()),
            )
        )
    return found
