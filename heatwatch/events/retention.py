"""Purging registrants' personal data a configurable time after the event
(``HEATWATCH_EVENT_PURGE_DAYS``), keeping the counts.

A purged registration keeps what the reports count (status, places, audience type, sector,
check-in, walk-in, the survey answers, which name nobody) and loses the name, e-mail,
organisation and accessibility needs; its e-mail index is replaced so the address can no
longer be matched. The contact details of the training request the event came from go too.
One audit entry per event (no personal data in it); safe to run twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.events.models import Event, Registration, TrainingRequest
from heatwatch.lib.versioning import locked


def purge_due(*, now: datetime | None = None) -> list[int]:
    """The events whose registrants' personal data is due for erasure."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.HEATWATCH_EVENT_PURGE_DAYS)
    return list(
        Event.objects.filter(ends_at__lt=cutoff, personal_data_purged_at__isnull=True)
        .order_by("ends_at")
        .values_list("pk", flat=True)
    )


def personal_data_purge(*, now: datetime | None = None) -> int:
    """Erase the personal data of every event that ended HEATWATCH_EVENT_PURGE_DAYS ago;
    returns how many registrations were erased."""
    now = now or timezone.now()
    erased = 0
    for event_id in purge_due(now=now):
        erased += _purge_event(event_id, now=now)
    return erased


@transaction.atomic
def _purge_event(event_id: int, *, now: datetime) -> int:
    event = locked(Event, event_id, version=None)
    if event.personal_data_purged_at is not None:
        return 0
    rows = list(Registration.objects.select_for_update().filter(event=event))
    for row in rows:
        row.name = ""
        row.email = ""
        row.organisation = ""
        row.accessibility_needs = ""
        row.email_index = f"purged:{row.uid}"
        row.save(
            update_fields=[
                "name",
                "email",
                "organisation",
                "accessibility_needs",
                "email_index",
                "updated_at",
            ]
        )
    for request in TrainingRequest.objects.select_for_update().filter(event=event):
        request.contact_name = ""
        request.contact_email = ""
        request.contact_phone = ""
        request.save(update_fields=["contact_name", "contact_email", "contact_phone", "updated_at"])
    event.personal_data_purged_at = now
    event.save(update_fields=["personal_data_purged_at", "updated_at"])
    audit_log(
        action=Action.DELETE,
        obj=event,
        fields=["registrations.name", "registrations.email", "registrations.organisation"],
        reason=f"personal data purged ({len(rows)} registrations)",
    )
    return len(rows)
