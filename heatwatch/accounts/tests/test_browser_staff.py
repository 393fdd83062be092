"""Issue 19 in a real headless Chromium: an administrator invites a colleague, who chooses a
password and sets up two-factor on first sign-in (the invitation arrives through a real SMTP
sink); the audit viewer with a break-glass read highlighted, reached from the case page; a
staff page in Spanish. Each new page type gets an axe scan and a 320 px check."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from heatwatch.accounts.models import User
from heatwatch.cases import services as case_services
from heatwatch.cases.tests.conftest import open_case
from heatwatch.conftest import PASSWORD, totp_code
from heatwatch.core.tests.test_browser import axe_scan
from heatwatch.mailing.tests.conftest import smtp_sink  # noqa: F401  (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_PASSWORD = "tidewater lantern orchard 1987"


def sign_in(page, base: str, user, *, then: str = "/staff/") -> None:
    page.goto(f"{base}{then}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Token").fill(totp_code(user))
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{base}{then}")


def fits_320(browser, url: str, cookies) -> bool:
    """The page needs no sideways scrolling on a 320 px wide screen."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(url)
    fits = page.evaluate("document.documentElement.scrollWidth <= 320")
    context.close()
    return bool(fits)


def clean_axe(browser, url: str, cookies) -> None:
    violations = axe_scan(browser, url, cookies)
    assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]


def test_invite_to_first_sign_in_with_two_factor(browser, live_server, personas, smtp_sink):  # noqa: F811
    base = live_server.url
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    sign_in(admin, base, personas.administrator, then="/staff/users/")
    admin.get_by_role("link", name="Invite a colleague").click()
    invite_url = admin.url
    admin.get_by_label("Username").fill("robin.shelter")
    admin.get_by_label("E-mail address").fill("robin@shelter.example")
    admin.get_by_label("First name").fill("Robin")
    admin.get_by_label("Organisation").select_option(label="Test Advocacy Center")
    admin.get_by_label("Role").select_option(label="Advocate / case manager")
    admin.get_by_role("button", name="Send the invitation").click()
    admin.get_by_role("heading", name="Link sent").wait_for()
    cookies = admin_context.cookies()
    clean_axe(browser, invite_url, cookies)
    assert fits_320(browser, invite_url, cookies)
    user = User.objects.get(username="robin.shelter")
    detail_url = f"{base}/staff/users/{user.pk}/"
    clean_axe(browser, detail_url, cookies)
    assert fits_320(browser, detail_url, cookies)
    clean_axe(browser, f"{base}/staff/users/", cookies)

    # The invitation arrives by e-mail (a real SMTP conversation with the sink).
    (message,) = smtp_sink.to("robin@shelter.example")
    link = re.search(r"https?://\S+/staff/account/invitation/\S+/", message.get_content()).group(0)
    path = "/" + link.split("/", 3)[3]

    newcomer = browser.new_context().new_page()
    newcomer.goto(f"{base}{path}")
    violations = axe_scan(browser, f"{base}{path}")
    assert violations == [], [(v["id"], v["help"]) for v in violations]
    newcomer.locator("#id_new_password1").fill(NEW_PASSWORD)
    newcomer.locator("#id_new_password2").fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="Save the password and continue").click()
    newcomer.wait_for_url(re.compile(r".*/two_factor/setup/$"))
    newcomer.get_by_role("button", name="Next").click()
    # The authenticator app reads the secret shown on the page (or its QR code).
    secret = newcomer.locator("a[href^='otpauth://']").inner_text().strip()
    seed = b32decode(secret + "=" * (-len(secret) % 8))
    code = TOTP(seed).token()
    newcomer.get_by_label("Token").fill(f"{code:06d}")
    newcomer.get_by_role("button", name="Next").click()
    newcomer.wait_for_url(re.compile(r".*/staff/.*"))
    newcomer.goto(f"{base}/staff/")
    assert newcomer.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    assert newcomer.get_by_text("Test Advocacy Center").is_visible()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.enrolment_links.filter(used_at__isnull=False).count() == 1


def test_audit_viewer_from_a_case_page(browser, live_server, personas):
    base = live_server.url
    case = open_case(personas)
    case_services.break_glass(
        case=case, by=personas.officer, reason="Youth recovered tonight; need the safety plan."
    )
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, personas.coordinator, then=f"/staff/cases/{case.pk}/")
    page.get_by_role("link", name="Who saw this record (audit log)").click()
    page.wait_for_url(re.compile(r".*/staff/audit/\?record_type=cases\.case.*"))
    row = page.locator("tr.hw-audit-row--break_glass")
    assert row.count() >= 1
    assert "officer" in row.first.inner_text()
    assert page.locator("#chain-state").inner_text().startswith("Chain intact")
    page.get_by_label("Person (username)").fill("officer")
    page.get_by_role("button", name="Show entries").click()
    page.wait_for_url(re.compile(r".*person=officer.*"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these entries as CSV").click()
    assert "break_glass" in open(download.value.path(), encoding="utf-8").read()
    cookies = context.cookies()
    clean_axe(browser, page.url, cookies)
    assert fits_320(browser, page.url, cookies)


def test_a_staff_page_in_spanish(browser, live_server, personas):
    base = live_server.url
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, personas.advocate, then="/staff/account/profile/")
    page.get_by_label("Language of the staff pages and your e-mails").select_option("es")
    page.get_by_role("button", name="Save").click()
    page.goto(f"{base}/staff/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator(".hw-staff-tag").text_content().strip() == "Personal"
    cookies = context.cookies()
    clean_axe(browser, f"{base}/staff/", cookies)
    clean_axe(browser, f"{base}/staff/account/profile/", cookies)
    assert fits_320(browser, f"{base}/staff/account/profile/", cookies)
