"""Services: intake with identity matching, team, consent, referrals, contacts, closure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.cases import services
from heatwatch.cases.models import (
    CaseEvent,
    CaseStatus,
    Participation,
    ReferralEvent,
    ReferralStatus,
    StabilisationKind,
    Youth,
)
from heatwatch.cases.tests.conftest import make_service, open_case, youth
from heatwatch.identity.models import IdentityRecord

pytestmark = pytest.mark.django_db


# --- intake -----------------------------------------------------------------------------------


def test_intake_opens_case_with_team_lead_and_72_hour_checklist(personas, clock):
    case = open_case(personas)
    assert case.status == CaseStatus.OPEN and case.reference.startswith("C-")
    lead = case.team.get()
    assert lead.user == personas.advocate and lead.is_lead
    items = list(case.stabilisation.all())
    assert {i.kind for i in items} == set(StabilisationKind.values)
    assert all(i.due_at == case.opened_at + timedelta(hours=72) for i in items)
    assert case.youth.person is not None
    assert IdentityRecord.objects.filter(person=case.youth.person).count() == 1
    assert AuditEntry.objects.filter(action=Action.CREATE, object_type="cases.case").exists()


def test_sensitive_youth_fields_are_encrypted_at_rest(personas):
    from django.db import connection

    case = open_case(personas)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_name, aliases, date_of_birth, city, guardian_contact, safety_notes "
            "FROM cases_youth WHERE id = %s",
            [case.youth_id],
        )
        row = cursor.fetchone()
    raw = " ".join(str(v) for v in row)
    for clear in ("Marisol", "Candy", "2010-04-05", "Bayview", "555-0100", "Harbor"):
        assert clear not in raw


def test_intake_runs_identity_matching_first(personas):
    first = open_case(personas)
    with pytest.raises(services.IdentityCheckRequired) as exc:
        services.case_open_from_intake(
            data=youth(legal_name="Marisol Testwell"),
            by=personas.advocate,
            organisation=personas.provider,
            intake_source="tip",
        )
    assert first.youth.person_id in [c.person_id for c in exc.value.candidates]
    # no second open case for the same youth
    with pytest.raises(services.CaseError, match="already has an open case"):
        services.case_open_from_intake(
            data=youth(legal_name="Marisol Testwell"),
            by=personas.advocate,
            organisation=personas.provider,
            intake_source="tip",
            person=first.youth.person,
        )
    services.case_close(
        case=first,
        by=personas.advocate,
        reason="moved",
        aftercare_check_in_on=None,
        version=first.version,
    )
    # picking the existing person links the new youth record to it
    second = services.case_open_from_intake(
        data=youth(legal_name="Marisol Testwell"),
        by=personas.advocate,
        organisation=personas.provider,
        intake_source="tip",
        person=first.youth.person,
    )
    assert second.youth.person_id == first.youth.person_id


def test_intake_refuses_bad_input_and_saves_nothing(personas):
    tomorrow = timezone.localdate() + timedelta(days=1)
    for bad in (
        {"legal_name": " "},
        {"date_of_birth": tomorrow},
        {"estimated_age": 99, "date_of_birth": None},
    ):
        with pytest.raises(services.CaseError):
            open_case(personas, **bad)
    assert not Youth.objects.exists()
    with pytest.raises(services.CaseError):  # not a member of that organisation
        open_case(personas, organisation=personas.clinic)


# --- care team --------------------------------------------------------------------------------


def test_team_add_requires_a_case_role_in_the_organisation(personas, case):
    with pytest.raises(services.CaseError):
        services.care_team_add(
            case=case,
            by=personas.advocate,
            user=personas.analyst,
            organisation=personas.coordinating_office,
            team_role="advocate",
        )
    with pytest.raises(services.CaseError):  # advocate_other works for the clinic
        services.care_team_add(
            case=case,
            by=personas.advocate,
            user=personas.advocate_other,
            organisation=personas.provider,
            team_role="advocate",
        )
    member = services.care_team_add(
        case=case,
        by=personas.advocate,
        user=personas.advocate_other,
        organisation=personas.clinic,
        team_role="health",
    )
    with pytest.raises(services.CaseError):
        services.care_team_add(
            case=case,
            by=personas.advocate,
            user=personas.advocate_other,
            organisation=personas.clinic,
            team_role="health",
        )
    services.care_team_set_lead(member=member, by=personas.advocate)
    leads = case.team.filter(is_lead=True, removed_at__isnull=True)
    assert list(leads.values_list("user", flat=True)) == [personas.advocate_other.pk]


# --- dates and concurrency --------------------------------------------------------------------


def test_no_future_dates_for_past_events(personas, case):
    future = timezone.now() + timedelta(days=1)
    with pytest.raises(services.CaseError, match="future"):
        services.contact_add(case=case, by=personas.advocate, kind="phone", at=future)
    item = case.stabilisation.first()
    with pytest.raises(services.CaseError, match="future"):
        services.stabilisation_item_done(item=item, by=personas.advocate, done_at=future)
    with pytest.raises(services.CaseError, match="before the case"):
        services.contact_add(
            case=case, by=personas.advocate, kind="phone", at=case.opened_at - timedelta(days=30)
        )


def test_consent_cannot_end_before_it_starts(personas, case):
    today = timezone.localdate()
    with pytest.raises(services.CaseError, match="end before"):
        services.consent_grant(
            case=case,
            by=personas.advocate,
            organisation=personas.clinic,
            scope=["name"],
            valid_from=today,
            valid_until=today - timedelta(days=1),
            given_by="youth",
        )
    with pytest.raises(services.CaseError, match="future"):
        services.consent_grant(
            case=case,
            by=personas.advocate,
            organisation=personas.clinic,
            scope=["name"],
            valid_from=today + timedelta(days=3),
            valid_until=None,
            given_by="youth",
        )


def test_concurrent_edits_do_not_lose_an_update(personas, case):
    loaded_version = case.version
    services.case_set_participation(
        case=case,
        by=personas.advocate,
        participation=Participation.UNDECIDED,
        version=loaded_version,
    )
    with pytest.raises(services.StaleCase, match="Someone else changed"):
        services.case_close(
            case=case,
            by=personas.coordinator,
            reason="goals_met",
            aftercare_check_in_on=None,
            version=loaded_version,
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.participation == Participation.UNDECIDED


def test_close_and_reopen_keep_history(personas, case):
    check_in = timezone.localdate() + timedelta(days=30)
    with pytest.raises(services.CaseError):
        services.case_close(
            case=case,
            by=personas.advocate,
            reason="goals_met",
            aftercare_check_in_on=timezone.localdate() - timedelta(days=1),
            version=case.version,
        )
    case = services.case_close(
        case=case,
        by=personas.advocate,
        reason="goals_met",
        aftercare_check_in_on=check_in,
        version=case.version,
    )
    assert case.status == CaseStatus.CLOSED and case.aftercare_check_in_on == check_in
    with pytest.raises(services.CaseError, match="closed"):
        services.contact_add(case=case, by=personas.advocate, kind="phone", at=timezone.now())
    case = services.case_reopen(case=case, by=personas.advocate, version=case.version)
    assert case.status == CaseStatus.OPEN
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert "closed" in kinds and "reopened" in kinds


# --- referrals --------------------------------------------------------------------------------


def _consent(personas, case, organisation, scope=("name", "age", "languages")):
    return services.consent_grant(
        case=case,
        by=personas.advocate,
        organisation=organisation,
        scope=list(scope),
        valid_from=timezone.localdate(),
        valid_until=None,
        given_by="youth",
    )


def test_referral_to_full_service_is_refused_and_waitlist_offered(personas, case):
    full = make_service(personas.clinic, capacity={"capacity": 5, "available_slots": 0})
    with pytest.raises(services.CaseError, match="cannot take referrals"):
        services.referral_send(case=case, by=personas.advocate, service=full)
    waitlist = make_service(
        personas.clinic, capacity={"capacity": 5, "available_slots": 0, "waitlist_open": True}
    )
    with pytest.raises(services.WaitlistOffered):
        services.referral_send(case=case, by=personas.advocate, service=waitlist)
    referral = services.referral_send(
        case=case, by=personas.advocate, service=waitlist, join_waitlist=True
    )
    assert referral.status == ReferralStatus.WAITLISTED


def test_sharing_outside_consent_is_blocked(personas, case):
    service = make_service(personas.clinic)
    with pytest.raises(services.CaseError, match="No consent"):
        services.referral_send(
            case=case, by=personas.advocate, service=service, shared_fields=["name"]
        )
    consent = _consent(personas, case, personas.clinic, scope=["name"])
    with pytest.raises(services.CaseError, match="Safety notes"):
        services.referral_send(
            case=case, by=personas.advocate, service=service, shared_fields=["name", "safety"]
        )
    # consent for another organisation does not count
    _consent(personas, case, personas.police, scope=["safety"])
    with pytest.raises(services.CaseError):
        services.referral_send(
            case=case, by=personas.advocate, service=service, shared_fields=["safety"]
        )
    services.consent_revoke(consent=consent, by=personas.advocate)
    with pytest.raises(services.CaseError, match="No consent"):
        services.referral_send(
            case=case, by=personas.advocate, service=service, shared_fields=["name"]
        )


def test_services_never_depend_on_participation(personas):
    """Declining to take part in an investigation changes nothing about services."""
    case = open_case(personas)
    case = services.case_set_participation(
        case=case, by=personas.advocate, participation=Participation.DECLINED, version=case.version
    )
    service = make_service(personas.clinic)
    _consent(personas, case, personas.clinic)
    referral = services.referral_send(
        case=case, by=personas.advocate, service=service, shared_fields=["name"]
    )
    for to in (ReferralStatus.ACCEPTED, ReferralStatus.FIRST_CONTACT, ReferralStatus.COMPLETED):
        referral = services.referral_answer(referral=referral, by=personas.advocate_other, to=to)
    assert referral.status == ReferralStatus.COMPLETED
    item = case.stabilisation.first()
    services.stabilisation_item_done(item=item, by=personas.advocate)
    services.contact_add(case=case, by=personas.advocate, kind="text", at=timezone.now())


def test_referral_loop_is_timestamped_and_guarded(personas, case, clock):
    service = make_service(personas.clinic)
    referral = services.referral_send(case=case, by=personas.advocate, service=service)
    with pytest.raises(services.CaseError, match="already an open referral"):
        services.referral_send(case=case, by=personas.advocate, service=service)
    with pytest.raises(services.CaseError, match="cannot become"):
        services.referral_answer(
            referral=referral, by=personas.advocate_other, to=ReferralStatus.COMPLETED
        )
    with pytest.raises(services.CaseError, match="reason"):
        services.referral_answer(
            referral=referral, by=personas.advocate_other, to=ReferralStatus.DECLINED
        )
    clock.shift(timedelta(hours=2))
    referral = services.referral_answer(
        referral=referral, by=personas.advocate_other, to=ReferralStatus.DECLINED, note="No room"
    )
    assert referral.decline_reason == "No room"
    with pytest.raises(services.CaseError, match="why"):
        services.referral_reopen(referral=referral, by=personas.advocate, note="")
    referral = services.referral_reopen(
        referral=referral, by=personas.advocate, note="A place opened"
    )
    assert referral.status == ReferralStatus.SENT
    referral = services.referral_revoke(referral=referral, by=personas.advocate)
    steps = list(ReferralEvent.objects.filter(referral=referral).values_list("to_status", "at"))
    assert [s for s, _ in steps] == ["sent", "declined", "sent", "revoked"]
    assert steps[1][1] - steps[0][1] == timedelta(hours=2)
