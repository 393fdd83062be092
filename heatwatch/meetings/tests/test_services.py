"""Meeting services: agenda (alerts first), attendees, acknowledgement, decisions, closing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.cases import services as case_services
from heatwatch.cases.models import Alert, AlertKind, CaseEvent
from heatwatch.meetings import selectors, services
from heatwatch.meetings.models import ActionItem, ActionStatus, Meeting, MeetingStatus
from heatwatch.meetings.tests.conftest import add, invite, new_meeting, open_case, start

pytestmark = pytest.mark.django_db


def _alert(case, kind, days_ago):
    return Alert.objects.create(
        case=case,
        kind=kind,
        key=f"{kind}:{days_ago}",
        message=str(AlertKind(kind).label),
        raised_at=timezone.now() - timedelta(days=days_ago),
    )


def _cases(personas, n):
    names = ["Ana Synthwell", "Bea Demoford", "Cleo Mockridge", "Dana Samplesby", "Eve Testa"]
    return [
        open_case(personas, legal_name=names[i], date_of_birth=date(2010, 1, 1 + i))
        for i in range(n)
    ]


def test_meeting_start_cannot_be_in_the_past(personas):
    with pytest.raises(services.MeetingError, match="past"):
        services.meeting_create(
            by=personas.coordinator,
            name="Weekly MDT",
            location="",
            scheduled_start=timezone.now() - timedelta(days=2),
        )
    with pytest.raises(services.MeetingError, match="name"):
        services.meeting_create(
            by=personas.coordinator, name="  ", location="", scheduled_start=timezone.now()
        )


def test_proposal_puts_most_and_oldest_alerts_first_then_least_recently_reviewed(personas):
    many, old, recent, never, reviewed = _cases(personas, 5)
    _alert(many, AlertKind.NO_CONTACT, 2)
    _alert(many, AlertKind.NO_LEAD, 1)
    _alert(old, AlertKind.REFERRAL_UNANSWERED, 9)
    _alert(recent, AlertKind.NO_CONTACT, 3)
    # ``reviewed`` was on last week's held meeting; ``never`` has never been reviewed
    last_week = services.meeting_create(
        by=personas.coordinator,
        name="Last week",
        location="",
        scheduled_start=timezone.now() - timedelta(hours=20),
    )
    add(last_week, personas, reviewed)
    start(last_week, personas)

    meeting = new_meeting(personas, hours=24 * 6)
    items = services.agenda_propose(
        meeting=meeting, by=personas.coordinator, version=meeting.version
    )

    assert [i.case for i in items] == [many, old, recent, never, reviewed]
    assert [i.position for i in items] == [1, 2, 3, 4, 5]
    assert items[0].reason.startswith("2 open alerts since")
    assert (
        "No contact recently" in items[0].reason and "Care team without a lead" in items[0].reason
    )
    assert items[1].reason.startswith("1 open alert since")
    assert items[3].reason == "Not reviewed at an MDT yet"
    assert items[4].reason.startswith("Last reviewed at the MDT on")
    # the reasons never carry anything about the youth
    assert not any("Synthwell" in i.reason for i in items)
    # proposing again adds nothing (every open case is on the agenda)
    meeting.refresh_from_db()
    assert services.agenda_propose(meeting=meeting, by=personas.coordinator, version=None) == []


def test_proposal_skips_closed_cases_and_respects_the_limit(personas, meeting):
    first, second, closed = _cases(personas, 3)
    case_services.case_close(
        case=closed, by=personas.advocate, reason="moved", aftercare_check_in_on=None, version=None
    )
    items = services.agenda_propose(
        meeting=meeting, by=personas.coordinator, version=meeting.version, limit=1
    )
    assert [i.case for i in items] == [first]
    with pytest.raises(services.MeetingError, match="open cases"):
        add(meeting, personas, closed)
    with pytest.raises(services.MeetingError, match="already on the agenda"):
        add(meeting, personas, first)


def test_proposal_size_follows_the_setting(personas, meeting, settings):
    _cases(personas, 3)
    settings.HEATWATCH_MEETINGS_AGENDA_SIZE = 2
    items = services.agenda_propose(meeting=meeting, by=personas.coordinator, version=None)
    assert len(items) == 2


def test_reorder_remove_and_stale_version(personas, meeting):
    a, b, c = _cases(personas, 3)
    ia, ib, ic = (add(meeting, personas, x) for x in (a, b, c))
    meeting.refresh_from_db()
    loaded = meeting.version
    services.agenda_move(item=ic, by=personas.coordinator, up=True, version=loaded)
    assert [i.case for i in meeting.agenda.all()] == [a, c, b]
    # a second coordinator's form loaded before the move: refused, nothing changes
    with pytest.raises(services.StaleMeeting):
        services.agenda_reorder(
            meeting=meeting, by=personas.coordinator, item_ids=[ib.pk, ia.pk, ic.pk], version=loaded
        )
    assert [i.case for i in meeting.agenda.all()] == [a, c, b]
    meeting.refresh_from_db()
    with pytest.raises(services.MeetingError, match="every agenda item"):
        services.agenda_reorder(
            meeting=meeting, by=personas.coordinator, item_ids=[ia.pk], version=meeting.version
        )
    services.agenda_remove(item=ia, by=personas.coordinator, version=meeting.version)
    assert [(i.case, i.position) for i in meeting.agenda.all()] == [(c, 1), (b, 2)]


def test_notes_are_encrypted_and_audited(personas, meeting, case):
    item = add(meeting, personas, case)
    meeting.refresh_from_db()
    services.agenda_notes_save(
        item=item, by=personas.coordinator, notes="Placement is unstable.", version=meeting.version
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT discussion_notes FROM meetings_agendaitem WHERE id = %s", [item.pk])
        stored = cursor.fetchone()[0]
    assert "unstable" not in stored and stored.startswith("hw1$")
    assert AuditEntry.objects.filter(
        action=Action.UPDATE, object_type="meetings.agendaitem", fields=["discussion_notes"]
    ).exists()


def test_only_people_with_a_case_role_are_invited(personas, meeting):
    with pytest.raises(services.MeetingError, match="no case role"):
        services.attendee_invite(
            meeting=meeting,
            by=personas.coordinator,
            user=personas.analyst,
            organisation=personas.coordinating_office,
        )
    # a case role, but not in the organisation they would represent
    with pytest.raises(services.MeetingError, match="no case role"):
        services.attendee_invite(
            meeting=meeting,
            by=personas.coordinator,
            user=personas.advocate,
            organisation=personas.police,
        )
    invite(meeting, personas, "advocate")
    with pytest.raises(services.MeetingError, match="already invited"):
        invite(meeting, personas, "advocate")


def test_only_the_attendee_acknowledges_for_themselves(personas, meeting):
    attendee = invite(meeting, personas, "advocate")
    with pytest.raises(services.NotYourAcknowledgement):
        services.confidentiality_acknowledge(attendee=attendee, by=personas.coordinator)
    attendee.refresh_from_db()
    assert attendee.acknowledged_at is None
    assert AuditEntry.objects.filter(
        action=Action.ACCESS_DENIED, object_type="meetings.attendee", outcome=Outcome.DENIED
    ).exists()
    services.confidentiality_acknowledge(attendee=attendee, by=personas.advocate)
    attendee.refresh_from_db()
    assert attendee.acknowledged_at is not None
    assert attendee.statement_version == services.STATEMENT_VERSION


def _held_with_case(personas, meeting, case):
    add(meeting, personas, case)
    return start(meeting, personas)


def test_action_item_lands_in_case_timeline_and_owner_inbox(clock, personas, meeting, case):
    meeting = _held_with_case(personas, meeting, case)
    item = services.action_item_create(
        meeting=meeting,
        case=case,
        by=personas.coordinator,
        description="Find a placement closer to school.",
        owner=personas.advocate,
        due_on=date(2026, 11, 30),
    )
    event = CaseEvent.objects.get(case=case, kind="mdt_action")
    assert event.summary == "MDT action item for advocate, due 2026-11-30"
    assert "placement" not in event.summary
    assert list(selectors.action_items_open_for(personas.advocate)) == [item]
    assert list(selectors.action_items_for_case(case)) == [item]
    assert AuditEntry.objects.filter(
        action=Action.CREATE, object_type="meetings.actionitem", object_id=str(item.pk)
    ).exists()

    services.action_item_done(item=item, by=personas.advocate, version=item.version)
    item.refresh_from_db()
    assert item.status == ActionStatus.DONE and item.done_by == personas.advocate
    assert CaseEvent.objects.filter(case=case, kind="mdt_action_done").exists()
    assert list(selectors.action_items_open_for(personas.advocate)) == []


@pytest.mark.parametrize(
    ("due", "message"),
    [(date(2026, 11, 22), "past"), (None, None)],
)
def test_due_date_cannot_be_in_the_past(clock, personas, meeting, case, due, message):
    meeting = _held_with_case(personas, meeting, case)
    due_on = due or date(2026, 11, 23)  # today is allowed
    kwargs = {
        "meeting": meeting,
        "case": case,
        "by": personas.coordinator,
        "description": "Check in with the school.",
        "owner": personas.advocate,
        "due_on": due_on,
    }
    if message:
        with pytest.raises(services.MeetingError, match=message):
            services.action_item_create(**kwargs)
        assert not CaseEvent.objects.filter(kind="mdt_action").exists()
    else:
        assert services.action_item_create(**kwargs).due_on == due_on


def test_owner_needs_a_case_role_and_a_link_to_the_case(clock, personas, meeting, case):
    meeting = _held_with_case(personas, meeting, case)
    kwargs = {
        "meeting": meeting,
        "case": case,
        "by": personas.coordinator,
        "description": "Ask about the hearing date.",
        "due_on": date(2026, 12, 1),
    }
    for owner in (personas.analyst, personas.youth_lead, personas.no_role):
        with pytest.raises(services.MeetingError, match="cannot own"):
            services.action_item_create(owner=owner, **kwargs)
    # a prosecutor who is neither on the care team nor at the meeting
    with pytest.raises(services.MeetingError, match="cannot own"):
        services.action_item_create(owner=personas.prosecutor, **kwargs)
    invite(meeting, personas, "prosecutor")
    assert services.action_item_create(owner=personas.prosecutor, **kwargs).owner_id == (
        personas.prosecutor.pk
    )


def test_decisions_only_while_held_and_only_for_agenda_cases(personas, meeting, case):
    add(meeting, personas, case)
    kwargs = {
        "case": case,
        "by": personas.coordinator,
        "description": "x",
        "owner": personas.advocate,
        "due_on": timezone.localdate() + timedelta(days=3),
    }
    with pytest.raises(services.MeetingError, match="Start the meeting"):
        services.action_item_create(meeting=meeting, **kwargs)
    start(meeting, personas)
    other = open_case(personas, legal_name="Zoe Otherperson", date_of_birth=date(2011, 5, 5))
    with pytest.raises(services.MeetingError, match="on the agenda"):
        services.action_item_create(meeting=meeting, **{**kwargs, "case": other})
    with pytest.raises(services.MeetingError, match="Describe"):
        services.action_item_create(meeting=meeting, **{**kwargs, "description": "  "})


def test_marking_done_with_a_stale_version_is_refused(personas, meeting, case):
    meeting = _held_with_case(personas, meeting, case)
    item = services.action_item_create(
        meeting=meeting,
        case=case,
        by=personas.coordinator,
        description="Arrange a medical check.",
        owner=personas.advocate,
        due_on=timezone.localdate() + timedelta(days=7),
    )
    loaded = item.version
    services.action_item_cancel(item=item, by=personas.coordinator, version=loaded)
    with pytest.raises(services.StaleActionItem):
        services.action_item_done(item=item, by=personas.advocate, version=loaded)
    item.refresh_from_db()
    assert item.status == ActionStatus.CANCELLED
    with pytest.raises(services.MeetingError, match="no longer open"):
        services.action_item_done(item=item, by=personas.advocate, version=item.version)
    assert CaseEvent.objects.filter(case=case, kind="mdt_action_cancelled").exists()


def test_overdue_action_items(clock, personas, meeting, case):
    meeting = _held_with_case(personas, meeting, case)
    item = services.action_item_create(
        meeting=meeting,
        case=case,
        by=personas.coordinator,
        description="Follow up with the clinic.",
        owner=personas.advocate,
        due_on=date(2026, 11, 25),
    )
    assert list(selectors.overdue_action_items(timezone.now())) == []
    clock.shift(timedelta(days=2))
    assert list(selectors.overdue_action_items(timezone.now())) == []  # due today
    clock.shift(timedelta(days=1))
    assert list(selectors.overdue_action_items(timezone.now())) == [item]
    services.action_item_done(item=item, by=personas.advocate, version=None)
    assert list(selectors.overdue_action_items(timezone.now())) == []


def test_closing_needs_attendance_and_records_the_review(personas, meeting, case):
    attendee = invite(meeting, personas, "advocate")
    meeting = _held_with_case(personas, meeting, case)
    with pytest.raises(services.MeetingError, match="attendance"):
        services.meeting_close(meeting=meeting, by=personas.coordinator, version=meeting.version)
    services.attendance_record(attendee=attendee, by=personas.coordinator, attended=True)
    with pytest.raises(services.StaleMeeting):
        services.meeting_close(meeting=meeting, by=personas.coordinator, version=0)
    closed = services.meeting_close(
        meeting=meeting, by=personas.coordinator, version=meeting.version
    )
    assert closed.status == MeetingStatus.CLOSED
    assert CaseEvent.objects.filter(case=case, kind="mdt_reviewed").exists()
    with pytest.raises(services.MeetingError, match="closed"):
        add(closed, personas, case)


def test_demo_seed_creates_two_meetings_once():
    from django.core.management import call_command

    call_command("seed", "--demo", stdout=None)
    assert Meeting.objects.count() == 2
    assert ActionItem.objects.filter(owner__username="advocate").exists()
    assert Meeting.objects.filter(status=MeetingStatus.CLOSED).count() == 1
    call_command("seed", "--demo", stdout=None)
    assert Meeting.objects.count() == 2  # idempotent


def test_attendance_only_while_held_and_decided_cases_stay_on_the_agenda(personas, meeting, case):
    attendee = invite(meeting, personas, "advocate")
    with pytest.raises(services.MeetingError, match="Start the meeting"):
        services.attendance_record(attendee=attendee, by=personas.coordinator, attended=True)
    item = add(meeting, personas, case)
    meeting = start(meeting, personas)
    services.action_item_create(
        meeting=meeting,
        case=case,
        by=personas.coordinator,
        description="Share the safety plan with the shelter.",
        owner=personas.advocate,
        due_on=timezone.localdate(),
    )
    meeting.refresh_from_db()
    with pytest.raises(services.MeetingError, match="stays on the agenda"):
        services.agenda_remove(item=item, by=personas.coordinator, version=meeting.version)
    assert meeting.agenda.filter(pk=item.pk).exists()
