"""Synthetic prosecutions, youth-court hearings and linked entities for the demo (never real
people): made through the services, so stage order, statute codes and the case timeline
hold as they do for staff."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from heatwatch.accounts.models import Membership, OrganisationType, Role
from heatwatch.cases.models import Case, CaseStatus, HearingKind
from heatwatch.prosecution import services, statutes
from heatwatch.prosecution.models import STAGE_ORDER, Outcome, Prosecution, Stage

FIRST = ["Dante", "Rocco", "Vince", "Marcus", "Trey", "Lyle", "Cody", "Brent"]
LAST = ["Fakeman", "Synthby", "Mockley", "Demoson", "Testov", "Placeholder"]
STREET = ["Slim", "Boss", "Ice", "Duke", "King", "Smoke"]
DEPARTMENTS = ["Dept. 12 (youth court)", "Dept. 14 (youth court)", "Dept. 3"]
VENUES = ["Harbor Motel (synthetic)", "Eastgate Inn (synthetic)", "Pier 9 lot (synthetic)"]


def seed_prosecution(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    """``scale`` + 2 prosecutions at different stages, youth-court hearings for some open
    cases, and entities linked to both (once)."""
    if Prosecution.objects.exists():
        return ["Prosecution: already present"]
    member = (
        Membership.objects.filter(
            role=Role.PROSECUTOR,
            organisation__type=OrganisationType.PROSECUTION,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user", "organisation")
        .order_by("pk")
    )
    chosen = member.filter(user__username="prosecutor").first() or member.first()
    if chosen is None:
        return ["Prosecution: no prosecutor account to seed with"]
    by, office = chosen.user, chosen.organisation
    advocate = (
        Membership.objects.filter(
            role=Role.ADVOCATE, organisation=office, is_active=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    today = timezone.localdate()
    codes = sorted(statutes.statutes().values(), key=lambda s: s.code)
    cases = list(Case.objects.filter(status=CaseStatus.OPEN).order_by("pk")[: scale * 2 + 2])
    made = []
    for n in range(scale + 2):
        opened = today - timedelta(days=rng.randint(60, 400))
        p = services.prosecution_create(
            by=by,
            office=office,
            defendant=services.DefendantInput(
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                role=rng.choice(["exploiter", "buyer"]),
                aliases=[rng.choice(STREET)],
                date_of_birth=today - timedelta(days=rng.randint(22, 55) * 365),
            ),
            opened_on=opened,
            prosecutor=by,
            advocate=advocate.user if advocate else None,
        )
        for statute in rng.sample(codes, k=min(len(codes), rng.randint(1, 3))):
            services.charge_add(
                prosecution=p, by=by, statute=statute.code, counts=rng.randint(1, 3)
            )
        # Walk the stages in order up to a random one, the dates moving forward.
        last = rng.randint(1, len(STAGE_ORDER) - 1)
        on = opened
        for stage in STAGE_ORDER[1 : last + 1]:
            if stage in (Stage.TRIAL, Stage.PLEA) and rng.random() < 0.5:
                continue  # most cases plead or go to trial, not both
            on = min(today, on + timedelta(days=rng.randint(5, 40)))
            if stage == Stage.CLOSED:
                p.refresh_from_db()
                services.prosecution_update(
                    prosecution=p,
                    by=by,
                    version=p.version,
                    defendant=services.DefendantInput(
                        name=p.defendant_name,
                        role=p.defendant_role,
                        aliases=[a for a in p.defendant_aliases.split(";") if a.strip()],
                        date_of_birth=p.defendant_date_of_birth,
                    ),
                    prosecutor=by,
                    advocate=p.advocate,
                    outcome=rng.choice([Outcome.PLEADED, Outcome.CONVICTED, Outcome.DISMISSED]),
                    sentence="Synthetic sentence for the demo.",
                )
            p.refresh_from_db()
            services.stage_record(prosecution=p, by=by, stage=stage, on=on, version=p.version)
        if cases and n < len(cases):
            services.youth_link(prosecution=p, case=cases[n], by=by)
        made.append(p)
    hearings = 0
    for case in cases[: scale + 1]:
        past = services.hearing_record(
            case=case,
            by=by,
            on=today - timedelta(days=rng.randint(7, 40)),
            department=rng.choice(DEPARTMENTS),
            purpose=HearingKind.FIRST_APPEARANCE,
        )
        services.hearing_update(
            hearing=past,
            by=by,
            version=past.version,
            outcome="Synthetic outcome: continued for review.",
            next_on=today + timedelta(days=rng.randint(3, 45)),
            next_purpose=HearingKind.REVIEW,
        )
        hearings += 2
    entities = 0
    for n, p in enumerate(made):
        for kind, value in (
            ("handle", f"@{rng.choice(STREET).lower()}_{rng.randint(10, 99)}_demo"),
            ("phone", f"555-01{rng.randint(0, 99):02d}"),
            ("venue", VENUES[n % len(VENUES)]),
        ):
            entity, created = services.entity_add(kind=kind, value=value, by=by)
            entities += created
            try:
                services.entity_link(entity=entity, by=by, prosecution=p)
            except services.ProsecutionError:
                pass  # already linked (a value drawn twice)
    return [
        f"Prosecution: {len(made)} prosecutions, {hearings} youth-court hearings, "
        f"{entities} entities"
    ]
