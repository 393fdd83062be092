"""Event notices: when a coalition training is published (public, upcoming, not cancelled),
the coordinators' mailing page offers a notice to the subscribers interested in trainings; the
coordinator opens it (a draft newsletter tied to the event) and confirms the send.

Reads the events app; the events app never imports mailing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.html import escape

from heatwatch.events.models import Event, Kind
from heatwatch.lib.links import absolute_url
from heatwatch.mailing.models import Newsletter


def trainings_without_notice(*, now: datetime | None = None) -> QuerySet[Event]:
    """Published upcoming coalition trainings that have no notice yet, soonest first."""
    now = now or timezone.now()
    noticed = Newsletter.objects.filter(event__isnull=False).values("event_id")
    return (
        Event.objects.filter(
            kind=Kind.COALITION, is_public=True, cancelled_at__isnull=True, starts_at__gte=now
        )
        .exclude(pk__in=noticed)
        .order_by("starts_at", "pk")
    )


def _paragraph(event: Event) -> dict[str, Any]:
    when = formats.date_format(timezone.localtime(event.starts_at), "DATETIME_FORMAT")
    where = event.venue_address or translation.gettext("Online")
    url = absolute_url(event.get_absolute_url())
    lines = [
        f"<p>{escape(event.description)}</p>" if event.description else "",
        f"<p><b>{escape(translation.gettext('When:'))}</b> {escape(when)}<br>"
        f"<b>{escape(translation.gettext('Where:'))}</b> {escape(where)}</p>",
        f'<p><a href="{escape(url)}">{escape(translation.gettext("Details and registration"))}'
        "</a></p>",
    ]
    return {"type": "paragraph", "value": "".join(lines)}


def notice_fields(event: Event) -> dict[str, Any]:
    """The subject and content of a notice, in English and Spanish (the coordinator may edit
    them in the CMS before sending)."""
    fields: dict[str, Any] = {}
    for language, suffix in (("en", ""), ("es", "_es")):
        with translation.override(language):
            fields["subject" + suffix] = translation.gettext(
                "New coalition training: %(title)s"
            ) % {"title": event.title}
            fields["preheader" + suffix] = formats.date_format(
                timezone.localtime(event.starts_at), "DATE_FORMAT"
            )
            fields["content" + suffix] = [_paragraph(event)]
    fields["subject"] = fields["subject"][:200]
    fields["subject_es"] = fields["subject_es"][:200]
    return fields
