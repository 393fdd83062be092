"""Case records: service plan, identification and screenings, placements, missing episodes,
court involvement, the missing-data view; services, alerts, pages and who may use them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.cases import selectors, services
from heatwatch.cases.models import (
    Alert,
    AlertKind,
    CaseEvent,
    Identification,
    MissingEpisode,
    Participation,
    Placement,
    PlanGoal,
    PlanStep,
)
from heatwatch.cases.tests.conftest import make_service, open_case

pytestmark = pytest.mark.django_db

REASON = "Youth recovered tonight at the motel; need the safety plan now."


def today() -> date:
    return timezone.localdate()


def at(days: float = 0, hours: float = 0) -> datetime:
    return timezone.now() + timedelta(days=days, hours=hours)


def open_kinds(case) -> set[str]:
    return set(
        Alert.objects.filter(case=case, resolved_at__isnull=True).values_list("kind", flat=True)
    )


def events(case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).values_list("summary", flat=True))


def signed_in(login, user) -> Client:
    return login(Client(), user)


# --- service plan ------------------------------------------------------------------------------


def test_plan_goals_steps_and_status_are_versioned_and_in_the_timeline(personas, case, clock):
    with pytest.raises(services.CaseError, match="Describe the goal"):
        services.plan_goal_add(case=case, by=personas.advocate, domain="safety", description=" ")
    with pytest.raises(services.CaseError, match="domain"):
        services.plan_goal_add(case=case, by=personas.advocate, domain="money", description="x")
    goal = services.plan_goal_add(
        case=case, by=personas.advocate, domain="safety", description="Safe phone, no contact"
    )
    # the owner of a step must be on the care team; the due date not in the past
    with pytest.raises(services.CaseError, match="care team"):
        services.plan_step_add(
            goal=goal, by=personas.advocate, description="x", owner=personas.officer, due_on=None
        )
    with pytest.raises(services.CaseError, match="past"):
        services.plan_step_add(
            goal=goal,
            by=personas.advocate,
            description="x",
            owner=None,
            due_on=today() - timedelta(days=1),
        )
    step = services.plan_step_add(
        goal=goal,
        by=personas.advocate,
        description="Buy a prepaid phone",
        owner=personas.advocate,
        due_on=today() + timedelta(days=3),
    )
    step = services.plan_step_done(step=step, by=personas.advocate)
    assert step.done_by == personas.advocate and step.done_at == timezone.now()
    with pytest.raises(services.CaseError, match="already done"):
        services.plan_step_done(step=step, by=personas.advocate)
    loaded = goal.version
    services.plan_goal_set_status(
        goal=goal, by=personas.coordinator, status="achieved", version=loaded
    )
    with pytest.raises(services.CaseError, match="Someone else changed"):
        services.plan_goal_set_status(
            goal=goal, by=personas.advocate, status="dropped", version=loaded
        )
    goal.refresh_from_db()
    assert goal.status == "achieved"
    with pytest.raises(services.CaseError, match="active goal"):
        services.plan_step_add(
            goal=goal, by=personas.advocate, description="x", owner=None, due_on=None
        )
    summaries = events(case)
    assert "Plan goal added (Safety)" in summaries
    assert "Plan goal (Safety): Achieved, was Active" in summaries
    assert not any("phone" in s for s in summaries)  # free text stays out of the timeline
    assert AuditEntry.objects.filter(action=Action.CREATE, object_type="cases.plangoal").exists()
    assert AuditEntry.objects.filter(action=Action.UPDATE, object_type="cases.planstep").exists()


def test_plan_text_is_encrypted_at_rest(personas, case):
    goal = services.plan_goal_add(
        case=case, by=personas.advocate, domain="housing", description="Move in with Aunt Rosa"
    )
    services.plan_step_add(
        goal=goal, by=personas.advocate, description="Call Rosa Quintero", owner=None, due_on=None
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM cases_plangoal WHERE id = %s", [goal.pk])
        raw_goal = str(cursor.fetchone())
        cursor.execute("SELECT description FROM cases_planstep WHERE goal_id = %s", [goal.pk])
        raw_step = str(cursor.fetchone())
    assert "Rosa" not in raw_goal and "Rosa" not in raw_step


def test_plan_review_overdue_alert_and_review_sets_next_date(personas, case, clock):
    with pytest.raises(services.CaseError, match="after today"):
        services.plan_review_record(case=case, by=personas.advocate, next_review_on=today())
    plan = services.plan_review_record(
        case=case,
        by=personas.advocate,
        next_review_on=today() + timedelta(days=7),
        reviewed=False,
    )
    assert plan.last_reviewed_at is None
    clock.shift(timedelta(days=7))
    services.alerts_refresh()
    assert AlertKind.PLAN_REVIEW_OVERDUE not in open_kinds(case)  # due today: not overdue yet
    clock.shift(timedelta(days=1))
    services.alerts_refresh()
    assert AlertKind.PLAN_REVIEW_OVERDUE in open_kinds(case)
    services.alerts_refresh()  # idempotent
    assert Alert.objects.filter(case=case, kind=AlertKind.PLAN_REVIEW_OVERDUE).count() == 1
    # a stale form (loaded before someone else's review) saves nothing
    with pytest.raises(services.CaseError, match="Someone else changed"):
        services.plan_review_record(
            case=case,
            by=personas.advocate,
            next_review_on=today() + timedelta(days=30),
            version=plan.version - 1,
        )
    plan = services.plan_review_record(
        case=case,
        by=personas.coordinator,
        next_review_on=today() + timedelta(days=30),
        version=plan.version,
    )
    assert plan.last_reviewed_by == personas.coordinator
    assert plan.next_review_on == today() + timedelta(days=30)
    assert AlertKind.PLAN_REVIEW_OVERDUE not in open_kinds(case)
    services.alerts_refresh()
    assert AlertKind.PLAN_REVIEW_OVERDUE not in open_kinds(case)


def test_plan_review_grace_days_setting(personas, clock, case, settings):
    settings.HEATWATCH_CASES_PLAN_REVIEW_GRACE_DAYS = 3
    services.plan_review_record(
        case=case, by=personas.advocate, next_review_on=today() + timedelta(days=1)
    )
    clock.shift(timedelta(days=4))
    services.alerts_refresh()
    assert AlertKind.PLAN_REVIEW_OVERDUE not in open_kinds(case)
    clock.shift(timedelta(days=1))
    services.alerts_refresh()
    assert AlertKind.PLAN_REVIEW_OVERDUE in open_kinds(case)


# --- identification ----------------------------------------------------------------------------


def test_exploitation_status_changes_are_kept_as_history(personas, case, clock):
    with pytest.raises(services.CaseError, match="future"):
        services.identification_record(
            case=case,
            by=personas.advocate,
            status="suspected",
            identified_when="in_care",
            identified_on=today() + timedelta(days=1),
            current_pk=None,
        )
    first = services.identification_record(
        case=case,
        by=personas.advocate,
        status="at_risk",
        identified_when="before_care",
        identified_on=today() - timedelta(days=30),
        current_pk=None,
    )
    clock.shift(timedelta(hours=1))
    second = services.identification_record(
        case=case,
        by=personas.coordinator,
        status="confirmed",
        identified_when="while_missing",
        identified_on=today(),
        current_pk=first.pk,
    )
    # a form loaded before the second change does not silently replace it
    with pytest.raises(services.CaseError, match="Someone else recorded"):
        services.identification_record(
            case=case,
            by=personas.advocate,
            status="suspected",
            identified_when="in_care",
            identified_on=today(),
            current_pk=first.pk,
        )
    with pytest.raises(services.CaseError, match="already the current"):
        services.identification_record(
            case=case,
            by=personas.advocate,
            status="confirmed",
            identified_when="while_missing",
            identified_on=today(),
            current_pk=second.pk,
        )
    history = list(selectors.case_identifications(case=case))
    assert [i.status for i in history] == ["confirmed", "at_risk"]
    assert Identification.objects.filter(case=case).count() == 2
    assert any(
        s.startswith("Exploitation status: Confirmed (while missing from care")
        and "was At risk" in s
        for s in events(case)
    )


def test_screening_is_recorded_with_tool_and_version(personas, case):
    with pytest.raises(services.CaseError, match="Name the screening tool"):
        services.screening_record(
            case=case,
            by=personas.advocate,
            tool_name="",
            tool_version="",
            screened_on=today(),
            result="clear",
        )
    with pytest.raises(services.CaseError, match="future"):
        services.screening_record(
            case=case,
            by=personas.advocate,
            tool_name="CSE-IT",
            tool_version="2.1",
            screened_on=today() + timedelta(days=2),
            result="clear",
        )
    screening = services.screening_record(
        case=case,
        by=personas.advocate,
        tool_name="CSE-IT",
        tool_version="2.1",
        screened_on=today(),
        result="clear",
        notes="Disclosed an older boyfriend called Rico",
    )
    assert screening.screened_by == personas.advocate
    assert "Screening recorded: CSE-IT 2.1, Clear concern" in events(case)
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM cases_screening WHERE id = %s", [screening.pk])
        assert "Rico" not in str(cursor.fetchone())


# --- placements ---------------------------------------------------------------------------------


def test_placement_dates_and_overlaps_are_checked(personas, case, clock):
    start = today() - timedelta(days=20)
    with pytest.raises(services.CaseError, match="future"):
        services.placement_start(
            case=case, by=personas.advocate, kind="foster", started_on=today() + timedelta(days=1)
        )
    with pytest.raises(services.CaseError, match="end before it starts"):
        services.placement_start(
            case=case,
            by=personas.advocate,
            kind="foster",
            started_on=start,
            ended_on=start - timedelta(days=1),
        )
    shelter = services.placement_start(
        case=case,
        by=personas.advocate,
        kind="shelter",
        started_on=start,
        ended_on=start + timedelta(days=5),
        provider_name="Harbor Light Shelter",
    )
    assert shelter.length_of_stay() == 5
    with pytest.raises(services.CaseError, match="overlaps the placement"):
        services.placement_start(
            case=case, by=personas.advocate, kind="foster", started_on=start + timedelta(days=2)
        )
    # moving in on the day of the move-out is fine
    home = services.placement_start(
        case=case,
        by=personas.advocate,
        kind="specialised",
        started_on=start + timedelta(days=5),
        service=make_service(personas.clinic, name="Safe Harbor House"),
    )
    assert home.specialised is True  # a specialised residence is specialised
    assert home.length_of_stay() == 15
    with pytest.raises(services.CaseError, match="End the current placement first"):
        services.placement_start(case=case, by=personas.advocate, kind="group", started_on=today())
    with pytest.raises(services.CaseError, match="end before it starts"):
        services.placement_end(
            placement=home,
            by=personas.advocate,
            ended_on=start,
            version=home.version,
        )
    loaded = home.version
    home = services.placement_end(
        placement=home, by=personas.advocate, ended_on=today(), version=loaded
    )
    with pytest.raises(services.CaseError, match="Someone else changed"):
        services.placement_end(
            placement=home, by=personas.advocate, ended_on=today(), version=loaded
        )
    services.placement_start(case=case, by=personas.advocate, kind="group", started_on=today())
    assert Placement.objects.filter(case=case).count() == 3
    assert any(s.startswith("Placement ended: Specialised residential") for s in events(case))
    assert not any("Harbor Light" in s for s in events(case))


# --- missing episodes ---------------------------------------------------------------------------


def test_missing_episode_alerts_fire_and_resolve(personas, case, clock):
    episode = services.missing_start(
        case=case, by=personas.advocate, started_at=at(hours=-1), reported_by="placement"
    )
    assert services.missing_reports_due_at(episode) == episode.started_at + timedelta(hours=24)
    services.alerts_refresh()
    assert not open_kinds(case) & {AlertKind.MISSING_OVER_24H, AlertKind.MISSING_REPORTS_DUE}
    episode = services.missing_report_record(
        episode=episode,
        by=personas.advocate,
        which="police",
        at=at(),
        reference="PD-26-4411",
        version=episode.version,
    )
    clock.shift(timedelta(hours=24))
    services.alerts_refresh()
    assert {AlertKind.MISSING_OVER_24H, AlertKind.MISSING_REPORTS_DUE} <= open_kinds(case)
    message = Alert.objects.get(case=case, kind=AlertKind.MISSING_REPORTS_DUE).message
    assert "national centre" in message and "police" not in message
    episode = services.missing_report_record(
        episode=episode,
        by=personas.advocate,
        which="national",
        at=at(),
        reference="NC-1234567",
        version=episode.version,
    )
    assert AlertKind.MISSING_REPORTS_DUE not in open_kinds(case)
    assert "Report to the national missing-children centre recorded (late)" in events(case)
    episode = services.missing_return(
        episode=episode,
        by=personas.advocate,
        returned_at=at(),
        found_where="Motel on Route 9",
        version=episode.version,
    )
    services.alerts_refresh()
    assert not open_kinds(case) & {AlertKind.MISSING_OVER_24H, AlertKind.MISSING_REPORTS_DUE}
    assert "Returned from missing episode after 25 hours" in events(case)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT police_reference, national_reference, found_where FROM cases_missingepisode "
            "WHERE id = %s",
            [episode.pk],
        )
        raw = str(cursor.fetchone())
    assert "PD-26" not in raw and "NC-123" not in raw and "Route 9" not in raw


def test_reports_still_owed_after_a_quick_return(personas, case, clock):
    episode = services.missing_start(
        case=case, by=personas.advocate, started_at=at(), reported_by="guardian"
    )
    services.missing_return(
        episode=episode, by=personas.advocate, returned_at=at(hours=0), version=episode.version
    )
    clock.shift(timedelta(hours=25))
    services.alerts_refresh()
    kinds = open_kinds(case)
    assert AlertKind.MISSING_REPORTS_DUE in kinds and AlertKind.MISSING_OVER_24H not in kinds


def test_missing_episode_bad_inputs(personas, case, clock):
    with pytest.raises(services.CaseError, match="future"):
        services.missing_start(
            case=case, by=personas.advocate, started_at=at(hours=2), reported_by="police"
        )
    with pytest.raises(services.CaseError, match="who reported"):
        services.missing_start(case=case, by=personas.advocate, started_at=at(), reported_by="")
    episode = services.missing_start(
        case=case, by=personas.advocate, started_at=at(hours=-5), reported_by="police"
    )
    with pytest.raises(services.CaseError, match="already open"):
        services.missing_start(
            case=case, by=personas.advocate, started_at=at(), reported_by="police"
        )
    with pytest.raises(services.CaseError, match="before the youth went missing"):
        services.missing_report_record(
            episode=episode, by=personas.advocate, which="police", at=at(hours=-6)
        )
    with pytest.raises(services.CaseError, match="before the youth went missing"):
        services.missing_return(episode=episode, by=personas.advocate, returned_at=at(hours=-6))
    with pytest.raises(services.CaseError, match="future"):
        services.missing_return(episode=episode, by=personas.advocate, returned_at=at(hours=3))
    with pytest.raises(services.CaseError, match="return before the debrief"):
        services.missing_debrief(episode=episode, by=personas.advocate, at=at())
    loaded = episode.version
    episode = services.missing_return(
        episode=episode, by=personas.advocate, returned_at=at(hours=-1), version=loaded
    )
    with pytest.raises(services.CaseError, match="Someone else changed"):
        services.missing_debrief(episode=episode, by=personas.advocate, at=at(), version=loaded)
    with pytest.raises(services.CaseError, match="before the return"):
        services.missing_debrief(episode=episode, by=personas.advocate, at=at(hours=-2))
    # a new episode cannot start inside the one that ended
    with pytest.raises(services.CaseError, match="inside an earlier"):
        services.missing_start(
            case=case, by=personas.advocate, started_at=at(hours=-3), reported_by="police"
        )
    episode = services.missing_debrief(
        episode=episode, by=personas.advocate, at=at(), notes="Talked about the older friend"
    )
    assert episode.debrief_by == personas.advocate
    with pytest.raises(services.CaseError, match="already recorded"):
        services.missing_debrief(episode=episode, by=personas.advocate, at=at())
    assert MissingEpisode.objects.filter(case=case).count() == 1


# --- court --------------------------------------------------------------------------------------


def test_court_matters_and_the_briefing_line(personas, case, clock):
    assert selectors.case_court_status(case=case) == "none recorded"
    with pytest.raises(services.CaseError, match="today or later"):
        services.court_matter_add(
            case=case,
            by=personas.advocate,
            kind="youth_court",
            court_name="Bayview County Juvenile Court",
            next_hearing_on=today() - timedelta(days=1),
        )
    with pytest.raises(services.CaseError, match="Name the court"):
        services.court_matter_add(case=case, by=personas.advocate, kind="dependency", court_name="")
    matter = services.court_matter_add(
        case=case,
        by=personas.advocate,
        kind="youth_court",
        court_name="Bayview County Juvenile Court",
        docket_number="JV-2026-0099",
        next_hearing_on=date(2026, 12, 2),
        next_hearing_kind="review",
    )
    services.court_matter_add(
        case=case, by=personas.advocate, kind="dependency", court_name="Bayview Family Court"
    )
    assert selectors.case_court_status(case=case) == (
        "Youth court: next hearing 2026-12-02 (review); Dependency: open, no hearing scheduled"
    )
    loaded = matter.version
    matter = services.court_matter_update(
        matter=matter,
        by=personas.advocate,
        status="closed",
        next_hearing_on=date(2026, 12, 2),
        next_hearing_kind="review",
        version=loaded,
    )
    assert matter.next_hearing_on is None  # a closed matter has no next hearing
    with pytest.raises(services.CaseError, match="Someone else changed"):
        services.court_matter_update(
            matter=matter,
            by=personas.advocate,
            status="open",
            next_hearing_on=None,
            version=loaded,
        )
    assert selectors.case_court_status(case=case) == "Dependency: open, no hearing scheduled"
    assert "Court: Youth court, closed" in events(case)
    assert not any("JV-2026" in s for s in events(case))
    with connection.cursor() as cursor:
        cursor.execute("SELECT docket_number FROM cases_courtmatter WHERE id = %s", [matter.pk])
        assert "JV-2026" not in str(cursor.fetchone())


# --- missing data -------------------------------------------------------------------------------


def test_missing_data_lists_what_the_case_lacks(personas, clock):
    case = open_case(personas, date_of_birth=None)
    missing = selectors.case_missing_data(case=case)
    for item in (
        "no date of birth (nor estimated age)",
        "no safety plan (no safety goal in the service plan)",
        "no placement recorded",
        "no consent on file",
        "no contact with the youth yet",
        "screening not recorded",
        "exploitation status not recorded",
    ):
        assert item in missing
    assert "no lead on the care team" not in missing  # the advocate who opened it leads
    services.plan_goal_add(case=case, by=personas.advocate, domain="safety", description="x")
    services.placement_start(case=case, by=personas.advocate, kind="family", started_on=today())
    services.court_matter_add(
        case=case, by=personas.advocate, kind="probation", court_name="Bayview Juvenile Court"
    )
    services.screening_record(
        case=case,
        by=personas.advocate,
        tool_name="CSE-IT",
        tool_version="2.1",
        screened_on=today(),
        result="none",
    )
    missing = selectors.case_missing_data(case=case)
    assert "no safety plan (no safety goal in the service plan)" not in missing
    assert "no placement recorded" not in missing and "screening not recorded" not in missing
    assert "no next hearing for the open probation matter" in missing
    services.court_matter_add(
        case=case,
        by=personas.advocate,
        kind="dependency",
        court_name="Bayview Family Court",
        next_hearing_on=today() + timedelta(days=1),
    )
    clock.shift(timedelta(days=2))
    missing = selectors.case_missing_data(case=case)
    assert "the next hearing of the open dependency matter has passed (update it)" in missing


def test_case_records_never_depend_on_participation(personas, clock):
    """Declining to take part in an investigation changes nothing about these records."""
    case = open_case(personas)
    case = services.case_set_participation(
        case=case, by=personas.advocate, participation=Participation.DECLINED, version=case.version
    )
    goal = services.plan_goal_add(case=case, by=personas.advocate, domain="legal", description="x")
    services.plan_step_add(
        goal=goal, by=personas.advocate, description="x", owner=None, due_on=None
    )
    services.plan_review_record(
        case=case, by=personas.advocate, next_review_on=today() + timedelta(days=14)
    )
    services.identification_record(
        case=case,
        by=personas.advocate,
        status="confirmed",
        identified_when="in_care",
        identified_on=today(),
        current_pk=None,
    )
    services.placement_start(case=case, by=personas.advocate, kind="foster", started_on=today())
    episode = services.missing_start(
        case=case, by=personas.advocate, started_at=at(), reported_by="care_team"
    )
    services.missing_return(episode=episode, by=personas.advocate, returned_at=at())
    services.court_matter_add(
        case=case, by=personas.advocate, kind="witness", court_name="Bayview Superior Court"
    )


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def advocate(personas, login) -> Client:
    return signed_in(login, personas.advocate)


def test_team_member_records_everything_from_the_case_page(personas, advocate, case, clock):
    base = f"/staff/cases/{case.pk}"
    r = advocate.post(f"{base}/plan/goals/", {"domain": "safety", "description": "Safe phone"})
    assert r.status_code == 302 and r["Location"].endswith("#case-plan")
    goal = PlanGoal.objects.get(case=case)
    r = advocate.post(
        f"{base}/plan/goals/{goal.pk}/steps/",
        {"description": "Buy the phone", "owner": personas.advocate.pk, "due_on": "2026-11-30"},
    )
    assert r.status_code == 302
    step = PlanStep.objects.get(goal=goal)
    assert advocate.post(f"{base}/plan/steps/{step.pk}/done/").status_code == 302
    r = advocate.post(
        f"{base}/plan/review/", {"next_review_on": "2026-12-23", "reviewed": "on", "version": ""}
    )
    assert r.status_code == 302
    r = advocate.post(
        f"{base}/identification/",
        {"status": "suspected", "identified_when": "in_care", "identified_on": "2026-11-20"},
    )
    assert r.status_code == 302
    r = advocate.post(
        f"{base}/screenings/",
        {
            "tool_name": "CSE-IT",
            "tool_version": "2.1",
            "screened_on": "2026-11-22",
            "result": "possible",
        },
    )
    assert r.status_code == 302
    r = advocate.post(f"{base}/placements/", {"kind": "foster", "started_on": "2026-11-01"})
    assert r.status_code == 302
    r = advocate.post(
        f"{base}/missing/", {"started_at": "2026-11-23T02:00", "reported_by": "placement"}
    )
    assert r.status_code == 302
    r = advocate.post(
        f"{base}/court/",
        {
            "kind": "youth_court",
            "court_name": "Bayview Juvenile Court",
            "next_hearing_on": "2026-12-02",
            "next_hearing_kind": "review",
        },
    )
    assert r.status_code == 302
    page = advocate.get(f"{base}/").content.decode()
    for text in (
        "Safe phone",
        "Buy the phone",
        "Suspected",
        "CSE-IT",
        "Foster home",
        "22 days",
        "still missing",
        "Youth court: next hearing 2026-12-02 (review)",
        "Missing data",
        "no consent on file",
    ):
        assert text in page, text
    assert f'action="{base}/missing/{MissingEpisode.objects.get().pk}/return/"' in page


def test_bad_inputs_keep_what_was_typed_and_show_the_error(personas, advocate, case, clock):
    base = f"/staff/cases/{case.pk}"
    r = advocate.post(
        f"{base}/placements/",
        {
            "kind": "group",
            "provider_name": "Casa Esperanza",
            "started_on": "2026-11-10",
            "ended_on": "2026-11-01",
        },
    )
    page = r.content.decode()
    assert r.status_code == 400 and "end before it starts" in page
    assert 'value="Casa Esperanza"' in page
    r = advocate.post(f"{base}/placements/", {"kind": "group", "started_on": "2026-12-10"})
    assert r.status_code == 400 and "cannot be in the future" in r.content.decode()
    r = advocate.post(
        f"{base}/missing/", {"started_at": "2026-11-24T08:00", "reported_by": "guardian"}
    )
    assert r.status_code == 400 and "cannot be in the future" in r.content.decode()
    episode = services.missing_start(
        case=case, by=personas.advocate, started_at=at(hours=-2), reported_by="guardian"
    )
    r = advocate.post(
        f"{base}/missing/{episode.pk}/return/",
        {
            "returned_at": "2026-11-22T08:00",
            "found_where": "Bus station",
            "version": episode.version,
        },
    )
    page = r.content.decode()
    assert r.status_code == 400 and "before the youth went missing" in page
    assert 'value="Bus station"' in page and f"missingreturnform-{episode.pk}-found_where" in page
    assert MissingEpisode.objects.get().returned_at is None
    # a stale version (someone recorded a report meanwhile) saves nothing
    services.missing_report_record(
        episode=episode, by=personas.coordinator, which="police", at=at()
    )
    r = advocate.post(
        f"{base}/missing/{episode.pk}/return/",
        {"returned_at": "2026-11-23T03:30", "version": episode.version},
    )
    assert r.status_code == 409 and "Someone else changed" in r.content.decode()


def test_coordinator_can_record(personas, login, case, clock):
    client = signed_in(login, personas.coordinator)
    r = client.post(
        f"/staff/cases/{case.pk}/court/", {"kind": "dependency", "court_name": "Family Court"}
    )
    assert r.status_code == 302


URLS = [
    ("plan/goals/", {"domain": "safety", "description": "x"}),
    (
        "identification/",
        {"status": "at_risk", "identified_when": "in_care", "identified_on": "2026-11-20"},
    ),
    ("screenings/", {"tool_name": "T", "screened_on": "2026-11-20", "result": "none"}),
    ("placements/", {"kind": "foster", "started_on": "2026-11-01"}),
    ("missing/", {"started_at": "2026-11-23T08:00", "reported_by": "police"}),
    ("court/", {"kind": "probation", "court_name": "C"}),
    ("plan/review/", {"next_review_on": "2026-12-23"}),
]


@pytest.mark.parametrize("name", ["advocate_other", "officer", "prosecutor"])
def test_another_team_cannot_see_or_post(personas, login, case, clock, name):
    client = signed_in(login, getattr(personas, name))
    goal = services.plan_goal_add(case=case, by=personas.advocate, domain="safety", description="x")
    episode = services.missing_start(
        case=case, by=personas.advocate, started_at=at(), reported_by="police"
    )
    posts = [
        *URLS,
        (f"plan/goals/{goal.pk}/status/", {"status": "dropped"}),
        (f"missing/{episode.pk}/return/", {"returned_at": "2026-11-23T12:00"}),
    ]
    for url, data in posts:
        assert client.post(f"/staff/cases/{case.pk}/{url}", data).status_code == 404, url
    goal.refresh_from_db()
    assert goal.status == "active" and PlanGoal.objects.count() == 1
    assert MissingEpisode.objects.get().returned_at is None


@pytest.mark.parametrize("name", ["analyst", "youth_lead", "administrator", "no_role"])
def test_analyst_gets_403(personas, login, case, clock, name):
    client = signed_in(login, getattr(personas, name))
    for url, data in URLS:
        assert client.post(f"/staff/cases/{case.pk}/{url}", data).status_code == 403, url
    assert not PlanGoal.objects.exists()


def test_break_glass_reader_sees_records_but_cannot_change_them(personas, login, case, clock):
    services.plan_goal_add(
        case=case, by=personas.advocate, domain="health", description="Clinic visit"
    )
    services.court_matter_add(
        case=case, by=personas.advocate, kind="youth_court", court_name="Bayview Juvenile Court"
    )
    client = signed_in(login, personas.officer)
    services.break_glass(case=case, by=personas.officer, reason=REASON)
    page = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "Clinic visit" in page and "Bayview Juvenile Court" in page
    assert f"/staff/cases/{case.pk}/plan/goals/" not in page  # no forms for a reader
    for url, data in URLS:
        assert client.post(f"/staff/cases/{case.pk}/{url}", data).status_code == 403, url
    assert PlanGoal.objects.count() == 1


def test_records_of_another_case_are_not_reachable(personas, advocate, case, clock):
    other = open_case(personas, legal_name="Destiny Otherperson", date_of_birth=date(2009, 9, 9))
    goal = services.plan_goal_add(
        case=other, by=personas.advocate, domain="safety", description="x"
    )
    r = advocate.post(f"/staff/cases/{case.pk}/plan/goals/{goal.pk}/status/", {"status": "dropped"})
    assert r.status_code == 404


def _add_records(personas, case, n: int) -> None:
    for i in range(n):
        goal = services.plan_goal_add(
            case=case, by=personas.advocate, domain="health", description=f"goal {i}"
        )
        services.plan_step_add(
            goal=goal, by=personas.advocate, description="s", owner=personas.advocate, due_on=None
        )
        services.court_matter_add(
            case=case, by=personas.advocate, kind="dependency", court_name=f"Court {i}"
        )
        services.screening_record(
            case=case,
            by=personas.advocate,
            tool_name="T",
            tool_version="1",
            screened_on=today(),
            result="none",
        )


def test_case_page_queries_do_not_grow_with_records(personas, advocate, case, clock):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    _add_records(personas, case, 1)
    with CaptureQueriesContext(conn) as few:
        assert advocate.get(f"/staff/cases/{case.pk}/").status_code == 200
    _add_records(personas, case, 4)
    with CaptureQueriesContext(conn) as many:
        assert advocate.get(f"/staff/cases/{case.pk}/").status_code == 200
    assert len(many) == len(few)


def test_goal_form_errors_show_on_that_goal(personas, advocate, case):
    first = services.plan_goal_add(
        case=case, by=personas.advocate, domain="safety", description="a"
    )
    services.plan_goal_add(case=case, by=personas.advocate, domain="legal", description="b")
    r = advocate.post(
        f"/staff/cases/{case.pk}/plan/goals/{first.pk}/steps/",
        {"description": "Meet the attorney", "due_on": "2020-01-01"},
    )
    page = r.content.decode()
    assert r.status_code == 400 and "cannot be in the past" in page
    assert f'id="planstepform-{first.pk}-description"' in page
    assert "Meet the attorney" in page


def test_records_entered_in_error_are_deleted_with_a_reason(personas, login, case, clock):
    from django.contrib.auth.models import Permission

    placement = services.placement_start(
        case=case, by=personas.advocate, kind="foster", started_on=today()
    )
    goal = services.plan_goal_add(case=case, by=personas.advocate, domain="safety", description="x")
    client = signed_in(login, personas.advocate)
    url = f"/staff/cases/{case.pk}/delete/placement/{placement.pk}/"
    assert client.post(url, {"reason": "Entered on the wrong case"}).status_code == 403
    personas.advocate.user_permissions.add(Permission.objects.get(codename="delete_case_records"))
    client = signed_in(login, personas.advocate)
    page = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert url in page and f"/delete/goal/{goal.pk}/" in page
    assert client.post(url, {"reason": "Entered on the wrong case"}).status_code == 302
    assert not Placement.objects.filter(pk=placement.pk).exists()
    assert "Deleted a placement (reason in the audit log)" in events(case)
    assert AuditEntry.objects.filter(action=Action.DELETE, object_type="cases.placement").exists()


def test_closed_case_records_are_read_only_until_reopened(personas, advocate, case, clock):
    case = services.case_close(
        case=case, by=personas.advocate, reason="moved", aftercare_check_in_on=None, version=1
    )
    with pytest.raises(services.CaseError, match="closed"):
        services.plan_goal_add(case=case, by=personas.advocate, domain="safety", description="x")
    with pytest.raises(services.CaseError, match="closed"):
        services.missing_start(
            case=case, by=personas.advocate, started_at=at(), reported_by="police"
        )
    r = advocate.post(
        f"/staff/cases/{case.pk}/placements/", {"kind": "foster", "started_on": "2026-11-01"}
    )
    assert r.status_code == 400 and not Placement.objects.exists()
    assert (
        f"/staff/cases/{case.pk}/placements/"
        not in advocate.get(f"/staff/cases/{case.pk}/").content.decode()
    )
