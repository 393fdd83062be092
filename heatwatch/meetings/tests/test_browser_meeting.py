"""An MDT meeting in a real headless Chromium: the coordinator schedules it, proposes the
agenda and invites a partner; the partner acknowledges confidentiality, sees the agenda and
downloads a briefing; the coordinator records a decision that lands in the partner's inbox."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from heatwatch.cases.tests.conftest import open_case
from heatwatch.cases.tests.test_browser_case import form_of, sign_in
from heatwatch.core.tests.test_browser import axe_scan
from heatwatch.meetings.models import ActionItem, Meeting

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_full_meeting(browser, live_server, personas):
    case = open_case(personas, legal_name="Tamia Synthwell", date_of_birth=date(2010, 6, 1))
    csp_refusals: list[str] = []

    coordinator = browser.new_context().new_page()
    coordinator.on(
        "console", lambda m: csp_refusals.append(m.text) if "Refused" in m.text else None
    )
    sign_in(coordinator, f"{live_server.url}/staff/meetings/new/", personas.coordinator)
    starts = timezone.localtime() + timedelta(hours=1)
    coordinator.get_by_label(re.compile(r"^Name")).fill("Weekly MDT case review")
    coordinator.get_by_label("Where").fill("Room 4")
    coordinator.get_by_label(re.compile(r"^Starts at")).fill(starts.strftime("%Y-%m-%dT%H:%M"))
    coordinator.get_by_role("button", name="Schedule").click()
    coordinator.get_by_text("Meeting scheduled").wait_for()
    meeting = Meeting.objects.get()
    meeting_url = f"{live_server.url}/staff/meetings/{meeting.pk}/"

    coordinator.get_by_role("button", name="Propose cases (alerts first)").click()
    coordinator.get_by_role("row").filter(has_text=case.reference).wait_for()
    invite = form_of(coordinator, "Invite")
    invite.get_by_label("Person and the organisation they represent").select_option(
        label="advocate — Advocate / case manager, Test Advocacy Center"
    )
    invite.get_by_role("button", name="Invite").click()
    coordinator.get_by_text("advocate invited").wait_for()

    # The partner: the statement first, then the agenda and the briefing.
    advocate = browser.new_context(accept_downloads=True).new_page()
    sign_in(advocate, meeting_url, personas.advocate)
    advocate.get_by_role("heading", name="Confidentiality statement").wait_for()
    assert case.reference not in advocate.content()
    advocate.get_by_role("button", name="I acknowledge this statement").click()
    advocate.get_by_role("row").filter(has_text=case.reference).wait_for()
    with advocate.expect_download() as download:
        advocate.get_by_role("link", name=re.compile(r"Briefing \(PDF\)")).click()
    assert download.value.suggested_filename == f"mdt-{meeting.pk}-{case.reference}.pdf"

    # The meeting: start, attendance, a decision for the partner.
    coordinator.get_by_role("button", name="Start the meeting").click()
    coordinator.get_by_text("The meeting is under way").wait_for()
    coordinator.get_by_role("button", name="Present advocate").click()
    coordinator.get_by_text("Attendance recorded").wait_for()
    decision = form_of(coordinator, "Record the decision")
    decision.get_by_label("Case").select_option(label=case.reference)
    decision.get_by_label("What was decided").fill("Ask the school about a mentor.")
    decision.get_by_label("Owner").select_option(label="advocate")
    decision.get_by_label("Due").fill((timezone.localdate() + timedelta(days=7)).isoformat())
    decision.get_by_role("button", name="Record the decision").click()
    coordinator.get_by_text("Action item recorded for advocate").wait_for()
    assert ActionItem.objects.get().owner == personas.advocate
    assert csp_refusals == []

    # The meeting page, with every section filled, passes axe.
    serious = axe_scan(browser, meeting_url, coordinator.context.cookies())
    assert serious == [], [(v["id"], v["help"], len(v["nodes"])) for v in serious]

    # The partner's inbox: mark it done.
    advocate.goto(f"{live_server.url}/staff/meetings/actions/")
    advocate.get_by_text("Ask the school about a mentor.").wait_for()
    advocate.get_by_role("button", name="Mark done").click()
    advocate.get_by_text("Marked as done.").wait_for()
    assert ActionItem.objects.get().status == "done"
