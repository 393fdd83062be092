"""Briefing PDFs: what they contain (read back with pypdf), the header on every page, metadata
without names, download headers, audited exports, and no external resource ever fetched."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader
from weasyprint import HTML

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.cases import selectors as case_selectors
from heatwatch.cases import services as case_services
from heatwatch.cases.models import Alert, AlertKind
from heatwatch.cases.tests.conftest import make_service
from heatwatch.meetings import services
from heatwatch.meetings.pdf import RefusingURLFetcher, render_briefing
from heatwatch.meetings.selectors import briefings_for, court_status
from heatwatch.meetings.tests.conftest import add, invite, open_case, start

pytestmark = pytest.mark.django_db

HEADER = "Confidential — MDT use only"


@pytest.fixture
def prepared(personas, meeting, case):
    """A meeting with the case on its agenda: a referral, an alert and an open action item;
    the advocate invited and acknowledged."""
    service = make_service(personas.clinic, name="Harbor Youth Counselling")
    case_services.referral_send(case=case, by=personas.advocate, service=service)
    Alert.objects.create(
        case=case,
        kind=AlertKind.NO_CONTACT,
        key="no_contact",
        message="No contact with the youth for 15 days",
        raised_at=timezone.now() - timedelta(days=1),
    )
    item = add(meeting, personas, case)
    attendee = invite(meeting, personas, "advocate")
    services.confidentiality_acknowledge(attendee=attendee, by=personas.advocate)
    held = start(meeting, personas)
    services.action_item_create(
        meeting=held,
        case=case,
        by=personas.coordinator,
        description="Book a follow-up at the clinic.",
        owner=personas.advocate,
        due_on=timezone.localdate() + timedelta(days=5),
    )
    return held, item


def _pages(content: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    return reader, [page.extract_text() for page in reader.pages]


def test_youth_briefing_has_every_section(personas, login, prepared, case):
    meeting, item = prepared
    client = login(Client(), personas.advocate)
    response = client.get(f"/staff/meetings/{meeting.pk}/agenda/{item.pk}/briefing/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert case.reference in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]

    reader, pages = _pages(response.content)
    text = "\n".join(pages)
    for expected in (
        "Marisol Testwell",  # background
        "16 (born 2010-04-05)",
        "Female",
        "en es",
        "Direct referral",
        "Avoid the Harbor Street depot.",  # safety concerns
        "Harbor Youth Counselling",  # open referrals: service, organisation, status
        "Test Youth Clinic",
        "Sent",
        "Court status",
        court_status(case),  # "none recorded" from the cases app ("not recorded" without it)
        "No contact with the youth for 15 days",  # open alerts
        "Book a follow-up at the clinic.",  # open action items
    ):
        assert expected in text, expected
    for page in pages:
        assert HEADER in page
        assert "Weekly MDT" in page and "Prepared for advocate" in page
    # the metadata names the meeting by number and date, never the youth
    title = reader.metadata.title
    assert title.startswith(f"MDT briefing, meeting {meeting.pk} (")
    assert "Marisol" not in str(dict(reader.metadata))

    exports = AuditEntry.objects.filter(action=Action.EXPORT, object_type="cases.case")
    assert [(e.actor_id, e.object_id) for e in exports] == [(personas.advocate.pk, str(case.pk))]


def test_agenda_briefing_has_one_section_per_youth_and_the_header_on_every_page(
    personas, login, prepared, case
):
    meeting, _item = prepared
    other = open_case(
        personas,
        legal_name="Kiara Samplesby",
        date_of_birth=None,
        estimated_age=15,
        safety_notes="",
    )
    add(meeting, personas, other)
    client = login(Client(), personas.coordinator)
    response = client.get(f"/staff/meetings/{meeting.pk}/briefing/")
    assert response.status_code == 200
    reader, pages = _pages(response.content)
    assert len(pages) >= 2
    assert all(HEADER in page and "Prepared for coordinator" in page for page in pages)
    text = "\n".join(pages)
    assert "Marisol Testwell" in text and "Kiara Samplesby" in text
    assert "about 15 (estimated)" in text and "No safety notes recorded." in text
    assert text.index("Marisol Testwell") < text.index("Kiara Samplesby")  # agenda order
    exports = AuditEntry.objects.filter(action=Action.EXPORT, object_type="cases.case")
    assert sorted(e.object_id for e in exports) == sorted([str(case.pk), str(other.pk)])


def test_court_status_comes_from_the_cases_app_when_it_offers_it(personas, prepared, monkeypatch):
    meeting, item = prepared
    monkeypatch.setattr(
        case_selectors,
        "case_court_status",
        lambda *, case: "Dependency court; next hearing 2026-12-02",
        raising=False,
    )
    briefings = briefings_for(meeting=meeting, items=[item])
    pdf = render_briefing(meeting=meeting, briefings=briefings, reader=personas.coordinator)
    _reader, pages = _pages(pdf)
    assert "Dependency court; next hearing 2026-12-02" in "\n".join(pages)


def test_briefing_fetches_nothing_even_when_a_note_holds_markup(personas, meeting):
    case = open_case(
        personas,
        legal_name="Destiny Mockridge",
        date_of_birth=date(2011, 1, 2),
        safety_notes='<img src="http://example.test/track.png"> <link rel="stylesheet" href="file:///etc/passwd">',
    )
    item = add(meeting, personas, case)
    fetcher = RefusingURLFetcher()
    pdf = render_briefing(
        meeting=meeting,
        briefings=briefings_for(meeting=meeting, items=[item]),
        reader=personas.coordinator,
        fetcher=fetcher,
    )
    assert fetcher.refused == []  # escaped: printed as text, never loaded
    assert 'src="http://example.test/track.png"' in "".join(_pages(pdf)[1])


def test_refusing_fetcher_blocks_every_url():
    fetcher = RefusingURLFetcher()
    HTML(
        string='<p>x</p><img src="http://example.test/a.png"><img src="file:///etc/hostname">',
        url_fetcher=fetcher,
    ).write_pdf()
    assert fetcher.refused == ["http://example.test/a.png", "file:///etc/hostname"]
