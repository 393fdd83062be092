"""Editing the youth's details after intake: audited by field name, kept in step with the
identity register, a concurrent edit refused with what was typed kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.cases import services
from heatwatch.cases.models import (
    CaseEvent,
    Youth,
)
from heatwatch.cases.tests.conftest import (
    break_glass_client,
    open_case,
    signed_in,
    youth,
)
from heatwatch.identity.models import IdentityRecord
from heatwatch.identity.selectors import find_candidates

pytestmark = pytest.mark.django_db


YOUTH_FORM = {
    "legal_name": "Marisol Testwell-Rivera",
    "aliases": "Candy; Mari",
    "date_of_birth": "2010-04-05",
    "estimated_age": "",
    "gender": "female",
    "languages": "en es",
    "city": "Northport",
    "in_foster_care": "on",
    "guardian_contact": "Aunt, 555-0100",
    "safety_notes": "Avoid the Harbor Street depot.",
}


def test_youth_details_edited_audited_by_field_name_and_identity_updated(personas, login):
    case = open_case(personas)
    client = signed_in(login, personas.advocate)
    page = client.get(f"/staff/cases/{case.pk}/youth/")
    assert page.status_code == 200 and 'value="Bayview"' in page.content.decode()
    response = client.post(f"/staff/cases/{case.pk}/youth/", {**YOUTH_FORM, "version": 1})
    assert response.status_code == 302
    youth_row = Youth.objects.get(pk=case.youth_id)
    assert youth_row.version == 2 and youth_row.city == "Northport" and youth_row.in_foster_care
    entry = AuditEntry.objects.filter(
        action=Action.UPDATE, object_type="cases.youth", object_id=str(youth_row.pk)
    ).get()
    assert set(entry.fields) == {"legal_name", "aliases", "city", "in_foster_care"}
    assert "Northport" not in entry.reason and "Rivera" not in entry.reason
    event = CaseEvent.objects.get(case=case, kind="youth_updated")
    assert "city" in event.summary and "Northport" not in event.summary
    # the register record follows, so matching finds the youth by the new details
    record = IdentityRecord.objects.get(person_id=youth_row.person_id)
    assert record.family_name == "Testwell-Rivera" and record.city == "Northport"
    found = find_candidates(
        youth(legal_name="Marisol Testwell-Rivera", city="Northport").identity_input()
    )
    assert found and found[0].person_id == youth_row.person_id
    assert AuditEntry.objects.filter(
        action=Action.UPDATE, object_type="identity.identityrecord", object_id=str(record.pk)
    ).exists()


def test_youth_edit_with_a_stale_version_saves_nothing_and_keeps_what_was_typed(personas, login):
    case = open_case(personas)
    services.youth_update(
        case=case, by=personas.coordinator, data=youth(city="Eastgate"), version=1
    )
    client = signed_in(login, personas.advocate)
    response = client.post(f"/staff/cases/{case.pk}/youth/", {**YOUTH_FORM, "version": 1})
    page = response.content.decode()
    assert response.status_code == 409 and "Someone else changed" in page
    assert 'value="Northport"' in page
    assert Youth.objects.get(pk=case.youth_id).city == "Eastgate"


def test_youth_edit_refuses_a_future_date_of_birth(personas, login):
    case = open_case(personas)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = signed_in(login, personas.advocate).post(
        f"/staff/cases/{case.pk}/youth/", {**YOUTH_FORM, "date_of_birth": tomorrow, "version": 1}
    )
    assert response.status_code == 400 and "future" in response.content.decode()
    assert Youth.objects.get(pk=case.youth_id).version == 1


def test_youth_edit_permissions(personas, login):
    case = open_case(personas)
    url = f"/staff/cases/{case.pk}/youth/"
    assert signed_in(login, personas.advocate_other).get(url).status_code == 404
    assert signed_in(login, personas.analyst).get(url).status_code == 403
    reader = break_glass_client(personas, login, case)
    assert reader.get(url).status_code == 403
    assert reader.post(url, {**YOUTH_FORM, "version": 1}).status_code == 403
    assert signed_in(login, personas.coordinator).get(url).status_code == 200
