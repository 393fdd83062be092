"""Synthetic MDT meetings for the demo: last week's (closed, with decisions) and next week's
(planned, agenda proposed, partners invited). Never real people."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from heatwatch.accounts.models import Membership, Role
from heatwatch.cases.models import Case
from heatwatch.meetings import services
from heatwatch.meetings.models import Meeting


def seed_meetings(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    """Two meetings run by the first coordinator with the demo advocate invited (once)."""
    if Meeting.objects.exists():
        return ["Meetings: already present"]
    memberships = Membership.objects.filter(is_active=True, user__is_active=True).select_related(
        "user", "organisation"
    )
    coordinator = memberships.filter(role=Role.COORDINATOR).order_by("pk").first()
    advocates = memberships.filter(role=Role.ADVOCATE).order_by("pk")
    advocate = advocates.filter(user__username="advocate").first() or advocates.first()
    if coordinator is None or advocate is None or not Case.objects.exists():
        return ["Meetings: no coordinator, advocate or case to seed with"]
    by = coordinator.user
    now = timezone.now()
    today = timezone.localdate()

    # Last week's meeting: recorded as it happened, then moved to its date.
    past = services.meeting_create(
        by=by,
        name="Weekly MDT case review",
        location="County building, room 4",
        scheduled_start=now,
    )
    Meeting.objects.filter(pk=past.pk).update(scheduled_start=now - timedelta(days=7))
    past.refresh_from_db()
    services.agenda_propose(meeting=past, by=by, version=past.version, limit=3)
    attendees = [
        services.attendee_invite(meeting=past, by=by, user=m.user, organisation=m.organisation)
        for m in (coordinator, advocate)
    ]
    for attendee in attendees:
        services.confidentiality_acknowledge(attendee=attendee, by=attendee.user)
    past.refresh_from_db()
    past = services.meeting_mark_held(meeting=past, by=by, version=past.version)
    for attendee in attendees:
        services.attendance_record(attendee=attendee, by=by, attended=True)
    decisions = [
        "Confirm the placement can continue through the holidays.",
        "Schedule a follow-up medical appointment.",
        "Check school enrolment and transport.",
    ]
    actions = 0
    for n, item in enumerate(past.agenda.select_related("case")):
        action = services.action_item_create(
            meeting=past,
            case=item.case,
            by=by,
            description=decisions[n % len(decisions)],
            owner=advocate.user,
            due_on=today + timedelta(days=rng.randint(0, 10)),
        )
        actions += 1
        if n == 0:
            services.action_item_done(item=action, by=advocate.user, version=action.version)
    past.refresh_from_db()
    services.meeting_close(meeting=past, by=by, version=past.version)

    # Next week's meeting: agenda proposed (alerts first), partners invited.
    upcoming = services.meeting_create(
        by=by,
        name="Weekly MDT case review",
        location="County building, room 4",
        scheduled_start=now + timedelta(days=7),
    )
    services.agenda_propose(meeting=upcoming, by=by, version=upcoming.version, limit=5)
    services.attendee_invite(
        meeting=upcoming, by=by, user=advocate.user, organisation=advocate.organisation
    )
    return [f"Meetings: 2 MDT meetings, {actions} action items (owner {advocate.user.username})"]
