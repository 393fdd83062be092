"""Alerts fire when the clock moves and things go quiet; they resolve when work resumes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from heatwatch.cases import services
from heatwatch.cases.models import Alert, AlertKind, ReferralStatus
from heatwatch.cases.tests.conftest import make_service, open_case
from heatwatch.core import scheduling

pytestmark = pytest.mark.django_db


def open_kinds(case) -> set[str]:
    return set(
        Alert.objects.filter(case=case, resolved_at__isnull=True).values_list("kind", flat=True)
    )


def test_alert_job_is_registered():
    assert "cases.refresh_alerts" in [job.name for job in scheduling.jobs()]


def test_stabilisation_overdue_after_72_hours(personas, clock):
    case = open_case(personas)
    services.alerts_refresh()
    assert AlertKind.STABILISATION_OVERDUE not in open_kinds(case)
    clock.shift(timedelta(hours=73))
    services.alerts_refresh()
    assert Alert.objects.filter(case=case, kind=AlertKind.STABILISATION_OVERDUE).count() == 5
    item = case.stabilisation.first()
    services.stabilisation_item_done(item=item, by=personas.advocate)
    services.alerts_refresh()
    assert (
        Alert.objects.filter(
            case=case, kind=AlertKind.STABILISATION_OVERDUE, resolved_at__isnull=True
        ).count()
        == 4
    )


def test_no_contact_in_14_days(personas, clock):
    case = open_case(personas)
    clock.shift(timedelta(days=13))
    services.alerts_refresh()
    assert AlertKind.NO_CONTACT not in open_kinds(case)
    clock.shift(timedelta(days=2))
    services.alerts_refresh()
    assert AlertKind.NO_CONTACT in open_kinds(case)
    services.alerts_refresh()  # idempotent
    assert Alert.objects.filter(case=case, kind=AlertKind.NO_CONTACT).count() == 1
    from django.utils import timezone

    services.contact_add(case=case, by=personas.advocate, kind="phone", at=timezone.now())
    assert AlertKind.NO_CONTACT not in open_kinds(case)


def test_referral_unanswered_in_three_business_days(personas, clock):
    # The clock starts on Monday 23 November 2026 at noon.
    case = open_case(personas)
    referral = services.referral_send(
        case=case, by=personas.advocate, service=make_service(personas.clinic)
    )
    clock.shift(timedelta(days=2, hours=23))  # Thursday morning: not yet
    services.alerts_refresh()
    assert AlertKind.REFERRAL_UNANSWERED not in open_kinds(case)
    clock.shift(timedelta(hours=2))  # Thursday after noon: three working days
    services.alerts_refresh()
    assert AlertKind.REFERRAL_UNANSWERED in open_kinds(case)
    services.referral_answer(referral=referral, by=personas.advocate_other, to="accepted")
    assert AlertKind.REFERRAL_UNANSWERED not in open_kinds(case)


def test_business_days_skip_the_weekend():
    from datetime import UTC, datetime

    friday = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert services.add_business_days(friday, 3) == datetime(2026, 12, 2, 12, tzinfo=UTC)


def test_team_without_lead_and_decline_after_acceptance(personas, clock):
    case = open_case(personas)
    services.alerts_refresh()
    assert AlertKind.NO_LEAD not in open_kinds(case)
    member = case.team.get()
    services.care_team_remove(member=member, by=personas.coordinator)
    referral = services.referral_send(
        case=case, by=personas.coordinator, service=make_service(personas.clinic)
    )
    referral = services.referral_answer(
        referral=referral, by=personas.advocate_other, to=ReferralStatus.ACCEPTED
    )
    services.referral_answer(
        referral=referral, by=personas.advocate_other, to=ReferralStatus.DECLINED, note="Moved"
    )
    services.alerts_refresh()
    assert {AlertKind.NO_LEAD, AlertKind.DECLINED_AFTER_ACCEPTANCE} <= open_kinds(case)


def test_closed_case_raises_nothing(personas, clock):
    case = open_case(personas)
    services.case_close(
        case=case,
        by=personas.advocate,
        reason="moved",
        aftercare_check_in_on=None,
        version=case.version,
    )
    clock.shift(timedelta(days=30))
    services.alerts_refresh()
    assert not open_kinds(case)


def test_alerts_show_on_member_inbox_and_coordinator_dashboard(personas, login, clock):
    from django.test import Client

    case = open_case(personas)
    clock.shift(timedelta(days=15))
    services.alerts_refresh()
    member = login(Client(), personas.advocate).get("/staff/cases/").content.decode()
    assert "No contact with the youth" in member
    dashboard = login(Client(), personas.coordinator).get("/staff/cases/dashboard/")
    assert case.reference in dashboard.content.decode()
    outsider = login(Client(), personas.advocate_other).get("/staff/cases/").content.decode()
    assert case.reference not in outsider
