"""Calendar files (RFC 5545) of events, built with ``icalendar``.

One UID per event for its whole life (the public ``.ics`` and the site feed) and one per
registration (the entry sent to a registrant, METHOD:REQUEST, RFC 5546); SEQUENCE is the
event's version, which grows with every saved change, so a calendar client replaces the entry
it has. Times carry the program's time zone (TZID and a VTIMEZONE). The online link is put
only in a registrant's own entry, never in a public one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from heatwatch.events.models import Event, Registration
from heatwatch.lib.links import absolute_url

PRODID = "-//heatwatch//events//EN"


def place_text(event: Event) -> str:
    return ", ".join(part for part in (event.venue_room, event.venue_address) if part)


def _calendar(method: str = "") -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def _organizer() -> vCalAddress:
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(settings.HEATWATCH_PROGRAM["name"])
    return organizer


def _local(value: datetime) -> datetime:
    return value.astimezone(ZoneInfo(settings.TIME_ZONE))


def _vevent(event: Event, *, uid: str, online_link: bool, stamp: datetime) -> VEvent:
    url = absolute_url(event.get_absolute_url())
    item = VEvent()
    item.add("uid", uid)
    item.add("dtstamp", stamp)
    item.add("dtstart", _local(event.starts_at))
    item.add("dtend", _local(event.ends_at))
    item.add("sequence", event.version)
    item.add("last-modified", event.updated_at)
    item.add("summary", event.title)
    description = [event.description, "", url] if event.description else [url]
    location = place_text(event)
    if online_link and event.online_url:
        description += ["", event.online_url]
        location = location or event.online_url
    item.add("description", "\n".join(description))
    if location:
        item.add("location", location)
    item.add("url", url)
    item.add("organizer", _organizer())
    item.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    return item


def events_calendar(events: Iterable[Event], *, name: str = "") -> bytes:
    """A calendar of ``events`` (the public ones' fields only), for a feed or one event."""
    cal = _calendar()
    if name:
        cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for event in events:
        cal.add_component(_vevent(event, uid=event.ical_uid, online_link=False, stamp=stamp))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def registration_calendar(registration: Registration, *, cancel: bool = False) -> bytes:
    """The entry sent to one registrant, with them as the attendee: METHOD:REQUEST (a new or
    changed event; the higher SEQUENCE replaces the client's copy) or, with ``cancel`` (their
    registration or the event is cancelled), METHOD:CANCEL with STATUS:CANCELLED, so the
    client removes it (RFC 5546 §3.2.5)."""
    cal = _calendar("CANCEL" if cancel else "REQUEST")
    item = _vevent(
        registration.event,
        uid=registration.ical_uid,
        online_link=True,
        stamp=timezone.now(),
    )
    attendee = vCalAddress(f"mailto:{registration.email}")
    attendee.params["cn"] = vText(registration.name)
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    item.add("attendee", attendee)
    if cancel:
        item["status"] = vText("CANCELLED")
        if not registration.event.is_cancelled:
            # Only this registration ends: its entry must still outrank the last REQUEST.
            item["sequence"] = registration.event.version + 1
    cal.add_component(item)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
