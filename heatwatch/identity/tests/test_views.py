"""The coordinators' identity pages: lookup, person, compare and merge, history and undo."""

from __future__ import annotations

import datetime

import pytest

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.conftest import login_verified
from heatwatch.identity import services
from heatwatch.identity.indexing import IdentityInput
from heatwatch.identity.models import Merge, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(personas):
    a = services.identity_record_create(
        data=IdentityInput(
            given_name="Jessica",
            family_name="Ruiz",
            aliases=("Sky",),
            dob=datetime.date(2010, 5, 4),
            phone="5105550142",
        ),
        by=None,
    )
    b = services.identity_record_create(
        data=IdentityInput(given_name="Jess", family_name="Ruiz", dob=datetime.date(2010, 4, 5)),
        by=None,
    )
    return a, b


def test_outsiders_cannot_open_identity_pages(client, personas, two):
    a, b = two
    urls = [
        "/staff/identity/?given_name=Jess",
        f"/staff/identity/people/{a.person_id}/",
        f"/staff/identity/people/{a.person_id}/compare/{b.person_id}/",
        "/staff/identity/merges/",
    ]
    for name in ("advocate", "officer", "prosecutor", "analyst", "administrator", "no_role"):
        login_verified(client, getattr(personas, name))
        for url in urls:
            assert client.get(url).status_code in (403, 404), (name, url)
        response = client.post(
            f"/staff/identity/people/{a.person_id}/compare/{b.person_id}/", {"reason": "x"}
        )
        assert response.status_code == 403
    assert not Merge.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.READ).exists()


def test_lookup_shows_candidates_and_is_audited(client, personas, two):
    a, _ = two
    login_verified(client, personas.coordinator)
    response = client.get("/staff/identity/", {"given_name": "Jess", "dob": "2010-05-04"})
    assert response.status_code == 200
    assert f"/staff/identity/people/{a.person_id}/" in response.content.decode()
    assert AuditEntry.objects.filter(action=Action.READ, object_type="identity.person").exists()


def test_lookup_keeps_input_and_shows_errors(client, personas):
    login_verified(client, personas.coordinator)
    response = client.get("/staff/identity/", {"postcode": "94901", "dob": "04/05/2010"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "usa-error-message" in html
    assert 'value="94901"' in html


def test_person_page_reads_are_audited(client, personas, two):
    a, b = two
    login_verified(client, personas.coordinator)
    response = client.get(f"/staff/identity/people/{a.person_id}/")
    assert response.status_code == 200
    assert "Jessica" in response.content.decode()
    assert f"compare/{b.person_id}/" in response.content.decode()
    assert AuditEntry.objects.filter(
        action=Action.READ, object_type="identity.identityrecord", object_id=str(a.pk)
    ).exists()
    assert client.get("/staff/identity/people/999999/").status_code == 404


def test_merge_and_undo_through_the_pages(client, personas, two):
    a, b = two
    login_verified(client, personas.coordinator)
    url = f"/staff/identity/people/{a.person_id}/compare/{b.person_id}/"
    page = client.get(url)
    assert "day and month swapped" in page.content.decode()
    missing_reason = client.post(url, {"reason": ""})
    assert (
        missing_reason.status_code == 200 and "usa-error-message" in missing_reason.content.decode()
    )
    assert not Merge.objects.exists()
    response = client.post(url, {"reason": "same youth: phone and school confirm"})
    assert response.status_code == 302
    merge = Merge.objects.get()
    assert Person.objects.get(pk=b.person_id).merged_into_id == a.person_id
    history = client.get("/staff/identity/merges/")
    assert f"/staff/identity/merges/{merge.pk}/undo/" in history.content.decode()
    response = client.post(f"/staff/identity/merges/{merge.pk}/undo/", {"reason": "two youths"})
    assert response.status_code == 302
    assert Person.objects.get(pk=b.person_id).merged_into_id is None
    merge.refresh_from_db()
    assert merge.is_undone
    again = client.post(f"/staff/identity/merges/{merge.pk}/undo/", {"reason": "again"})
    assert again.status_code == 200
    assert (
        client.get(f"/staff/identity/people/{a.person_id}/compare/{a.person_id}/").status_code
        == 404
    )
