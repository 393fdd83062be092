"""The possible-duplicates queue in a real headless Chromium, with the keyboard alone: a
coordinator answers three pairs (not the same, not sure with a note, same youth with a
reason), then undoes that merge from the history. Axe scan and 320 px check of both pages."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from heatwatch.accounts.tests.test_browser_staff import fits_320
from heatwatch.cases.tests.test_browser_case import sign_in
from heatwatch.core.tests.test_browser import axe_scan
from heatwatch.identity import duplicates, services
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import DuplicateCandidate, DuplicateStatus, Merge, Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = datetime.date


def _pairs() -> None:
    for a, b in [
        (
            IdentityInput(
                given_name="Jessica", family_name="Synthwell", dob=D(2010, 5, 4), sex="F"
            ),
            IdentityInput(given_name="Jess", family_name="Synthwell", dob=D(2010, 4, 5), sex="F"),
        ),
        (
            IdentityInput(given_name="Tariq", family_name="Mensah", dob=D(2009, 3, 2), sex="M"),
            IdentityInput(given_name="Tariq", family_name="Mensha", dob=D(2009, 3, 2), sex="M"),
        ),
        (
            IdentityInput(given_name="Ana", family_name="Brightwater", dob=D(2012, 1, 30)),
            IdentityInput(given_name="Anna", family_name="Brightwater", dob=D(2012, 1, 30)),
        ),
    ]:
        services.identity_record_create(data=a, by=None)
        services.identity_record_create(data=b, by=None)
    duplicates.duplicates_scan(now=timezone.now() + datetime.timedelta(minutes=5))


def test_three_pairs_with_the_keyboard_and_one_merge_undone(browser, live_server, personas):
    _pairs()
    assert DuplicateCandidate.objects.filter(status=DuplicateStatus.OPEN).count() == 3
    csp_refusals: list[str] = []
    page = browser.new_context().new_page()
    page.on("console", lambda m: csp_refusals.append(m.text) if "Refused" in m.text else None)
    queue_url = f"{live_server.url}/staff/identity/duplicates/"
    sign_in(page, queue_url, personas.coordinator)
    page.get_by_role("heading", name="Possible duplicates", exact=True).wait_for()

    cookies = page.context.cookies()
    assert fits_320(browser, queue_url, cookies)
    serious = axe_scan(browser, queue_url, cookies)
    assert serious == [], [(v["id"], v["help"], len(v["nodes"])) for v in serious]

    page.get_by_role("link", name="Start reviewing").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your answer").wait_for()
    review_url = page.url
    assert fits_320(browser, review_url, page.context.cookies())
    serious = axe_scan(browser, review_url, page.context.cookies())
    assert serious == [], [(v["id"], v["help"], len(v["nodes"])) for v in serious]

    # 1. D: not the same, sent at once; the next pair opens.
    page.locator("body").click(position={"x": 1, "y": 1})  # focus on the page, not a field
    page.keyboard.press("d")
    page.get_by_text("Marked as not the same youth.").wait_for()
    second_url = page.url
    assert second_url != review_url

    # 2. U: the focus moves to the note; letters typed there are text, not shortcuts.
    page.keyboard.press("u")
    note = page.locator("#answer-unsure-form textarea")
    assert note.evaluate("el => el === document.activeElement")
    page.keyboard.type("Ask the school: dates do not settle it.")
    assert note.input_value() == "Ask the school: dates do not settle it."
    page.keyboard.press("Control+Enter")
    page.get_by_text("Noted. The pair stays in the queue.").wait_for()
    assert page.url != second_url

    # 3. S: the reason; Ctrl+Enter merges.
    page.keyboard.press("s")
    page.keyboard.type("Same youth: the clinic confirmed the date of birth.")
    page.keyboard.press("Control+Enter")
    page.get_by_text("Merged. The merge can be undone from the history.").wait_for()
    answers = dict(DuplicateCandidate.objects.values_list("status", "pk"))
    assert set(answers) == {DuplicateStatus.NOT_SAME, DuplicateStatus.UNSURE, DuplicateStatus.SAME}
    merge = Merge.objects.get()
    assert Person.objects.get(pk=merge.absorbed_id).merged_into_id == merge.survivor_id

    # The merge, undone from the history with the keyboard.
    page.get_by_role("link", name="Merge history").focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Undo").focus()
    page.keyboard.press("Enter")
    page.get_by_label(re.compile("^Reason")).fill("Two different youths after all.")
    page.get_by_label(re.compile("^Reason")).press("Tab")
    page.keyboard.press("Enter")  # the undo button is next in the tab order
    page.get_by_text("The merge was undone.").wait_for()
    assert Merge.objects.get().is_undone
    assert Person.objects.get(pk=merge.absorbed_id).merged_into_id is None
    assert csp_refusals == []
