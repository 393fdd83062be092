"""N+1 guards: the meetings list, a meeting's agenda and the MDT action items need no more
queries for 12 rows than for 2. The agenda and the action items audit each case they show (one
entry per case, by design): those entries are counted apart (``audited_by``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from heatwatch.meetings import services
from heatwatch.meetings.tests.conftest import add, invite, new_meeting, open_case, start

pytestmark = pytest.mark.django_db

FEW, MORE = 2, 10


def _meetings(personas, n: int) -> list:
    made = []
    for i in range(n):
        meeting = new_meeting(personas, hours=2 + i, name=f"MDT count {len(made)}-{i}")
        invite(meeting, personas)
        made.append(meeting)
    return made


@pytest.mark.parametrize("name", ["coordinator", "advocate"])
def test_meetings_list(personas, login, queries_do_not_grow, name):
    meetings = _meetings(personas, FEW)
    client = login(Client(), getattr(personas, name))
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/meetings/"),
        lambda: meetings.extend(_meetings(personas, MORE)),
        most=20,
    )
    page = after.content.decode()
    assert all(f"/staff/meetings/{m.pk}/" in page for m in meetings)


def _on_agenda(personas, meeting, n: int, *, actions: bool = False) -> list:
    """``n`` new cases on the agenda of ``meeting`` (held), each with an action item for the
    advocate when ``actions``."""
    cases = []
    for i in range(n):
        case = open_case(personas, legal_name=f"Youth Agenda{i}", date_of_birth=None)
        add(meeting, personas, case)
        cases.append(case)
    if actions:
        for case in cases:
            services.action_item_create(
                meeting=meeting,
                case=case,
                by=personas.coordinator,
                description="Book the clinic visit.",
                owner=personas.advocate,
                due_on=timezone.localdate() + timedelta(days=7),
            )
    return cases


@pytest.fixture
def held(personas):
    meeting = new_meeting(personas, hours=0)
    invite(meeting, personas)
    return meeting


def test_meeting_agenda_for_the_coordinator(personas, login, queries_do_not_grow, held):
    start(held, personas)
    cases = _on_agenda(personas, held, FEW, actions=True)
    client = login(Client(), personas.coordinator)
    _, after = queries_do_not_grow(
        lambda: client.get(f"/staff/meetings/{held.pk}/"),
        lambda: cases.extend(_on_agenda(personas, held, MORE, actions=True)),
        most=40,
        audited_by=personas.coordinator,
    )
    page = after.content.decode()
    assert all(c.reference in page for c in cases)
    assert page.count("Book the clinic visit.") == FEW + MORE


def test_meeting_agenda_for_an_attendee(personas, login, queries_do_not_grow, meeting):
    attendee = invite(meeting, personas, "advocate_other")
    services.confidentiality_acknowledge(attendee=attendee, by=personas.advocate_other)
    cases = _on_agenda(personas, meeting, FEW)
    client = login(Client(), personas.advocate_other)
    _, after = queries_do_not_grow(
        lambda: client.get(f"/staff/meetings/{meeting.pk}/"),
        lambda: cases.extend(_on_agenda(personas, meeting, MORE)),
        most=40,
        audited_by=personas.advocate_other,
    )
    page = after.content.decode()
    assert all(c.reference in page for c in cases)


def test_my_action_items(personas, login, queries_do_not_grow, held):
    start(held, personas)
    cases = _on_agenda(personas, held, FEW, actions=True)
    client = login(Client(), personas.advocate)
    _, after = queries_do_not_grow(
        lambda: client.get("/staff/meetings/actions/"),
        lambda: cases.extend(_on_agenda(personas, held, MORE, actions=True)),
        most=25,
        audited_by=personas.advocate,
    )
    page = after.content.decode()
    assert all(c.reference in page for c in cases)
    assert page.count("/done/") == FEW + MORE
