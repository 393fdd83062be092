"""MDT decisions land in the case: on the case page, in the owner's case list, and as an alert
when they are overdue."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from heatwatch.cases import services
from heatwatch.cases.models import AlertKind
from heatwatch.cases.tests.conftest import open_case
from heatwatch.meetings import services as meetings
from heatwatch.meetings.tests.conftest import add, new_meeting, start


def test_action_item_reaches_the_case_the_owner_and_the_alerts(personas, login, clock):
    case = open_case(personas)
    meeting = new_meeting(personas, hours=1)
    add(meeting, personas, case)
    meeting = start(meeting, personas)
    item = meetings.action_item_create(
        meeting=meeting,
        case=case,
        by=personas.coordinator,
        description="Book the dental appointment the youth asked for.",
        owner=personas.advocate,
        due_on=timezone.localdate() + timedelta(days=3),
    )
    client = login(Client(), personas.advocate)
    page = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "Book the dental appointment the youth asked for." in page
    listing = client.get("/staff/cases/").content.decode()
    assert "Your MDT action items" in listing and case.reference in listing
    assert "dental" not in listing  # lists carry no free text

    clock.shift(timedelta(days=3))
    services.alerts_refresh()
    assert not case.alerts.filter(kind=AlertKind.ACTION_ITEM_OVERDUE).exists()  # due today
    clock.shift(timedelta(days=1))
    services.alerts_refresh()
    alert = case.alerts.get(kind=AlertKind.ACTION_ITEM_OVERDUE, resolved_at__isnull=True)
    assert alert.key == f"action:{item.pk}"

    item.refresh_from_db()
    meetings.action_item_done(item=item, by=personas.advocate, version=item.version)
    services.alerts_refresh()
    alert.refresh_from_db()
    assert alert.resolved_at is not None
