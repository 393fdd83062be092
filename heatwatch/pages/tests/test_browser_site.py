"""The public site in a real headless Chromium (issue 15): an editor publishes a resource with a
file, a Spanish translation is served under /es/, the tip-line number changed in the CMS shows on
the home page, the footer and a poster; every page type passes axe at 320 px."""

from __future__ import annotations

import io
import random
import re
import zipfile

import pytest
from wagtail.models import Site

from heatwatch.conftest import PASSWORD, totp_code
from heatwatch.core.tests.test_browser import AXE, csp_violations
from heatwatch.pages.models import ResourcePage, ToolkitIndexPage
from heatwatch.pages.tests import factories as f

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(browser, live_server, user):
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/staff/account/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Token").fill(totp_code(user))
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{live_server.url}/staff/**")
    return page


def scan_at_320(browser, url: str) -> list[str]:
    """Serious or critical axe violations and horizontal overflow of ``url`` 320 px wide."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640})
    page = context.new_page()
    response = page.goto(url)
    problems = []
    if response is None or response.status != 200:
        problems.append(f"{url}: {response.status if response else 'no response'}")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 320:
        problems.append(f"{url}: {width} px wide at 320")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    context.close()
    problems += [
        f"{url}: {v['id']} ({len(v['nodes'])})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    return problems


def pptx_file(tmp_path) -> str:
    path = tmp_path / "recognising-exploitation.pptx"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("ppt/presentation.xml", "<p:presentation/>" + "slide " * 20000)
        z.writestr("docProps/core.xml", "<cp:coreProperties><dc:creator>A</dc:creator>")
    path.write_bytes(out.getvalue())
    return str(path)


def test_editor_publishes_a_resource_with_a_file_and_its_spanish_translation(
    browser, live_server, personas, tmp_path
):
    toolkit = f.add(f.home(), ToolkitIndexPage(title="Toolkit", slug="toolkit"))
    editor = sign_in(browser, live_server, personas.coordinator)

    editor.goto(f"{live_server.url}/cms/documents/add/")
    editor.locator("#id_title").fill("Training deck")
    editor.locator("#id_file").set_input_files(pptx_file(tmp_path))
    editor.locator("#id_file").evaluate("input => input.form.requestSubmit()")
    editor.wait_for_url(re.compile(r"/cms/documents/(\?.*)?$"))
    from wagtail.documents.models import Document

    document = Document.objects.get(title="Training deck")

    editor.goto(f"{live_server.url}/cms/pages/add/pages/resourcepage/{toolkit.pk}/")
    editor.locator("#id_title").fill("Recognising exploitation: slides")
    # The slug is filled from the title by Wagtail's script when the title loses focus; a
    # fast run can publish before that, so the editor types it (it sits on the Promote tab).
    editor.evaluate("document.querySelector('#id_slug').value = 'recognising-exploitation-slides'")
    editor.locator("#id_summary").fill("Slides for a one-hour training for school staff.")
    editor.locator("#id_kind").select_option("training")
    editor.locator("#id_topic").select_option("recognising")
    editor.locator("#id_audience").select_option("educators")
    editor.locator("#id_point").select_option("community")
    editor.evaluate(f"document.querySelector('#id_document').value = '{document.pk}'")
    editor.locator("#id_last_updated").fill("2026-11-20")
    editor.evaluate("document.querySelector('button[name=action-publish]').click()")
    editor.wait_for_url(re.compile(rf"/cms/pages/{toolkit.pk}/(\?.*)?$"))
    resource = ResourcePage.objects.get(title="Recognising exploitation: slides")
    assert resource.live

    visitor = browser.new_context(viewport={"width": 320, "height": 640}).new_page()
    violations = csp_violations(visitor)
    visitor.goto(f"{live_server.url}/toolkit/")
    visitor.locator("#filter-kind").select_option("training")
    visitor.get_by_role("button", name="Show").click()
    visitor.wait_for_url("**/toolkit/?kind=training**")
    item = visitor.locator(".usa-collection__item", has_text="Recognising exploitation: slides")
    assert re.search(r"PowerPoint, [\d.,]+\s(bytes|KB|MB)", item.inner_text())

    # A Spanish translation, published: served at /es/… and the switcher leads to it.
    f.translate(resource, "es", title="Cómo reconocer la explotación: diapositivas")
    visitor.goto(f"{live_server.url}/toolkit/{resource.slug}/")
    visitor.get_by_role("link", name="Español").click()
    visitor.wait_for_url(f"{live_server.url}/es/toolkit/{resource.slug}/")
    assert visitor.locator("h1").inner_text() == "Cómo reconocer la explotación: diapositivas"
    assert visitor.locator("html").get_attribute("lang") == "es"
    assert violations == []


def test_administrator_changes_the_tip_line_everywhere(browser, live_server, personas):
    import pypdfium2

    site = Site.objects.get(is_default_site=True)
    # Coordinators edit the CMS (administrators have no /cms/ access: docs/site.md).
    editor = sign_in(browser, live_server, personas.coordinator)
    editor.goto(f"{live_server.url}/cms/settings/pages/programsettings/{site.pk}/")
    editor.locator("#id_tipline_phone").fill("1-555-0142")
    editor.locator("#id_tipline_phone").evaluate("input => input.form.requestSubmit()")
    editor.wait_for_load_state("load")

    visitor = browser.new_context().new_page()
    visitor.goto(f"{live_server.url}/")
    assert "1-555-0142" in visitor.locator(".hw-hero").inner_text()
    assert "1-555-0142" in visitor.locator("footer").inner_text()
    assert "1-555-0100" not in visitor.content()
    pdf = visitor.request.get(f"{live_server.url}/posters/poster-letter.pdf").body()
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "1-555-0142" in text


def test_every_page_type_passes_axe_at_320px(browser, live_server):
    from heatwatch.pages.seed import seed_pages

    seed_pages(scale=1, rng=random.Random(1), demo=True)
    paths = [
        "/",
        "/community/",
        "/policy/",
        "/policy/safe-harbor-law/",
        "/toolkit/",
        "/toolkit/recognising-exploitation-training/",
        "/red-flags/",
        "/myths-and-facts/",
        "/glossary/",
        "/news/",
        "/news/poster-campaign/",
        "/podcast/",
        "/podcast/episode-1/",
        "/posters/",
        "/search/?q=youth",
    ]
    problems = []
    for path in paths:
        problems += scan_at_320(browser, f"{live_server.url}{path}")
    problems += scan_at_320(browser, f"{live_server.url}/es/toolkit/")
    assert problems == []
