"""Helpers for the meeting tests: meetings, agendas and attendees made through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from heatwatch.cases.tests.conftest import case, open_case  # noqa: F401 - shared fixtures
from heatwatch.meetings import services
from heatwatch.meetings.models import Attendee, Meeting


def new_meeting(personas, *, hours: int = 2, name: str = "Weekly MDT") -> Meeting:
    return services.meeting_create(
        by=personas.coordinator,
        name=name,
        location="Room 4",
        scheduled_start=timezone.now() + timedelta(hours=hours),
    )


def invite(meeting: Meeting, personas, who: str = "advocate") -> Attendee:
    user = getattr(personas, who)
    organisation = {
        "advocate": personas.provider,
        "advocate_other": personas.clinic,
        "officer": personas.police,
        "prosecutor": personas.prosecution,
        "coordinator": personas.coordinating_office,
    }[who]
    return services.attendee_invite(
        meeting=meeting, by=personas.coordinator, user=user, organisation=organisation
    )


def add(meeting: Meeting, personas, case_):
    meeting.refresh_from_db()
    return services.agenda_add(
        meeting=meeting, by=personas.coordinator, case=case_, version=meeting.version
    )


def start(meeting: Meeting, personas) -> Meeting:
    meeting.refresh_from_db()
    return services.meeting_mark_held(
        meeting=meeting, by=personas.coordinator, version=meeting.version
    )


@pytest.fixture
def meeting(personas) -> Meeting:
    return new_meeting(personas)
