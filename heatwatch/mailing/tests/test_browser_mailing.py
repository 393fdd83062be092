"""The mailing list's whole flow in a real headless Chromium at 320 px, against a real SMTP
sink: subscribe, confirm from the captured e-mail, change interests in the preference centre,
the coordinator composes and sends a newsletter, the message arrives with both parts and the
list headers, a cookie-less one-click POST unsubscribes, the next send skips the address; axe
scans of each page type at 320 px."""

from __future__ import annotations

import re
import urllib.request

import pytest
from django.test import Client

from heatwatch.conftest import login_verified
from heatwatch.core.tests.test_browser import AXE
from heatwatch.mailing.models import Subscriber, SubscriberStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LINK = re.compile(r"(https?://\S+/subscribe/(?:confirm|preferences)/[^/\s]+/)")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _axe(browser, url: str, paths: list[str], cookies: list | None = None) -> None:
    phone = browser.new_context(viewport={"width": 320, "height": 700}, bypass_csp=True)
    if cookies:
        phone.add_cookies(cookies)
    view = phone.new_page()
    for path in paths:
        view.goto(f"{url}{path}")
        assert _fits(view), f"{path} scrolls sideways at 320 px"
        view.add_script_tag(path=str(AXE))
        result = view.evaluate(
            """async () => await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
            })"""
        )
        serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], (
            path,
            [(v["id"], [n["target"] for n in v["nodes"]]) for v in serious],
        )
    phone.close()


def test_subscribe_confirm_prefer_receive_and_unsubscribe_in_one_click(
    browser, live_server, smtp_sink, settings, personas
):
    settings.HEATWATCH_BASE_URL = live_server.url
    context = browser.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()
    page.goto(f"{live_server.url}/subscribe/")
    assert _fits(page)
    page.locator("#id_email").fill("riley@example.test")
    page.locator("main").get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name=re.compile("inbox", re.I)).wait_for()

    (confirmation,) = smtp_sink.to("riley@example.test")
    link = LINK.search(confirmation.get_body(preferencelist=("plain",)).get_content()).group(1)
    page.goto(link)
    page.locator("main").get_by_role("button").first.click()
    page.wait_for_load_state()
    assert Subscriber.objects.get().status == SubscriberStatus.CONFIRMED

    welcome = smtp_sink.to("riley@example.test")[-1]
    preferences = LINK.search(welcome.get_body(preferencelist=("plain",)).get_content()).group(1)
    page.goto(preferences)
    assert _fits(page)
    page.locator("label[for=id_interests_1]").click()  # USWDS styles the label, not the box
    page.locator("main form").first.get_by_role("button").first.click()
    page.wait_for_load_state()
    assert Subscriber.objects.get().wants_trainings
    context.close()

    # The coordinator, signed in with two factors, composes and sends.
    staff = Client()
    login_verified(staff, personas.coordinator)
    cookie = {
        "name": "sessionid",
        "value": staff.cookies["sessionid"].value,
        "url": live_server.url,
    }
    office = browser.new_context(viewport={"width": 320, "height": 700})
    office.add_cookies([cookie])
    desk = office.new_page()
    desk.goto(f"{live_server.url}/staff/mailing/")
    desk.get_by_label("Subject").fill("Spring trainings")
    desk.get_by_label("Text").fill("Four coalition trainings this spring.")
    desk.get_by_label("Send to subscribers interested in").select_option("trainings")
    desk.get_by_role("button", name="Save the draft").click()
    desk.get_by_role("button", name="Send now").click()
    desk.get_by_text("Sending has started").wait_for()
    newsletter = smtp_sink.to("riley@example.test")[-1]
    assert newsletter["Subject"] == "Spring trainings"
    assert newsletter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert newsletter.get_body(preferencelist=("plain",)) is not None
    assert "Four coalition trainings" in newsletter.get_body(preferencelist=("html",)).get_content()

    # The mail client's one-click POST: no cookie, no token, just the URL of the header.
    url = newsletter["List-Unsubscribe"].strip().strip("<>")
    request = urllib.request.Request(  # noqa: S310 - the live server
        url,
        data=b"List-Unsubscribe=One-Click",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        assert answer.status == 200
    assert Subscriber.objects.get().status == SubscriberStatus.UNSUBSCRIBED

    before = len(smtp_sink.received)
    desk.goto(f"{live_server.url}/staff/mailing/")
    desk.get_by_label("Subject").fill("Summer trainings")
    desk.get_by_label("Text").fill("More trainings.")
    desk.get_by_label("Send to subscribers interested in").select_option("trainings")
    desk.get_by_role("button", name="Save the draft").click()
    desk.get_by_role("button", name="Send now").click()
    desk.get_by_text("Sending has started").wait_for()
    assert len(smtp_sink.received) == before  # the address is skipped
    staff_url = desk.url
    office.close()

    _axe(
        browser,
        live_server.url,
        [
            "/subscribe/",
            "/es/subscribe/",
            "/newsletter/",
            "/es/newsletter/",
            preferences.replace(live_server.url, ""),
        ],
    )
    _axe(
        browser,
        live_server.url,
        ["/staff/mailing/", staff_url.replace(live_server.url, ""), "/staff/mailing/subscribers/"],
        cookies=[cookie],
    )
