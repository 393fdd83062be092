"""The youth-court docket: the care team sees hearings on the case page, in its timeline, in
the MDT briefing's court status and in a private, revocable calendar feed."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from heatwatch.cases.models import CaseEvent
from heatwatch.lib.versioning import StaleEdit
from heatwatch.meetings.selectors import court_status
from heatwatch.prosecution import services
from heatwatch.prosecution.models import DocketFeed, Hearing
from heatwatch.prosecution.tests.conftest import signed_in


def _soon(days=10):
    return timezone.localdate() + timedelta(days=days)


def test_prosecutor_records_a_hearing_and_the_care_team_sees_it(personas, login, case):
    prosecutor = signed_in(login, personas.prosecutor)
    response = prosecutor.post(
        "/staff/prosecution/docket/new/",
        {
            "case_reference": case.reference.lower(),
            "on": _soon().isoformat(),
            "at": "09:30",
            "department": "Dept. 12",
            "purpose": "review",
        },
    )
    assert response.status_code == 302
    hearing = Hearing.objects.get()
    assert hearing.case == case and hearing.at == time(9, 30)

    page = signed_in(login, personas.advocate).get(f"/staff/cases/{case.pk}/")
    body = page.content.decode()
    assert 'id="case-docket"' in body
    assert "Dept. 12" in body
    assert f"Youth court: next hearing {_soon().isoformat()} (review)" in body
    # … and in the case's timeline
    event = CaseEvent.objects.get(case=case, kind="youth_court_hearing")
    assert _soon().isoformat() in event.summary and "Dept." not in event.summary
    assert event.summary in body


def test_an_unknown_case_reference_keeps_what_was_typed(personas, login):
    response = signed_in(login, personas.prosecutor).post(
        "/staff/prosecution/docket/new/",
        {
            "case_reference": "C-1999-000000",
            "on": "2026-12-10",
            "department": "Dept. 9",
            "purpose": "review",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "No open case with this reference." in body and 'value="Dept. 9"' in body
    assert not Hearing.objects.exists()


def test_the_briefing_and_case_show_the_docket_status(personas, case):
    assert court_status(case) == "none recorded"
    services.hearing_record(
        case=case, by=personas.prosecutor, on=_soon(), department="Dept. 3", purpose="review"
    )
    assert court_status(case) == f"Youth court: next hearing {_soon().isoformat()} (review)"


def test_outcome_with_a_next_date_puts_the_next_hearing_on_the_docket(personas, case):
    hearing = services.hearing_record(
        case=case, by=personas.prosecutor, on=_soon(1), department="Dept. 3", purpose="review"
    )
    _record, following = services.hearing_update(
        hearing=hearing,
        by=personas.prosecutor,
        version=hearing.version,
        outcome="Continued; youth doing well in placement.",
        next_on=_soon(30),
        next_purpose="status",
    )
    assert following is not None and following.on == _soon(30)
    assert following.department == "Dept. 3"
    summaries = list(CaseEvent.objects.filter(case=case).values_list("summary", flat=True))
    assert any("outcome recorded" in s for s in summaries)
    assert not any("placement" in s for s in summaries)  # no outcome text in the timeline
    with pytest.raises(StaleEdit):
        services.hearing_update(
            hearing=hearing, by=personas.prosecutor, version=1, outcome="x", next_on=None
        )
    with pytest.raises(services.ProsecutionError):
        services.hearing_update(
            hearing=following,
            by=personas.prosecutor,
            version=following.version,
            outcome="",
            next_on=_soon(2),
        )


def test_stale_hearing_form_is_409_and_keeps_the_typed_outcome(personas, login, case):
    hearing = services.hearing_record(
        case=case, by=personas.prosecutor, on=_soon(1), department="Dept. 3", purpose="review"
    )
    client = signed_in(login, personas.coordinator)
    Hearing.objects.filter(pk=hearing.pk).update(version=5)
    response = client.post(
        f"/staff/prosecution/docket/{hearing.pk}/",
        {"outcome": "Adjourned to January", "version": 1},
    )
    assert response.status_code == 409
    assert "Adjourned to January" in response.content.decode()


def test_the_care_team_feed_is_private_and_revocable(personas, login, case):
    services.hearing_record(
        case=case,
        by=personas.prosecutor,
        on=_soon(),
        at=time(14, 0),
        department="Dept. 12",
        purpose="review",
    )
    hearing = Hearing.objects.get()
    services.hearing_update(
        hearing=hearing,
        by=personas.prosecutor,
        version=1,
        outcome="Sealed outcome text",
        next_on=None,
    )
    advocate = signed_in(login, personas.advocate)
    assert advocate.post(f"/staff/prosecution/docket/cases/{case.pk}/feed/").status_code == 302
    feed = DocketFeed.objects.get(revoked_at__isnull=True)
    assert feed.token not in feed.token_index
    url = f"/api/prosecution/docket/feed/{feed.token}.ics"
    page = advocate.get(f"/staff/cases/{case.pk}/").content.decode()
    assert url in page

    response = Client().get(url)  # a calendar client: no session
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert "Marisol" not in text and "Sealed outcome" not in text
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["location"]) == "Dept. 12"
    assert case.reference in str(event["summary"])
    assert event.decoded("dtstart").date() == _soon()

    # Someone outside the team cannot make or stop the link.
    assert (
        signed_in(login, personas.advocate_other)
        .post(f"/staff/prosecution/docket/cases/{case.pk}/feed/revoke/")
        .status_code
        == 404
    )
    assert (
        advocate.post(f"/staff/prosecution/docket/cases/{case.pk}/feed/revoke/").status_code == 302
    )
    assert Client().get(url).status_code == 404
    assert Client().get("/api/prosecution/docket/feed/not-a-token.ics").status_code == 404


def test_docket_month_view_is_scoped(personas, login, case):
    services.hearing_record(
        case=case,
        by=personas.prosecutor,
        on=date(2026, 12, 14),
        department="Dept. 4",
        purpose="review",
    )
    for user, sees in [
        (personas.prosecutor, True),
        (personas.advocate, True),  # on the care team
        (personas.coordinator, True),
        (personas.advocate_other, False),
        (personas.officer, False),
    ]:
        response = signed_in(login, user).get("/staff/prosecution/docket/?month=2026-12")
        assert response.status_code == 200
        assert (case.reference in response.content.decode()) is sees, user
    assert signed_in(login, personas.analyst).get("/staff/prosecution/docket/").status_code == 403
    assert (
        signed_in(login, personas.advocate).get("/staff/prosecution/docket/?month=x").status_code
        == 200
    )


def test_only_prosecutors_and_coordinators_record_hearings(personas, login, case):
    hearing = services.hearing_record(
        case=case, by=personas.prosecutor, on=_soon(), department="Dept. 4", purpose="review"
    )
    advocate = signed_in(login, personas.advocate)
    assert advocate.get("/staff/prosecution/docket/new/").status_code == 403
    response = advocate.post(f"/staff/prosecution/docket/{hearing.pk}/", {"version": 1})
    assert response.status_code == 403
    assert advocate.get(f"/staff/prosecution/docket/{hearing.pk}/").status_code == 200
    other = signed_in(login, personas.advocate_other)
    assert other.get(f"/staff/prosecution/docket/{hearing.pk}/").status_code == 404
