"""In a real headless Chromium: two-factor sign-in, and the public pages pass axe-core."""

from __future__ import annotations

from pathlib import Path

import pytest

from heatwatch.conftest import PASSWORD, totp_code

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    pytest.mark.browser,
    # Wagtail's root page comes from migrations: keep it across the live-server flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def csp_violations(page) -> list[str]:
    messages: list[str] = []
    page.on(
        "console",
        lambda msg: (
            messages.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    return messages


def test_staff_signs_in_with_two_factor_in_a_browser(page, live_server, personas):
    violations = csp_violations(page)
    page.goto(f"{live_server.url}/staff/")
    assert "/staff/account/login/" in page.url

    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()

    page.get_by_label("Token").fill(totp_code(personas.coordinator))
    page.get_by_role("button", name="Next").click()

    page.wait_for_url(f"{live_server.url}/staff/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    assert page.get_by_text("Test Coordinating Office").is_visible()
    assert violations == []


def axe_scan(browser, url: str, cookies: list | None = None) -> list[dict]:
    """The serious and critical WCAG 2.1 A/AA violations axe-core finds on ``url``.

    axe is injected as an inline script, which our CSP forbids: only this scanning context
    bypasses CSP; the pages themselves are checked for CSP violations in other tests. Staff
    pages pass the signed-in context's ``cookies`` (a TOTP code cannot be used twice)."""
    context = browser.new_context(bypass_csp=True)
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    page.goto(url)
    assert page.url == url, f"scanned {page.url} instead"  # e.g. sent to the sign-in page
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    context.close()
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("path", ["/", "/es/", "/staff/account/login/"])
def test_pages_pass_axe_with_no_serious_violations(browser, live_server, path):
    violations = axe_scan(browser, f"{live_server.url}{path}")
    assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]


def test_home_page_loads_without_csp_violations(page, live_server):
    violations = csp_violations(page)
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    assert violations == []
    assert page.locator("html").get_attribute("lang") == "en"
