"""The care team's private calendar feed of a youth's youth-court hearings (RFC 5545, built
with ``icalendar`` as heatwatch/events/ical.py).

A calendar is less protected than the platform: an entry carries the case reference, the
date (and time), the department and the purpose, never the youth's name or a hearing's
outcome. One UID per hearing for its whole life; SEQUENCE is the hearing's version.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from heatwatch.cases.models import Case
from heatwatch.lib.links import absolute_url
from heatwatch.prosecution.models import Hearing

PRODID = "-//heatwatch//youth-court docket//EN"
HEARING_MINUTES = 60


def _uid(hearing: Hearing) -> str:
    host = absolute_url("/").split("://", 1)[-1].strip("/") or "heatwatch"
    return f"hearing-{hearing.pk}@{host}"


def docket_calendar(case: Case, hearings: Iterable[Hearing]) -> bytes:
    """The feed of ``case``'s hearings."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Youth court: %(ref)s") % {"ref": case.reference})
    stamp = timezone.now()
    zone = ZoneInfo(settings.TIME_ZONE)
    link = absolute_url(f"/staff/cases/{case.pk}/")
    for hearing in hearings:
        item = VEvent()
        item.add("uid", _uid(hearing))
        item.add("dtstamp", stamp)
        if hearing.at is not None:
            start = datetime.combine(hearing.on, hearing.at, tzinfo=zone)
            item.add("dtstart", start)
            item.add("dtend", start + timedelta(minutes=HEARING_MINUTES))
        else:
            item.add("dtstart", hearing.on)
            item.add("dtend", hearing.on + timedelta(days=1))
        item.add("sequence", hearing.version)
        item.add("last-modified", hearing.updated_at)
        item.add(
            "summary",
            _("Youth court: %(purpose)s (%(ref)s)")
            % {"purpose": hearing.get_purpose_display(), "ref": case.reference},
        )
        item.add("location", hearing.department)
        item.add("description", link)
        item.add("url", link)
        cal.add_component(item)
    return cal.to_ical()
