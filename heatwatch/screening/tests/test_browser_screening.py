"""Issue 17 in a real headless Chromium: a teacher screens a youth on a phone-sized screen
(390 px), the result is a clear concern, the one-step referral reaches the coordinator, who
opens the case intake; the screening is on the case page. And an officer records "youth
recovered" on a referred tip: the coordinator's intake appears and opens the case. Each new
page type gets an axe scan and a 320 px check."""

from __future__ import annotations

import re

import pytest

from heatwatch.accounts.models import OrganisationType
from heatwatch.cases.models import Case
from heatwatch.conftest import PASSWORD, make_user, totp_code
from heatwatch.core.tests.test_browser import axe_scan
from heatwatch.screening import services
from heatwatch.screening.models import Screener, ScreeningResult
from heatwatch.tips import services as tip_services
from heatwatch.tips.models import Channel

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


def sign_in(page, url: str, user) -> None:
    page.goto(url)
    if "/login/" in page.url:
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Next").click()
        page.get_by_label("Token").fill(totp_code(user))
        page.get_by_role("button", name="Next").click()
        page.wait_for_url(url)


def fits_320(browser, url: str, cookies) -> bool:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(url)
    fits = page.evaluate("document.documentElement.scrollWidth <= 320")
    context.close()
    return bool(fits)


def clean(browser, url: str, cookies) -> None:
    violations = axe_scan(browser, url, cookies)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
    assert fits_320(browser, url, cookies), f"{url} scrolls sideways at 320 px"


def wait_text(page, text: str) -> None:
    try:
        page.get_by_text(text).first.wait_for(timeout=60_000)
    except Exception as exc:
        raise AssertionError(
            f"{text!r} not on {page.url}: {page.inner_text('main')[:3000]}"
        ) from exc


def settle(page) -> None:
    """No autosave in flight: the test server shares one in-memory SQLite connection between
    its threads, so two requests at once would interleave their savepoints."""
    page.wait_for_load_state("networkidle")


def answer(page, item: str, index: int) -> None:
    page.locator(f"label[for='id_q_{item}_{index}']").click()


def test_teacher_screens_refers_and_the_screening_lands_on_the_case(browser, live_server, personas):
    from heatwatch.accounts import services as accounts

    school = accounts.organisation_create(
        name="Test Middle School", type=OrganisationType.SCHOOL, by=None
    )
    teacher = make_user("teacher")
    Screener.objects.create(user=teacher, organisation=school)
    services.questionnaire_load(text=services.DEFAULT_QUESTIONNAIRE.read_text(), by=None)
    base = live_server.url

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Refused" in m.text else None)
    sign_in(page, f"{base}/staff/screening/", teacher)
    assert page.evaluate("document.documentElement.scrollWidth <= 390")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/staff/screening/\d+/$"))
    result = ScreeningResult.objects.get(screener=teacher)
    page.get_by_label("Youth's first name or initials").fill("J.R.")
    page.get_by_label("Age (about)").fill("15")
    # yes/no/unknown items: 0 yes, 1 no, 2 don't know; choice items by position
    for item in ("older-partner", "speaks-for", "new-things", "online", "substances"):
        answer(page, item, 1)
    answer(page, "fearful", 0)
    # each change is saved as it is made (htmx): the status says so
    wait_text(page, "Draft saved")
    result.refresh_from_db()
    assert '"older-partner": "no"' in result.answers
    # an incomplete questionnaire stays a draft and says what is missing
    settle(page)
    page.get_by_role("button", name="See the result").click()
    wait_text(page, "Answer every question")
    answer(page, "exchange", 0)
    answer(page, "runs-away", 2)
    answer(page, "absent", 2)
    answer(page, "branding", 1)
    answer(page, "health-visits", 1)
    wait_text(page, "Draft saved")
    settle(page)
    page.get_by_role("button", name="See the result").click()
    wait_text(page, "Clear concern")
    assert page.get_by_text("If the youth is in danger right now, call 911 first.").count()
    cookies = context.cookies()
    result_url = f"{base}/staff/screening/{result.pk}/"
    clean(browser, result_url, cookies)
    page.get_by_role("button", name="Refer to the coordinator now").click()
    wait_text(page, "Sent to the coordinators")
    assert csp == []
    # the fill page's scan: a new draft
    page.goto(f"{base}/staff/screening/")
    clean(browser, f"{base}/staff/screening/", cookies)
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/staff/screening/\d+/$"))
    clean(browser, page.url, cookies)
    context.close()

    # The coordinator opens the intake from the case list, then the case.
    coordinator_context = browser.new_context()
    coordinator = coordinator_context.new_page()
    sign_in(coordinator, f"{base}/staff/cases/", personas.coordinator)
    coordinator.get_by_role("link", name="Open the case intake").first.click()
    coordinator.wait_for_url(f"{base}/staff/screening/{result.pk}/intake/")
    ccookies = coordinator_context.cookies()
    clean(browser, coordinator.url, ccookies)
    clean(browser, f"{base}/staff/screening/referrals/", ccookies)
    coordinator.get_by_label(re.compile(r"^Name")).fill("Jordan Screentest")
    coordinator.get_by_label("Date of birth").fill("2011-03-04")
    coordinator.get_by_label("Estimated age").fill("")  # a date of birth or an age
    coordinator.get_by_label("You open it for").select_option(label="Test Coordinating Office")
    coordinator.get_by_role("button", name="Check identity and continue").click()
    wait_text(coordinator, "opened with the screening attached")
    case = Case.objects.get()
    assert case.intake_source == "screening"
    coordinator.wait_for_url(f"{base}/staff/cases/{case.pk}/")
    section = coordinator.locator("#screening-results + table")
    text = section.inner_text()
    assert result.reference in text and "clear concern" in text.lower()  # tags are upper-case
    coordinator_context.close()


