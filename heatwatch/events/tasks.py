"""Background work for events: re-sending calendar entries when an event changes, and the
periodic jobs (waitlist holds that expire, follow-up surveys, the purge of personal data)."""

from __future__ import annotations

import logging
import smtplib

from django_tasks import task

from heatwatch.events import services
from heatwatch.events.models import Event, RegistrationStatus

logger = logging.getLogger(__name__)


class UpdateNotSent(Exception):
    """Some registrants of a changed event could not be sent its new entry (the run fails,
    so the worker records it; everyone else was sent theirs)."""


@task()
def send_event_update(*, event_id: int, version: int, skip: list[int] | None = None) -> None:
    """Send the registrants of an event its changed (or cancelled) calendar entry.

    A newer change enqueues its own run, so a run for an older version sends nothing; run
    twice, it sends twice at worst (clients keep one entry per UID and SEQUENCE). ``skip``:
    registrations already sent the new entry (promoted from the waitlist by the same change).
    """
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.version != version:
        return
    if event.is_cancelled:
        kind = "event_cancelled"
        statuses = [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    else:
        kind = "updated"
        statuses = [RegistrationStatus.CONFIRMED]
    ids = (
        event.registrations.filter(status__in=statuses)
        .exclude(pk__in=skip or [])
        .values_list("pk", flat=True)
    )
    failed: list[int] = []
    for registration_id in ids:
        try:
            services.send_change(registration_id, kind=kind)
        except (smtplib.SMTPException, OSError):
            # One refused address (or a dropped connection) must not keep the new time
            # from everyone after it in the list.
            logger.warning(
                "event %s: registration %s not sent its %s entry",
                event_id,
                registration_id,
                kind,
                exc_info=True,
            )
            failed.append(registration_id)
    if failed:
        raise UpdateNotSent(
            f"event {event_id}: {len(failed)} registrant(s) not sent the {kind} entry: {failed}"
        )


@task()
def expire_holds() -> None:
    """Periodic: pass on every expired waitlist hold to the next person."""
    services.holds_expire()


@task()
def send_surveys() -> None:
    """Periodic: mail the follow-up survey to the attendees of events just over."""
    from heatwatch.events import surveys  # imports services, which imports this module

    surveys.surveys_send()


@task()
def purge_personal_data() -> None:
    """Periodic: erase registrants' personal data HEATWATCH_EVENT_PURGE_DAYS after the event."""
    from heatwatch.events import retention

    retention.personal_data_purge()
