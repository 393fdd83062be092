"""The whole anonymous flow in a real headless Chromium: report, receipt, question, answer."""

from __future__ import annotations

import re

import pytest

from heatwatch.conftest import PASSWORD, totp_code
from heatwatch.tips.models import Tip, TipMessage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_anonymous_tip_round_trip(browser, live_server, personas):
    violations: list[str] = []
    tipster = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = tipster.new_page()
    page.on("console", lambda m: violations.append(m.text) if "Refused" in m.text else None)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="report online").first.click()
    page.wait_for_url(f"{live_server.url}/report/")
    # USWDS draws its own checkboxes and radios: people click the label.
    page.get_by_text("Has several phones or social media accounts").click()
    page.get_by_label("Tell us in your own words").fill(
        "A boy of about 14 is picked up by different adults outside the arcade."
    )
    page.get_by_text("12 to 14").click()
    page.get_by_label("Where?").fill("Arcade on Pier Road")
    page.get_by_role("button", name="Send the tip").click()

    page.get_by_text("Your receipt code").wait_for()
    code = re.search(r"\d{4}(?:-\d{4}){4}", page.content()).group(0)
    tip = Tip.objects.get()
    assert tip.is_anonymous and tip.location == "Arcade on Pier Road"
    assert tip.red_flags == ["several_phones"] and tip.subject_age_range == "12_14"

    # A coordinator signs in (two factors) and asks the tipster a question.
    staff = browser.new_context().new_page()
    staff.goto(f"{live_server.url}/staff/tips/")
    staff.get_by_label("Username").fill("coordinator")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Next").click()
    staff.get_by_label("Token").fill(totp_code(personas.coordinator))
    staff.get_by_role("button", name="Next").click()
    staff.wait_for_url(f"{live_server.url}/staff/tips/")
    staff.get_by_role("link", name=tip.reference).click()
    staff.get_by_label("Message to the tipster").fill("Which days did you see this?")
    staff.get_by_role("button", name="Send to the tipster").click()
    staff.get_by_text("Message sent").wait_for()

    # The tipster comes back with the code, reads the question and answers.
    page.goto(f"{live_server.url}/report/follow-up/")
    page.get_by_label("Your receipt code").fill(code)
    page.get_by_role("button", name="Open my tip").click()
    page.get_by_text("Which days did you see this?").wait_for()
    page.get_by_label("Your answer or new details").fill("Fridays and Saturdays, after 10pm.")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("We received your message").wait_for()

    answer = TipMessage.objects.get(tip=tip, direction=TipMessage.Direction.FROM_TIPSTER)
    assert answer.body == "Fridays and Saturdays, after 10pm."
    assert violations == []
