"""Restricted deletion of case records entered in error: the permission, the reason kept
encrypted, what may not be deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from heatwatch.audit.models import Action, AuditEntry, Outcome
from heatwatch.cases import selectors, services
from heatwatch.cases.models import (
    Alert,
    AlertKind,
    Case,
    CaseEvent,
    Contact,
    ReferralStatus,
    Youth,
)
from heatwatch.cases.tests.conftest import (
    DELETE_REASON,
    break_glass_client,
    grant_delete,
    make_service,
    open_case,
    signed_in,
    youth,
)
from heatwatch.identity.models import IdentityRecord, Person

pytestmark = pytest.mark.django_db


def test_coordinator_without_the_permission_cannot_delete(personas, login):
    case = open_case(personas)
    contact = services.contact_add(case=case, by=personas.advocate, kind="phone", at=timezone.now())
    client = signed_in(login, personas.coordinator)
    url = f"/staff/cases/{case.pk}/delete/contact/{contact.pk}/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": DELETE_REASON}).status_code == 403
    assert (
        client.post(f"/staff/cases/{case.pk}/delete/", {"reason": DELETE_REASON}).status_code == 403
    )
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert AuditEntry.objects.filter(
        action=Action.ACCESS_DENIED, actor_id=personas.coordinator.pk, outcome=Outcome.DENIED
    ).exists()
    with pytest.raises(services.DeletionRefused):
        services.record_delete(obj=contact, by=personas.coordinator, reason=DELETE_REASON)
    assert "Delete…" not in client.get(f"/staff/cases/{case.pk}/").content.decode()


def test_delete_a_contact_with_a_reason_kept_encrypted(personas, login):
    case = open_case(personas)
    contact = services.contact_add(
        case=case, by=personas.advocate, kind="phone", at=timezone.now(), note="Talked."
    )
    grant_delete(personas.advocate)
    client = signed_in(login, personas.advocate)
    assert "Delete…" in client.get(f"/staff/cases/{case.pk}/").content.decode()
    url = f"/staff/cases/{case.pk}/delete/contact/{contact.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "too short"})
    assert response.status_code == 400 and "too short" in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()
    response = client.post(url, {"reason": DELETE_REASON})
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    entry = AuditEntry.objects.get(
        action=Action.DELETE, object_type="cases.contact", object_id=str(contact.pk)
    )
    assert "wrong case" not in entry.reason
    assert selectors.deletion_reason(entry.reason) == DELETE_REASON
    assert CaseEvent.objects.filter(case=case, kind="deleted", summary__contains="contact").exists()


def test_delete_other_case_records_and_refusals(personas):
    case = open_case(personas)
    grant_delete(personas.advocate)
    member = services.care_team_add(
        case=case,
        by=personas.advocate,
        user=personas.advocate_other,
        organisation=personas.clinic,
        team_role="health",
    )
    consent = services.consent_grant(
        case=case,
        by=personas.advocate,
        organisation=personas.clinic,
        scope=["name"],
        valid_from=timezone.localdate(),
        valid_until=None,
        given_by="youth",
    )
    item = case.stabilisation.first()
    fresh = services.referral_send(
        case=case, by=personas.advocate, service=make_service(personas.clinic)
    )
    answered = services.referral_send(
        case=case, by=personas.advocate, service=make_service(personas.clinic)
    )
    services.referral_answer(
        referral=answered, by=personas.advocate_other, to=ReferralStatus.ACCEPTED
    )
    with pytest.raises(services.DeletionRefused, match="Revoke"):
        services.record_delete(obj=answered, by=personas.advocate, reason=DELETE_REASON)
    with pytest.raises(services.CaseError, match="at least 10"):
        services.record_delete(obj=fresh, by=personas.advocate, reason="oops")
    for obj in (member, consent, item, fresh):
        services.record_delete(obj=obj, by=personas.advocate, reason=DELETE_REASON)
        assert not type(obj).objects.filter(pk=obj.pk).exists()
    # not on the whitelist
    alert = Alert.objects.create(
        case=case, kind=AlertKind.NO_LEAD, key="no_lead", message="x", raised_at=timezone.now()
    )
    with pytest.raises(services.DeletionRefused):
        services.record_delete(obj=alert, by=personas.advocate, reason=DELETE_REASON)
    assert AuditEntry.objects.filter(action=Action.DELETE).count() == 4


def test_delete_a_whole_case_created_in_error(personas, login):
    case = open_case(personas)
    person_id = case.youth.person_id
    youth_id = case.youth_id
    grant_delete(personas.advocate)
    client = signed_in(login, personas.advocate)
    url = f"/staff/cases/{case.pk}/delete/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Opened twice for the same referral."})
    assert response.status_code == 302 and response["Location"] == "/staff/cases/"
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Youth.objects.filter(pk=youth_id).exists()
    assert not IdentityRecord.objects.filter(person_id=person_id).exists()
    assert not Person.objects.filter(pk=person_id).exists()
    deleted = set(
        AuditEntry.objects.filter(action=Action.DELETE).values_list("object_type", flat=True)
    )
    assert {"cases.case", "cases.youth", "identity.identityrecord", "identity.person"} <= deleted


def test_delete_case_keeps_a_person_known_from_another_record(personas):
    first = open_case(personas)
    services.case_close(
        case=first, by=personas.advocate, reason="moved", aftercare_check_in_on=None, version=1
    )
    second = services.case_open_from_intake(
        data=youth(),
        by=personas.advocate,
        organisation=personas.provider,
        intake_source="direct",
        person=first.youth.person,
    )
    grant_delete(personas.advocate)
    services.record_delete(obj=second, by=personas.advocate, reason=DELETE_REASON)
    assert Person.objects.filter(pk=first.youth.person_id).exists()
    assert IdentityRecord.objects.filter(person_id=first.youth.person_id).count() == 1


def test_break_glass_reader_and_outsider_cannot_delete(personas, login):
    case = open_case(personas)
    grant_delete(personas.officer)
    grant_delete(personas.advocate_other)
    reader = break_glass_client(personas, login, case)
    assert reader.get(f"/staff/cases/{case.pk}/delete/").status_code == 403
    outsider = signed_in(login, personas.advocate_other)
    assert outsider.get(f"/staff/cases/{case.pk}/delete/").status_code == 404
    assert Case.objects.filter(pk=case.pk).exists()


def test_delete_case_on_a_meeting_agenda_is_refused_and_nothing_is_lost(personas):
    from heatwatch.meetings import services as meeting_services

    case = open_case(personas)
    meeting = meeting_services.meeting_create(
        by=personas.coordinator,
        name="Weekly case review",
        location="Room 2",
        scheduled_start=timezone.now() + timedelta(days=2),
    )
    meeting_services.agenda_add(meeting=meeting, by=personas.coordinator, case=case, version=None)
    grant_delete(personas.coordinator)
    with pytest.raises(services.DeletionRefused, match="Other records"):
        services.record_delete(obj=case, by=personas.coordinator, reason=DELETE_REASON)
    assert Case.objects.filter(pk=case.pk).exists()
    assert Youth.objects.filter(pk=case.youth_id).exists()
    assert not AuditEntry.objects.filter(action=Action.DELETE).exists()
