"""Cases feeds identity's possible-duplicates queue (issue 18): which people have an open case
(following merges), the queue's counts on the coordinator dashboard, and an approximate age at
intake reaching the matcher."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from heatwatch.cases import selectors
from heatwatch.cases.models import CaseStatus
from heatwatch.cases.tests.conftest import open_case, signed_in
from heatwatch.identity import duplicates
from heatwatch.identity import services as identity_services
from heatwatch.identity.indexing import IdentityInput

pytestmark = pytest.mark.django_db


def test_people_with_open_cases_follows_merges(personas):
    case = open_case(personas)
    other = identity_services.identity_record_create(
        data=IdentityInput(given_name="Rowan", family_name="Elsewhere", sex="F"), by=None
    )
    survivor = identity_services.identity_record_create(
        data=IdentityInput(given_name="Quinn", family_name="Survivorly", sex="F"), by=None
    )
    identity_services.person_merge(
        survivor=survivor.person, absorbed=case.youth.person, reason="test", by=personas.coordinator
    )
    ids = [survivor.person_id, other.person_id]
    assert selectors.people_with_open_cases(ids) == {survivor.person_id}
    case.status = CaseStatus.CLOSED
    case.save(update_fields=["status"])
    assert selectors.people_with_open_cases(ids) == set()


def test_the_coordinator_dashboard_shows_the_queue(personas, login):
    open_case(personas)
    duplicates.duplicates_scan(now=timezone.now() + datetime.timedelta(minutes=5))
    page = signed_in(login, personas.coordinator).get("/staff/cases/dashboard/")
    assert page.status_code == 200
    assert b"Possible duplicates" in page.content
    assert b"/staff/identity/duplicates/" in page.content


def test_an_approximate_age_at_intake_reaches_the_matcher():
    from heatwatch.cases.tests.conftest import youth

    data = youth(date_of_birth=None, estimated_age=15).identity_input()
    assert data.age == 15 and data.dob is None
    assert youth(estimated_age=15).identity_input().age is None  # a date of birth wins
