"""One youth, two records, in a real headless Chromium: a coordinator looks the youth up with a
nickname, reviews the two people side by side, merges them (a reason is required), then undoes
the merge from the history, and the records go back exactly where they were."""

from __future__ import annotations

import datetime
import re

import pytest

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.cases.tests.test_browser_case import form_of, sign_in
from heatwatch.core.tests.test_browser import axe_scan
from heatwatch.identity import services
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import IdentityRecord, Merge, Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_lookup_compare_merge_and_undo(browser, live_server, personas):
    police = services.identity_record_create(
        data=IdentityInput(
            given_name="Jessica",
            family_name="Synthwell",
            aliases=("Sky",),
            dob=datetime.date(2010, 5, 4),
            phone="5105550142",
            source="police",
        ),
        by=None,
    )
    shelter = services.identity_record_create(
        data=IdentityInput(
            given_name="Jess",
            family_name="Synthwell",
            dob=datetime.date(2010, 4, 5),  # day and month swapped
            source="shelter",
        ),
        by=None,
    )
    kept, absorbed = police.person_id, shelter.person_id
    csp_refusals: list[str] = []
    page = browser.new_context().new_page()
    page.on("console", lambda m: csp_refusals.append(m.text) if "Refused" in m.text else None)
    sign_in(page, f"{live_server.url}/staff/identity/", personas.coordinator)

    # A lookup with nothing to match on keeps what was typed and says what to fix.
    page.get_by_label("Postcode").fill("94901")
    page.get_by_role("button", name="Find matches").click()
    page.get_by_text("Enter at least a name, a date of birth or a phone.").wait_for()
    assert page.get_by_label("Postcode").input_value() == "94901"

    # The nickname and the date of birth find the police record first, with the reasons.
    page.get_by_label("Given name").fill("Jess")
    page.get_by_label("Date of birth").fill("2010-05-04")
    page.get_by_label("Date of birth").press("Enter")  # the keyboard alone submits
    results = page.get_by_role("table")
    results.wait_for()
    assert results.get_by_role("row").nth(1).get_by_role("link").inner_text() == f"Person {kept}"
    page.get_by_role("link", name=f"Person {kept}", exact=True).click()

    # The person page offers the shelter record's person for review, side by side.
    page.get_by_role("heading", name="May be the same youth").wait_for()
    page.get_by_role("row").filter(has_text=f"Person {absorbed}").get_by_role(
        "link", name="Compare"
    ).click()
    page.get_by_role("heading", name=f"Person {kept} (kept)").wait_for()
    page.get_by_role("heading", name=f"Person {absorbed} (merged in)").wait_for()
    page.get_by_text("day and month swapped").first.wait_for()
    assert page.get_by_text("Sky").count() >= 1  # the alias is shown for review
    serious = axe_scan(browser, page.url, page.context.cookies())
    assert serious == [], [(v["id"], v["help"], len(v["nodes"])) for v in serious]

    # No reason, no merge; then the merge, with the history kept.
    merge_form = form_of(page, "Merge these people")
    merge_form.get_by_role("button", name="Merge these people").click()
    page.locator(".usa-error-message").first.wait_for()
    assert not Merge.objects.exists()
    form_of(page, "Merge these people").get_by_label(re.compile("^Reason")).fill(
        "Same youth: the shelter confirmed the phone."
    )
    form_of(page, "Merge these people").get_by_role("button", name="Merge these people").click()
    page.get_by_text("Merged. The merge can be undone from the history.").wait_for()
    assert Person.objects.get(pk=absorbed).merged_into_id == kept
    assert set(IdentityRecord.objects.values_list("person_id", flat=True)) == {kept}

    # Undo from the history: exactly the moved record goes back.
    page.get_by_role("link", name="Merge history").click()
    page.get_by_role("row").filter(has_text=f"Person {absorbed}").get_by_role(
        "link", name="Undo"
    ).click()
    page.get_by_label(re.compile("^Reason")).fill("Two different youths after all.")
    page.get_by_role("button", name="Undo this merge").click()
    page.get_by_text("The merge was undone.").wait_for()
    page.get_by_text("undone", exact=True).wait_for()
    assert Person.objects.get(pk=absorbed).merged_into_id is None
    assert IdentityRecord.objects.get(pk=shelter.pk).person_id == absorbed
    assert IdentityRecord.objects.get(pk=police.pk).person_id == kept
    assert Merge.objects.get().is_undone

    # Every record shown was an audited read; nothing personal in the audit entries.
    reads = AuditEntry.objects.filter(action=Action.READ, object_type="identity.identityrecord")
    assert {e.object_id for e in reads} == {str(police.pk), str(shelter.pk)}
    assert not any("Synthwell" in str(e.__dict__) for e in AuditEntry.objects.all())
    assert csp_refusals == []
