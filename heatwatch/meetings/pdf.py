"""Briefing PDFs for MDT attendees (weasyprint).

The HTML comes from our own template with every value escaped; weasyprint is given a URL
fetcher that refuses everything, so a briefing never loads a remote (or local) resource, even
if a value were to smuggle in a URL. The PDF's metadata (title, subject) names the meeting by
number and date only, never a youth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from heatwatch.meetings.models import Meeting
from heatwatch.meetings.selectors import Briefing

STYLESHEET = (Path(__file__).parent / "briefing.css").read_text(encoding="utf-8")


class ExternalResourceRefused(ValueError):
    """A briefing tried to load a URL."""


class RefusingURLFetcher(URLFetcher):
    """Fetches nothing: every URL (http, file, data…) is refused. ``refused`` lists what was
    asked for, so a test can prove nothing was loaded."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        self.refused.append(url)
        raise ExternalResourceRefused("briefings load no external resources")


def render_briefing(
    *, meeting: Meeting, briefings: list[Briefing], reader: Any, fetcher: URLFetcher | None = None
) -> bytes:
    """The PDF of ``briefings`` for ``reader`` (named in the header of every page)."""
    fetcher = fetcher or RefusingURLFetcher()
    html = render_to_string(
        "meetings/briefing_pdf.html",
        {
            "meeting": meeting,
            "briefings": briefings,
            "reader": reader,
            "printed_at": timezone.localtime(),
            "title": f"MDT briefing, meeting {meeting.pk} "
            f"({timezone.localdate(meeting.scheduled_start).isoformat()})",
        },
    )
    document = HTML(string=html, base_url="about:blank", url_fetcher=fetcher)
    stylesheet = CSS(string=STYLESHEET, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet])
    return pdf
