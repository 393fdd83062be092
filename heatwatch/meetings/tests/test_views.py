"""The meeting pages through the test client: running a meeting, who sees the agenda, the
acknowledgement, decisions and the owner's inbox."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.cases.models import CaseEvent
from heatwatch.meetings import services
from heatwatch.meetings.models import ActionItem, ActionStatus, Attendee, Meeting
from heatwatch.meetings.tests.conftest import add, invite, open_case, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(personas, login) -> Client:
    return login(Client(), personas.coordinator)


@pytest.fixture
def advocate(personas, login) -> Client:
    return login(Client(), personas.advocate)


def _reads(user, case) -> int:
    return AuditEntry.objects.filter(
        action=Action.READ, actor_id=user.pk, object_type="cases.case", object_id=str(case.pk)
    ).count()


def test_coordinator_schedules_a_meeting(coordinator):
    start_at = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = coordinator.post(
        "/staff/meetings/new/",
        {"name": "Weekly MDT", "location": "Room 4", "scheduled_start": start_at},
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/meetings/{meeting.pk}/"
    page = coordinator.get("/staff/meetings/").content.decode()
    assert "Weekly MDT" in page and "Room 4" in page


def test_bad_meeting_form_keeps_what_was_typed(coordinator):
    past = (timezone.localtime() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = coordinator.post(
        "/staff/meetings/new/",
        {"name": "Weekly MDT", "location": "Room 9", "scheduled_start": past},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "cannot be in the past" in page and 'value="Room 9"' in page
    assert not Meeting.objects.exists()


def test_agenda_builder_proposes_adds_and_reorders(personas, coordinator, meeting, case):
    base = f"/staff/meetings/{meeting.pk}"
    response = coordinator.post(f"{base}/agenda/propose/", {"version": 1, "limit": 5})
    assert response.status_code == 302
    item = meeting.agenda.get()
    page = coordinator.get(f"{base}/").content.decode()
    assert case.reference in page and "Not reviewed at an MDT yet" in page
    assert "Marisol" not in page  # the agenda page names no youth; the briefing does
    assert _reads(personas.coordinator, case) == 1
    # a stale form (version 1, the meeting is at 2 now) changes nothing and says why
    other = open_case(personas, legal_name="Zoe Otherperson", date_of_birth=date(2011, 5, 5))
    response = coordinator.post(f"{base}/agenda/add/", {"version": 1, "reference": other.reference})
    assert response.status_code == 409 and "Someone else changed" in response.content.decode()
    assert not meeting.agenda.filter(case=other).exists()
    response = coordinator.post(f"{base}/agenda/add/", {"version": 2, "reference": "C-0000-1"})
    assert (
        response.status_code == 400 and "No case with that reference" in response.content.decode()
    )
    response = coordinator.post(
        f"{base}/agenda/{item.pk}/notes/",
        {f"notes{item.pk}-notes": "Discussed.", f"notes{item.pk}-version": 2},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.discussion_notes == "Discussed."


def test_uninvited_case_staff_get_404_and_it_is_audited(personas, login, meeting, case):
    add(meeting, personas, case)
    # the advocate is on the case's care team but not invited to the meeting
    client = login(Client(), personas.advocate)
    for url in ("", "briefing/", f"agenda/{meeting.agenda.get().pk}/briefing/"):
        assert client.get(f"/staff/meetings/{meeting.pk}/{url}").status_code == 404
    assert AuditEntry.objects.filter(
        action=Action.ACCESS_DENIED,
        actor_id=personas.advocate.pk,
        object_type="meetings.meeting",
        outcome=Outcome.DENIED,
    ).exists()
    assert "Weekly MDT" not in client.get("/staff/meetings/").content.decode()


@pytest.mark.parametrize("name", ["analyst", "youth_lead", "administrator", "no_role"])
def test_roles_without_case_access_never_see_agenda_content(personas, login, meeting, case, name):
    add(meeting, personas, case)
    client = login(Client(), getattr(personas, name))
    for url in ("", "briefing/"):
        assert client.get(f"/staff/meetings/{meeting.pk}/{url}").status_code == 403
    assert client.get("/staff/meetings/actions/").status_code == 403


def test_attendee_sees_agenda_only_after_acknowledging(personas, login, meeting, case):
    add(meeting, personas, case)
    attendee = invite(meeting, personas, "advocate_other")
    other = login(Client(), personas.advocate_other)
    base = f"/staff/meetings/{meeting.pk}"
    page = other.get(f"{base}/").content.decode()
    assert "Confidentiality statement" in page
    assert case.reference not in page
    assert other.get(f"{base}/briefing/").status_code == 403
    assert _reads(personas.advocate_other, case) == 0

    response = other.post(f"{base}/attendees/{attendee.pk}/acknowledge/")
    assert response.status_code == 302
    page = other.get(f"{base}/").content.decode()
    assert case.reference in page and "Confidentiality statement" not in page
    assert _reads(personas.advocate_other, case) == 1  # one audited READ per case shown
    # seeing the agenda does not open the case page itself: need to know still holds there
    assert other.get(f"/staff/cases/{case.pk}/").status_code == 404


def test_nobody_acknowledges_for_someone_else(personas, coordinator, meeting):
    attendee = invite(meeting, personas, "advocate")
    response = coordinator.post(
        f"/staff/meetings/{meeting.pk}/attendees/{attendee.pk}/acknowledge/"
    )
    assert response.status_code == 403
    attendee.refresh_from_db()
    assert attendee.acknowledged_at is None


def test_absent_attendee_and_closed_meeting_close_the_agenda(personas, advocate, meeting, case):
    add(meeting, personas, case)
    attendee = invite(meeting, personas, "advocate")
    services.confidentiality_acknowledge(attendee=attendee, by=personas.advocate)
    base = f"/staff/meetings/{meeting.pk}"
    assert advocate.get(f"{base}/briefing/").status_code == 200
    meeting = start(meeting, personas)
    services.attendance_record(attendee=attendee, by=personas.coordinator, attended=False)
    assert advocate.get(f"{base}/briefing/").status_code == 403
    assert case.reference not in advocate.get(f"{base}/").content.decode()
    services.attendance_record(attendee=attendee, by=personas.coordinator, attended=True)
    assert advocate.get(f"{base}/briefing/").status_code == 200
    meeting.refresh_from_db()
    services.meeting_close(meeting=meeting, by=personas.coordinator, version=meeting.version)
    assert advocate.get(f"{base}/briefing/").status_code == 403
    assert case.reference not in advocate.get(f"{base}/").content.decode()


def test_case_staff_cannot_run_a_meeting(personas, advocate, meeting, case):
    invite(meeting, personas, "advocate")
    base = f"/staff/meetings/{meeting.pk}"
    assert advocate.post(f"{base}/start/", {"version": 1}).status_code == 403
    assert advocate.post(f"{base}/agenda/propose/", {"version": 1, "limit": 3}).status_code == 403
    assert advocate.post("/staff/meetings/new/", {}).status_code == 403
    assert not meeting.agenda.exists()


def test_invite_attendance_and_decision_through_the_page(
    clock, personas, coordinator, meeting, case
):
    base = f"/staff/meetings/{meeting.pk}"
    add(meeting, personas, case)
    membership = personas.advocate.memberships.get()
    assert coordinator.post(f"{base}/attendees/", {"membership": membership.pk}).status_code == 302
    attendee = Attendee.objects.get(meeting=meeting)
    assert attendee.organisation == personas.provider
    meeting.refresh_from_db()
    assert coordinator.post(f"{base}/start/", {"version": meeting.version}).status_code == 302
    response = coordinator.post(f"{base}/attendees/{attendee.pk}/attendance/", {"attended": "yes"})
    assert response.status_code == 302
    attendee.refresh_from_db()
    assert attendee.attended is True

    decision = {
        "case": case.pk,
        "description": "Arrange a dental appointment.",
        "owner": personas.advocate.pk,
        "due_on": "2026-11-20",
    }
    response = coordinator.post(f"{base}/actions/", decision)
    page = response.content.decode()
    assert response.status_code == 400 and "cannot be in the past" in page
    assert "Arrange a dental appointment." in page  # what was typed is kept
    response = coordinator.post(f"{base}/actions/", {**decision, "owner": personas.analyst.pk})
    assert response.status_code == 400  # not offered: no case role
    response = coordinator.post(f"{base}/actions/", {**decision, "due_on": "2026-11-27"})
    assert response.status_code == 302
    item = ActionItem.objects.get()
    assert item.owner == personas.advocate and item.due_on == date(2026, 11, 27)
    assert CaseEvent.objects.filter(case=case, kind="mdt_action").exists()
    page = coordinator.get(f"{base}/").content.decode()
    assert "Arrange a dental appointment." in page and "Mark done" in page and "present" in page
    # the coordinator closes the meeting: attendance is complete
    meeting.refresh_from_db()
    response = coordinator.post(f"{base}/close/", {"version": meeting.version})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "closed"


def test_owner_works_action_items_from_the_inbox(clock, personas, advocate, login, meeting, case):
    add(meeting, personas, case)
    meeting = start(meeting, personas)
    item = services.action_item_create(
        meeting=meeting,
        case=case,
        by=personas.coordinator,
        description="Call the school counsellor.",
        owner=personas.advocate,
        due_on=date(2026, 11, 24),
    )
    page = advocate.get("/staff/meetings/actions/").content.decode()
    assert case.reference in page and "Call the school counsellor." in page
    assert _reads(personas.advocate, case) == 1
    # someone else's action item is not theirs to close
    other = login(Client(), personas.officer)
    assert other.post(f"/staff/meetings/actions/{item.pk}/done/", {"version": 1}).status_code == 404
    assert "Call the school" not in other.get("/staff/meetings/actions/").content.decode()
    # a stale version (the item changed since the page was loaded) is refused with a message
    response = advocate.post(f"/staff/meetings/actions/{item.pk}/done/", {"version": 99})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ActionStatus.OPEN
    response = advocate.post(
        f"/staff/meetings/actions/{item.pk}/done/", {"version": 1}, follow=True
    )
    assert "Marked as done." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ActionStatus.DONE
    assert "Call the school" not in advocate.get("/staff/meetings/actions/").content.decode()


def test_meeting_list_queries_do_not_grow_with_meetings(personas, coordinator, meeting):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from heatwatch.meetings.tests.conftest import new_meeting

    coordinator.get("/staff/meetings/")  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        coordinator.get("/staff/meetings/")
    for hours in (3, 4, 5):
        invite(new_meeting(personas, hours=hours), personas, "advocate")
    with CaptureQueriesContext(connection) as four:
        page = coordinator.get("/staff/meetings/").content.decode()
    assert page.count("Weekly MDT") == 4
    assert len(four) == len(one)


def test_partner_sees_only_meetings_they_are_invited_to_with_full_counts(
    personas, advocate, meeting
):
    invite(meeting, personas, "advocate")
    invite(meeting, personas, "officer")
    from heatwatch.meetings.tests.conftest import new_meeting

    new_meeting(personas, name="Other MDT")
    page = advocate.get("/staff/meetings/").content.decode()
    assert "Weekly MDT" in page and "Other MDT" not in page
    assert "<td>0</td><td>2</td>" in page  # no cases yet, two people invited
