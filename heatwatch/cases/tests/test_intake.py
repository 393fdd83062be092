"""Intake's identity lookup is not an oracle (issue 10, finding 6): only the roles that open
cases see candidates, every lookup is audited with its inputs encrypted (an abandoned intake
too), and a user's lookups are limited per hour."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.cases import selectors, services
from heatwatch.cases.models import Case
from heatwatch.cases.tests.conftest import open_case

FORM = {
    "legal_name": "Jasmine Probewell",
    "aliases": "",
    "date_of_birth": "2010-06-07",
    "gender": "female",
    "languages": "en",
    "city": "Northport",
    "guardian_contact": "",
    "safety_notes": "",
    "intake_source": "direct",
}


def _known_youth(personas) -> Case:
    return open_case(
        personas,
        legal_name="Jasmine Probewell",
        date_of_birth=date(2010, 6, 7),
        city="Northport",
    )


def _lookups():
    return AuditEntry.objects.filter(action=Action.READ, object_type="identity.person")


def test_officer_cannot_open_the_intake_page_or_see_candidates(personas, login):
    known = _known_youth(personas)
    client = login(Client(), personas.officer)
    data = {**FORM, "organisation": personas.police.pk}
    assert client.get("/staff/cases/new/").status_code == 403
    response = client.post("/staff/cases/new/", data)
    assert response.status_code == 403
    page = response.content.decode()
    assert "match probability" not in page and f"Person {known.youth.person_id}" not in page
    assert not _lookups().exists()


def test_an_abandoned_lookup_is_audited_with_its_inputs_encrypted(personas, login):
    known = _known_youth(personas)
    client = login(Client(), personas.advocate)
    response = client.post("/staff/cases/new/", {**FORM, "organisation": personas.provider.pk})
    # The advocate is shown the candidate, then walks away without opening a case.
    assert response.status_code == 200
    assert f"Person {known.youth.person_id} (match probability" in response.content.decode()
    assert Case.objects.count() == 1
    entry = _lookups().get()
    assert entry.actor_id == personas.advocate.pk and entry.outcome == Outcome.SUCCESS
    assert "Probewell" not in entry.reason and "2010-06-07" not in entry.reason
    assert "Northport" not in entry.reason
    inputs = selectors.intake_lookup_inputs(entry.reason)
    assert inputs is not None
    assert inputs["legal_name"] == "Jasmine Probewell"
    assert inputs["date_of_birth"] == "2010-06-07" and inputs["city"] == "Northport"
    assert inputs["shown"] == [known.youth.person_id]


def test_lookups_past_the_hourly_limit_are_refused_and_audited(personas, login, settings):
    settings.HEATWATCH_CASES_INTAKE_LOOKUPS_PER_HOUR = 2
    _known_youth(personas)
    client = login(Client(), personas.advocate)
    data = {**FORM, "organisation": personas.provider.pk}
    for city in ("Northport", "Eastgate"):
        assert client.post("/staff/cases/new/", {**data, "city": city}).status_code == 200
    response = client.post("/staff/cases/new/", {**data, "city": "Southbay"})
    page = response.content.decode()
    assert response.status_code == 400 and "more youths than allowed" in page
    assert 'value="Jasmine Probewell"' in page  # what was typed is kept
    assert "match probability" not in page
    assert _lookups().filter(outcome=Outcome.SUCCESS).count() == 2
    assert _lookups().filter(outcome=Outcome.DENIED).count() == 1
    # Another user is not affected by this one's probing.
    other = login(Client(), personas.coordinator)
    response = other.post(
        "/staff/cases/new/", {**data, "organisation": personas.coordinating_office.pk}
    )
    assert response.status_code == 200


def test_a_person_not_offered_by_matching_cannot_be_picked(personas):
    known = _known_youth(personas)
    stranger = open_case(personas, legal_name="Unrelated Samplename", city="Westfield")
    data = services.YouthInput(legal_name="Jasmine Probewell", city="Northport")
    with pytest.raises(services.CaseError, match="Pick one of the people matching found"):
        services.case_open_from_intake(
            data=data,
            by=personas.coordinator,
            intake_source="direct",
            organisation=personas.coordinating_office,
            person_id=stranger.youth.person_id,
        )
    assert Case.objects.count() == 2 and known.youth.person_id != stranger.youth.person_id
