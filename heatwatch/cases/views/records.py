"""Case records on the case page: service plan, identification, screening, placements,
missing episodes, court. Every action is a POST for team members and coordinators (a
break-glass reader gets 403, an outsider 404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heatwatch.accounts.permissions import staff_user
from heatwatch.cases import forms as record_forms
from heatwatch.cases import models as records
from heatwatch.cases import services
from heatwatch.cases.models import Case
from heatwatch.cases.views._page import (
    _one,
    _record_act,
    _simple,
    _workable_case,
    case_staff,
)


@case_staff
@require_POST
def plan_goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.plan_goal_add(
            case=case, by=staff_user(request), domain=d["domain"], description=d["description"]
        )
        return _("Goal added to the plan.")

    form = record_forms.PlanGoalForm(request.POST)
    return _record_act(request, case, form, "plan_goal_form", action, "case-plan")


@case_staff
@require_POST
def plan_goal_status(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    case = _workable_case(request, pk)
    goal = _one(case.plan_goals, goal_pk)

    def action(d: dict[str, Any]) -> str:
        services.plan_goal_set_status(
            goal=goal, by=staff_user(request), status=d["status"], version=d["version"]
        )
        return _("Goal updated.")

    form = record_forms.GoalStatusForm(request.POST, auto_id=f"goalstatusform-{goal.pk}-%s")
    return _record_act(request, case, form, "goal_status_form", action, "case-plan")


@case_staff
@require_POST
def plan_step_add(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    case = _workable_case(request, pk)
    goal = _one(case.plan_goals, goal_pk)

    def action(d: dict[str, Any]) -> str:
        services.plan_step_add(
            goal=goal,
            by=staff_user(request),
            description=d["description"],
            owner=d["owner"],
            due_on=d["due_on"],
        )
        return _("Step added.")

    form = record_forms.PlanStepForm(request.POST, case=case, auto_id=f"planstepform-{goal.pk}-%s")
    return _record_act(request, case, form, "plan_step_form", action, "case-plan")


@case_staff
@require_POST
def plan_step_done(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    def run(case: Case) -> str:
        step = _one(records.PlanStep.objects.filter(goal__case=case), step_pk)
        services.plan_step_done(step=step, by=staff_user(request))
        return _("Step marked done.")

    return _simple(request, pk, run)


@case_staff
@require_POST
def plan_review(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.plan_review_record(
            case=case,
            by=staff_user(request),
            next_review_on=d["next_review_on"],
            reviewed=d["reviewed"],
            version=d["version"],
        )
        return _("Plan review recorded.") if d["reviewed"] else _("Review date set.")

    form = record_forms.PlanReviewForm(request.POST)
    return _record_act(request, case, form, "plan_review_form", action, "case-plan")


@case_staff
@require_POST
def identification_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.identification_record(
            case=case,
            by=staff_user(request),
            status=d["status"],
            identified_when=d["identified_when"],
            identified_on=d["identified_on"],
            current_pk=d["current"],
        )
        return _("Exploitation status recorded.")

    form = record_forms.IdentificationForm(request.POST)
    return _record_act(request, case, form, "identification_form", action, "case-identification")


@case_staff
@require_POST
def screening_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.screening_record(
            case=case,
            by=staff_user(request),
            tool_name=d["tool_name"],
            tool_version=d["tool_version"],
            screened_on=d["screened_on"],
            result=d["result"],
            notes=d["notes"],
        )
        return _("Screening recorded.")

    form = record_forms.ScreeningForm(request.POST)
    return _record_act(request, case, form, "screening_form", action, "case-identification")


@case_staff
@require_POST
def placement_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.placement_start(
            case=case,
            by=staff_user(request),
            kind=d["kind"],
            specialised=d["specialised"],
            provider_name=d["provider_name"],
            service=d["service"],
            started_on=d["started_on"],
            ended_on=d["ended_on"],
        )
        return _("Placement recorded.")

    form = record_forms.PlacementForm(request.POST)
    return _record_act(request, case, form, "placement_form", action, "case-placements")


@case_staff
@require_POST
def placement_end(request: HttpRequest, pk: int, placement_pk: int) -> HttpResponse:
    case = _workable_case(request, pk)
    placement = _one(case.placements, placement_pk)

    def action(d: dict[str, Any]) -> str:
        services.placement_end(
            placement=placement,
            by=staff_user(request),
            ended_on=d["ended_on"],
            version=d["version"],
        )
        return _("Placement ended.")

    form = record_forms.PlacementEndForm(
        request.POST, auto_id=f"placementendform-{placement.pk}-%s"
    )
    return _record_act(request, case, form, "placement_end_form", action, "case-placements")


@case_staff
@require_POST
def missing_start(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.missing_start(
            case=case,
            by=staff_user(request),
            started_at=d["started_at"],
            reported_by=d["reported_by"],
        )
        return _("Missing episode recorded. Record the reports to the police and the centre.")

    form = record_forms.MissingStartForm(request.POST)
    return _record_act(request, case, form, "missing_start_form", action, "case-missing")


def _episode_act(
    request: HttpRequest,
    pk: int,
    episode_pk: int,
    form_class: type[Form],
    form_name: str,
    run: Callable[[records.MissingEpisode, dict[str, Any]], str],
) -> HttpResponse:
    case = _workable_case(request, pk)
    episode = _one(case.missing_episodes, episode_pk)
    form = form_class(request.POST, auto_id=f"{form_class.__name__.lower()}-{episode.pk}-%s")
    return _record_act(request, case, form, form_name, lambda d: run(episode, d), "case-missing")


@case_staff
@require_POST
def missing_report(request: HttpRequest, pk: int, episode_pk: int) -> HttpResponse:
    def run(episode: records.MissingEpisode, d: dict[str, Any]) -> str:
        services.missing_report_record(
            episode=episode,
            by=staff_user(request),
            which=d["which"],
            at=d["at"],
            reference=d["reference"],
            version=d["version"],
        )
        return _("Report recorded.")

    return _episode_act(
        request, pk, episode_pk, record_forms.MissingReportForm, "missing_report_form", run
    )


@case_staff
@require_POST
def missing_return(request: HttpRequest, pk: int, episode_pk: int) -> HttpResponse:
    def run(episode: records.MissingEpisode, d: dict[str, Any]) -> str:
        services.missing_return(
            episode=episode,
            by=staff_user(request),
            returned_at=d["returned_at"],
            found_where=d["found_where"],
            version=d["version"],
        )
        return _("Return recorded. Arrange the debrief with the youth.")

    return _episode_act(
        request, pk, episode_pk, record_forms.MissingReturnForm, "missing_return_form", run
    )


@case_staff
@require_POST
def missing_debrief(request: HttpRequest, pk: int, episode_pk: int) -> HttpResponse:
    def run(episode: records.MissingEpisode, d: dict[str, Any]) -> str:
        services.missing_debrief(
            episode=episode,
            by=staff_user(request),
            at=d["at"],
            notes=d["notes"],
            version=d["version"],
        )
        return _("Debrief recorded.")

    return _episode_act(
        request, pk, episode_pk, record_forms.MissingDebriefForm, "missing_debrief_form", run
    )


@case_staff
@require_POST
def court_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _workable_case(request, pk)

    def action(d: dict[str, Any]) -> str:
        services.court_matter_add(
            case=case,
            by=staff_user(request),
            kind=d["kind"],
            court_name=d["court_name"],
            docket_number=d["docket_number"],
            next_hearing_on=d["next_hearing_on"],
            next_hearing_kind=d["next_hearing_kind"],
        )
        return _("Court involvement recorded.")

    form = record_forms.CourtMatterForm(request.POST)
    return _record_act(request, case, form, "court_form", action, "case-court")


@case_staff
@require_POST
def court_update(request: HttpRequest, pk: int, matter_pk: int) -> HttpResponse:
    case = _workable_case(request, pk)
    matter = _one(case.court_matters, matter_pk)

    def action(d: dict[str, Any]) -> str:
        services.court_matter_update(
            matter=matter,
            by=staff_user(request),
            status=d["status"],
            next_hearing_on=d["next_hearing_on"],
            next_hearing_kind=d["next_hearing_kind"],
            version=d["version"],
        )
        return _("Court matter updated.")

    form = record_forms.CourtUpdateForm(request.POST, auto_id=f"courtupdateform-{matter.pk}-%s")
    return _record_act(request, case, form, "court_update_form", action, "case-court")
