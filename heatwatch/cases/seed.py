"""Synthetic cases for the demo and benchmarks (never real people)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from heatwatch.accounts.models import Membership, Role, User
from heatwatch.cases import services
from heatwatch.cases.models import (
    Case,
    ConcernLevel,
    ContactKind,
    CourtKind,
    ExploitationStatus,
    GoalDomain,
    HearingKind,
    IdentifiedWhen,
    IntakeSource,
    MissingReporter,
    PlacementKind,
    SharedField,
)
from heatwatch.directory.models import Service
from heatwatch.directory.selectors import service_availability

FIRST = ["Jaylen", "Marisol", "Kiara", "Destiny", "Yesenia", "Tamia", "Aaliyah", "Brianna"]
LAST = ["Synthwell", "Demoford", "Mockridge", "Samplesby", "Fakhouri", "Testa"]
STREET = ["Candy", "Lexi", "Star", "Bree", "Nova"]
CITIES = ["Bayview", "Harbor Point", "Eastgate", "Millbrook"]


def seed_cases(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    """``scale`` × 3 synthetic cases, each with the demo advocate (or the first advocate) on
    the care team, a consent and a referral to a directory service (once)."""
    if Case.objects.exists():
        return ["Cases: already present"]
    membership = (
        Membership.objects.filter(role=Role.ADVOCATE, is_active=True, user__is_active=True)
        .select_related("user", "organisation")
        .order_by("pk")
    )
    advocate = membership.filter(user__username="advocate").first() or membership.first()
    if advocate is None:
        return ["Cases: no advocate account to seed with"]
    coordinator = (
        Membership.objects.filter(role=Role.COORDINATOR, is_active=True)
        .select_related("user", "organisation")
        .first()
    )
    open_services = [
        s
        for s in Service.objects.select_related("organisation").order_by("pk")[:50]
        if service_availability(service=s).can_refer_now
    ]
    today = timezone.localdate()
    created = 0
    for n in range(scale * 3):
        data = services.YouthInput(
            legal_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            aliases=[rng.choice(STREET)] if rng.random() < 0.6 else [],
            date_of_birth=date(today.year - rng.randint(13, 17), rng.randint(1, 12), 1)
            if rng.random() < 0.7
            else None,
            gender=rng.choice(["female", "male", "non_binary"]),
            languages=rng.choice(["en", "en es", "es"]),
            city=rng.choice(CITIES),
            in_foster_care=rng.random() < 0.4,
            on_probation=rng.random() < 0.2,
            guardian_contact="Synthetic guardian, 555-0100",
            safety_notes="Synthetic demo record.",
        )
        if data.date_of_birth is None:
            data.estimated_age = rng.randint(13, 17)
        case = services.case_open_from_intake(
            data=data,
            by=advocate.user,
            organisation=advocate.organisation,
            intake_source=rng.choice(IntakeSource.values),
            confirm_new_person=True,
        )
        created += 1
        if coordinator is not None and n % 3 == 0:
            services.care_team_add(
                case=case,
                by=advocate.user,
                user=coordinator.user,
                organisation=coordinator.organisation,
                team_role="coordinator",
            )
        services.contact_add(
            case=case,
            by=advocate.user,
            kind=rng.choice(ContactKind.values),
            at=timezone.now() - timedelta(hours=1),
            note="Synthetic check-in.",
        )
        if open_services:
            service = open_services[n % len(open_services)]
            scope = [SharedField.NAME, SharedField.AGE, SharedField.LANGUAGES]
            services.consent_grant(
                case=case,
                by=advocate.user,
                organisation=service.organisation,
                scope=scope,
                valid_from=today,
                valid_until=None,
                given_by="youth",
            )
            services.referral_send(
                case=case, by=advocate.user, service=service, shared_fields=scope
            )
        if n % 2 == 0:
            item = case.stabilisation.first()
            if item is not None:
                services.stabilisation_item_done(item=item, by=advocate.user)
        _seed_records(case, advocate.user, n, rng, today)
    return [f"Cases: {created} synthetic cases (care team of {advocate.user.username})"]


def _seed_records(case: Case, by: User, n: int, rng: random.Random, today: date) -> None:
    """Some of what a care team records in the first weeks, varied across the demo cases."""
    goal = services.plan_goal_add(
        case=case,
        by=by,
        domain=GoalDomain.SAFETY if n % 2 == 0 else rng.choice(GoalDomain.values),
        description="Synthetic goal: a safe place to stay and a trusted adult to call.",
    )
    services.plan_step_add(
        goal=goal,
        by=by,
        description="Synthetic step: agree the safety plan with the youth.",
        owner=by,
        due_on=today + timedelta(days=rng.randint(3, 20)),
    )
    services.plan_review_record(
        case=case, by=by, next_review_on=today + timedelta(days=rng.randint(7, 30))
    )
    services.identification_record(
        case=case,
        by=by,
        status=rng.choice(ExploitationStatus.values),
        identified_when=rng.choice(IdentifiedWhen.values),
        identified_on=today - timedelta(days=rng.randint(0, 10)),
        current_pk=None,
    )
    services.screening_record(
        case=case,
        by=by,
        tool_name="Synthetic screening questionnaire",
        tool_version="2.1",
        screened_on=today,
        result=rng.choice(ConcernLevel.values),
    )
    if n % 3 != 2:
        kind = rng.choice(PlacementKind.values)
        services.placement_start(
            case=case,
            by=by,
            kind=kind,
            started_on=today - timedelta(days=rng.randint(0, 5)),
            specialised=kind == PlacementKind.SPECIALISED,
            provider_name="Synthetic placement provider",
        )
    if n % 4 == 0:
        services.court_matter_add(
            case=case,
            by=by,
            kind=rng.choice(CourtKind.values),
            court_name="Bayview County Juvenile Court",
            docket_number=f"JV-{rng.randint(1000, 9999)}",
            next_hearing_on=today + timedelta(days=rng.randint(5, 40)),
            next_hearing_kind=rng.choice(HearingKind.values),
        )
    if n % 5 == 1:
        services.missing_start(
            case=case,
            by=by,
            started_at=timezone.now() - timedelta(hours=rng.randint(2, 30)),
            reported_by=rng.choice(MissingReporter.values),
        )
