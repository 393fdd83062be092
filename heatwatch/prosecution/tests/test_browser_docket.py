"""In a real headless Chromium: a prosecutor puts a youth-court hearing on the docket; the
youth's care team sees it on the case page and in its calendar feed. Axe scans and a 320 px
check of the docket, the hearing form and the case page's docket section."""

from __future__ import annotations

import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from heatwatch.cases.tests.conftest import open_case
from heatwatch.cases.tests.test_browser_case import sign_in
from heatwatch.core.tests.test_browser import AXE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def narrow_scan(browser, url: str, cookies: list) -> tuple[list[dict], int]:
    """Serious and critical axe violations of ``url`` at 320 px, and the page's width (a page
    that fits has no horizontal scroll: width 320)."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 800})
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(url)
    assert page.url == url, f"scanned {page.url} instead"
    width = page.evaluate("document.documentElement.scrollWidth")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    context.close()
    violations = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    return violations, width


def test_prosecutor_records_a_hearing_the_care_team_sees_it(browser, live_server, personas):
    case = open_case(personas)
    day = timezone.localdate() + timedelta(days=9)

    context = browser.new_context()
    prosecutor = context.new_page()
    refused: list[str] = []
    prosecutor.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
    new_url = f"{live_server.url}/staff/prosecution/docket/new/"
    sign_in(prosecutor, new_url, personas.prosecutor)
    prosecutor.get_by_label("Case reference").fill(case.reference)
    prosecutor.get_by_label("Date").fill(day.isoformat())
    prosecutor.get_by_label("Time").fill("09:30")
    prosecutor.get_by_label("Department").fill("Dept. 12")
    prosecutor.get_by_label("Purpose").select_option(label="review")
    prosecutor.get_by_role("button", name="Put it on the docket").click()
    prosecutor.get_by_text("Hearing put on the docket.").wait_for()
    assert case.reference in prosecutor.content()
    docket_url = prosecutor.url
    cookies = context.cookies()
    for url in (docket_url, new_url):
        violations, width = narrow_scan(browser, url, cookies)
        assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]
        assert width <= 320, (url, width)
    context.close()

    team = browser.new_context()
    advocate = team.new_page()
    advocate.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
    case_url = f"{live_server.url}/staff/cases/{case.pk}/"
    sign_in(advocate, case_url, personas.advocate)
    section = advocate.locator("#case-docket")
    assert "Dept. 12" in section.inner_text()
    assert f"Youth court: next hearing {day.isoformat()} (review)" in section.inner_text()
    assert "Youth-court hearing on the docket" in advocate.content()  # the timeline
    advocate.get_by_role("button", name="Make a calendar link").click()
    advocate.get_by_text("A new calendar link was made").wait_for()
    feed_url = advocate.get_by_label("Calendar link").input_value()
    assert feed_url.endswith(".ics")
    path = feed_url.split("://", 1)[1].split("/", 1)[1]
    with urllib.request.urlopen(f"{live_server.url}/{path}") as response:  # noqa: S310
        (event,) = Calendar.from_ical(response.read()).walk("VEVENT")
    assert event.decoded("dtstart").date() == day
    assert str(event["location"]) == "Dept. 12"
    violations, width = narrow_scan(browser, case_url, team.cookies())
    assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]
    team.close()
    assert refused == []
