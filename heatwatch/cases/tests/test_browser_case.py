"""A whole case in a real headless Chromium: intake from a tip → care team → stabilisation →
two referrals, one declined → alerts fire when time passes → closure."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from heatwatch.cases import services
from heatwatch.cases.models import Case, CaseStatus, ReferralStatus
from heatwatch.cases.tests.conftest import make_service
from heatwatch.conftest import PASSWORD, totp_code
from heatwatch.core.tests.test_browser import axe_scan
from heatwatch.tips import services as tip_services
from heatwatch.tips.models import Channel

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in(page, url: str, user) -> None:
    page.goto(url)
    if "/login/" in page.url:
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Next").click()
        page.get_by_label("Token").fill(totp_code(user))
        page.get_by_role("button", name="Next").click()
        page.wait_for_url(url)


def form_of(page, button: str):
    """The form on the page whose submit button says ``button``."""
    return page.locator("form").filter(has=page.get_by_role("button", name=button, exact=True))


def test_full_case(browser, live_server, personas):
    tip = tip_services.tip_submit(
        data=tip_services.TipInput(
            narrative="A girl of about 15 is dropped off at the Harbor motel every night.",
            subject_age_range="15_17",
        ),
        channel=Channel.WEB,
        issue_receipt=False,
    ).tip
    clinic = make_service(personas.clinic, name="Youth clinic counselling")
    housing = make_service(personas.provider, name="Safe housing program")

    # Intake from the tip, by the coordinator.
    coordinator = browser.new_context().new_page()
    csp_refusals: list[str] = []
    coordinator.on(
        "console", lambda m: csp_refusals.append(m.text) if "Refused" in m.text else None
    )
    sign_in(coordinator, f"{live_server.url}/staff/cases/new/", personas.coordinator)
    coordinator.get_by_label(re.compile(r"^Name")).fill("Kiara Synthwell")
    coordinator.get_by_label("Aliases and street names").fill("Star")
    coordinator.get_by_label("Date of birth").fill("2011-03-09")
    coordinator.get_by_label("Languages").fill("en es")
    coordinator.get_by_label("How the youth came to us").select_option(label="Tip")
    coordinator.get_by_label("Tip reference").fill(tip.reference)
    coordinator.get_by_label("You open it for").select_option(label="Test Coordinating Office")
    coordinator.get_by_role("button", name="Check identity and continue").click()
    coordinator.get_by_text("opened").first.wait_for()
    case = Case.objects.get()
    assert case.tip_reference == tip.reference
    case_url = f"{live_server.url}/staff/cases/{case.pk}/"
    coordinator.wait_for_url(case_url)

    # The care team: an advocate as lead and a clinician from another agency.
    team = form_of(coordinator, "Add to the team")
    team.get_by_label("Person").select_option(label="advocate")
    team.get_by_label("For the organisation").select_option(label="Test Advocacy Center")
    team.get_by_label("Role on the team").select_option(label="Advocate")
    team.get_by_text("Lead of the team").click()
    team.get_by_role("button", name="Add to the team").click()
    coordinator.get_by_role("cell", name="advocate Lead").wait_for()
    team = form_of(coordinator, "Add to the team")
    team.get_by_label("Person").select_option(label="advocate_other")
    team.get_by_label("For the organisation").select_option(label="Test Youth Clinic")
    team.get_by_label("Role on the team").select_option(label="Health")
    team.get_by_role("button", name="Add to the team").click()
    coordinator.get_by_role("cell", name="advocate_other").wait_for()

    # Stabilisation: two of the five items done at once.
    for _ in range(2):
        coordinator.get_by_role("button", name="Mark done now").first.click()
        coordinator.wait_for_load_state()
    assert case.stabilisation.filter(done_at__isnull=False).count() == 2

    # Consent for the clinic (languages only), then two referrals.
    consent = form_of(coordinator, "Record consent")
    consent.get_by_label("Share with").select_option(label="Test Youth Clinic")
    consent.get_by_text("Languages", exact=True).click()
    consent.get_by_label("Given by").select_option(label="The youth")
    consent.get_by_label("Given on").fill(timezone.localdate().isoformat())
    consent.get_by_role("button", name="Record consent").click()
    coordinator.get_by_role("cell", name="languages").wait_for()

    referral = form_of(coordinator, "Send the referral")
    referral.get_by_label(re.compile(r"^Service")).select_option(label="Youth clinic counselling")
    referral.get_by_text("Languages", exact=True).click()
    referral.get_by_label("Note for the agency").fill("Prefers afternoon appointments.")
    referral.get_by_role("button", name="Send the referral").click()
    coordinator.get_by_role("cell", name="Youth clinic counselling · Test Youth Clinic").wait_for()
    referral = form_of(coordinator, "Send the referral")
    referral.get_by_label(re.compile(r"^Service")).select_option(label="Safe housing program")
    referral.get_by_role("button", name="Send the referral").click()
    coordinator.get_by_role("cell", name="Safe housing program · Test Advocacy Center").wait_for()

    # The clinic declines from its inbox (seeing only the shared field); housing accepts.
    clinician = browser.new_context().new_page()
    sign_in(clinician, f"{live_server.url}/staff/cases/referrals/", personas.advocate_other)
    clinician.get_by_role("link", name=case.reference).click()
    clinician.get_by_text("en es").wait_for()
    assert "Kiara" not in clinician.content()
    clinician.get_by_label("Note").fill("No openings for this age group until March.")
    clinician.get_by_role("button", name="Decline").click()
    clinician.get_by_text("Referral updated").wait_for()

    advocate = browser.new_context().new_page()
    sign_in(advocate, f"{live_server.url}/staff/cases/referrals/", personas.advocate)
    advocate.get_by_role("link", name=case.reference).click()
    advocate.get_by_role("button", name="Accept").click()
    advocate.get_by_text("Referral updated").wait_for()
    statuses = dict(case.referrals.values_list("service_id", "status"))
    assert statuses == {clinic.pk: ReferralStatus.DECLINED, housing.pk: ReferralStatus.ACCEPTED}

    coordinator.reload()
    coordinator.get_by_text("No openings for this age group until March.").wait_for()
    assert csp_refusals == []

    # The case page, with every section filled, passes axe (no serious or critical issue).
    # (the coordinator's session: a TOTP code cannot be used twice)
    serious = axe_scan(browser, case_url, coordinator.context.cookies())
    assert serious == [], [(v["id"], v["help"], len(v["nodes"])) for v in serious]

    # Fifteen days pass without a contact; the scheduled task raises the alerts.
    later = timezone.now() + timedelta(days=15)
    with time_machine.travel(later, tick=True):
        services.alerts_refresh()
        sign_in(coordinator, f"{live_server.url}/staff/cases/dashboard/", personas.coordinator)
        row = coordinator.get_by_role("row").filter(has_text=case.reference)
        row.filter(has_text="No contact recently").wait_for()
        row.filter(has_text="Stabilisation item overdue").first.wait_for()

        # The lead logs a contact and finishes the checklist; the alerts clear.
        sign_in(advocate, case_url, personas.advocate)
        contact = form_of(advocate, "Log the contact")
        contact.get_by_label("Kind").select_option(label="In person")
        contact.get_by_label("When").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
        contact.get_by_role("button", name="Log the contact").click()
        advocate.get_by_text("In person · advocate").wait_for()
        while advocate.get_by_role("button", name="Mark done now").count():
            advocate.get_by_role("button", name="Mark done now").first.click()
            advocate.wait_for_load_state()
        services.alerts_refresh()
        assert not case.alerts.filter(resolved_at__isnull=True).exists()

        # Closure with an aftercare check-in.
        close = form_of(advocate, "Close the case")
        close.get_by_label("Why is the case closed?").select_option(label="Goals met; aftercare")
        close.get_by_label("Aftercare check-in").fill(
            (timezone.localdate() + timedelta(days=90)).isoformat()
        )
        close.get_by_role("button", name="Close the case").click()
        advocate.get_by_role("button", name="Reopen the case").wait_for()

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.aftercare_check_in_on is not None