def test_officer_records_youth_recovered_and_the_intake_appears(browser, live_server, personas):
    tip = tip_services.tip_submit(
        data=tip_services.TipInput(
            narrative="A boy of about 14 sleeps in the Harbor Street garage.",
            subject_age_range="12_14",
        ),
        channel=Channel.WEB,
        issue_receipt=False,
    ).tip
    referral = tip_services.tip_refer(
        tip=tip, by=personas.coordinator, organisation=personas.police
    )
    base = live_server.url

    officer_context = browser.new_context(viewport=PHONE)
    officer = officer_context.new_page()
    sign_in(officer, f"{base}/staff/tips/", personas.officer)
    clean(browser, f"{base}/staff/tips/", officer_context.cookies())
    officer.get_by_role("button", name=f"Acknowledge {tip.reference}").click()
    wait_text(officer, "Referral acknowledged")
    officer.get_by_role("link", name=tip.reference).click()
    officer.get_by_label("Outcome").select_option(label="Youth recovered and safe")
    officer.get_by_role("button", name="Record the outcome").click()
    wait_text(officer, "Outcome recorded")
    referral.refresh_from_db()
    assert referral.outcome == "youth_recovered" and referral.acknowledged_at
    officer_context.close()

    coordinator_context = browser.new_context()
    coordinator = coordinator_context.new_page()
    sign_in(coordinator, f"{base}/staff/tips/", personas.coordinator)
    coordinator.locator("#recoveries-waiting + table").get_by_role(
        "link", name="Open the case intake"
    ).click()
    intake_url = f"{base}/staff/tips/{tip.pk}/referrals/{referral.pk}/intake/"
    coordinator.wait_for_url(intake_url)
    clean(browser, intake_url, coordinator_context.cookies())
    coordinator.get_by_label(re.compile(r"^Name")).fill("Ellis Recoverytest")
    coordinator.get_by_label("Estimated age").fill("14")
    coordinator.get_by_label("You open it for").select_option(label="Test Coordinating Office")
    coordinator.get_by_role("button", name="Check identity and continue").click()
    wait_text(coordinator, f"opened from tip {tip.reference}")
    case = Case.objects.get()
    assert (case.intake_source, case.tip_reference) == ("recovery", tip.reference)
    assert coordinator.get_by_text("Referred by Test Police Department").count()
    coordinator_context.close()
