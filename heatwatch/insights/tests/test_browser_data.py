"""The public data page in a real headless Chromium at 320 px: charts load (same origin, no
CSP violation), every chart has its table, nothing scrolls the page sideways, and axe-core
finds no serious violation (English and Spanish)."""

from __future__ import annotations

import pytest

from heatwatch.core.tests.test_browser import AXE, csp_violations
from heatwatch.insights import services
from heatwatch.insights.tests.conftest import NOW


def axe_at_320(browser, url: str) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations in the main content of ``url`` in a 320 px
    wide window (axe is injected inline, so only this scanning context bypasses CSP). The
    shared header and footer are scanned by heatwatch/core/tests/test_browser.py."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run({include: ['#main-content']}, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    context.close()
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_data_page_at_320_px(browser, live_server, records):
    snap = services.snapshot_prepare(now=NOW)
    services.snapshot_publish(snapshot_id=snap.pk, version=None, by=None)
    requests: list[str] = []
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    violations = csp_violations(page)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/data/")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text() == "Local data"
    charts = page.locator("img.hw-chart")
    assert charts.count() >= 10
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
        assert chart.bounding_box()["width"] <= 320
    assert page.locator("table").count() >= charts.count()
    # The page itself does not scroll sideways (wide tables scroll inside their region).
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert all(url.startswith(live_server.url) for url in requests)
    # The keyboard reaches the first table's download link.
    page.get_by_role("link", name="Download all figures (CSV)").focus()
    assert page.evaluate("document.activeElement.textContent").startswith("Download all")
    assert violations == []
    context.close()
    for path in ("/data/", "/es/data/"):
        found = axe_at_320(browser, f"{live_server.url}{path}")
        assert found == [], [
            (v["id"], [(n["target"], n["failureSummary"][:200]) for n in v["nodes"]]) for v in found
        ]
