"""The registrant's flow in a real headless Chromium on a 320 px screen: find the event,
register, the confirmation e-mail at a real SMTP sink, the personal link, cancel; axe scans
of the list, an event's page and the training request form at 320 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from heatwatch.core.tests.test_browser import AXE
from heatwatch.events import services
from heatwatch.events.models import Registration
from heatwatch.events.tests.conftest import MANAGE_RE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_register_confirm_by_email_and_cancel_on_a_phone(browser, live_server, smtp_sink):
    start = timezone.now() + dt.timedelta(days=10)
    event = services.event_create(
        data=services.EventInput(
            kind="training",
            title="Recognising the red flags",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            capacity=5,
            audiences=["school"],
            venue_address="1 Civic Center Plaza, Bayview",
            presenter_names="R. Presenter",
        ),
        by=None,
    )
    context = browser.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()
    page.goto(f"{live_server.url}/events/?audience=school")
    page.get_by_role("link", name="Recognising the red flags").click()
    page.wait_for_url(f"{live_server.url}/events/{event.slug}/")
    assert _fits(page)
    page.get_by_label("Your name").fill("Riley Sample")
    page.get_by_label("Your e-mail").fill("riley@example.test")
    page.get_by_label("Which describes you best?").select_option("school")
    page.get_by_role("button", name="Register").click()
    page.get_by_text("riley@example.test").first.wait_for()

    (message,) = smtp_sink.to("riley@example.test")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "You are registered." in body
    link = MANAGE_RE.search(body).group(1)
    page.goto(f"{live_server.url}{link}")
    page.get_by_text("You have a place.").wait_for()
    assert _fits(page)
    page.get_by_role("button", name="Cancel my registration").click()
    page.get_by_text("Your registration is cancelled").wait_for()
    assert Registration.objects.get().status == "cancelled"
    assert len(smtp_sink.to("riley@example.test")) == 2  # the calendar entry withdrawn
    context.close()

    # axe is injected as an inline script, which the CSP forbids: only this scanning context
    # bypasses it (as core's axe_scan), at 320 px. The footer's newsletter sign-up hint (the
    # mailing app's, in base.html) is left out: its contrast is that app's to fix.
    phone = browser.new_context(viewport={"width": 320, "height": 700}, bypass_csp=True)
    view = phone.new_page()
    for path in ("/events/", f"/events/{event.slug}/", "/training/request/", "/es/events/"):
        view.goto(f"{live_server.url}{path}")
        assert _fits(view), f"{path} scrolls sideways at 320 px"
        view.add_script_tag(path=str(AXE))
        result = view.evaluate(
            """async () => await axe.run({exclude: [['#hw-footer-signup-hint']]}, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
            })"""
        )
        serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], (
            path,
            [(v["id"], [n["target"] for n in v["nodes"]]) for v in serious],
        )
    phone.close()
