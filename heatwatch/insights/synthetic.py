"""Bulk synthetic records for the insights tests and benchmarks (never real people).

Rows are written straight to the tables (bulk inserts, no services, no audit), which is only
right for test databases and benchmark volumes: the demo uses the apps' own seeders.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from heatwatch.cases.models import Case, CaseStatus, IntakeSource, Referral, ReferralStatus, Youth
from heatwatch.events.models import Audience, Event, Registration, RegistrationStatus
from heatwatch.tips.models import Channel, Tip, Urgency

CITIES = ["Bayview", "Harbor Point", "Eastgate", "Millbrook", "Cedar Flats", "Northshore"]


def _moment(rng: random.Random, year: int, *, until: datetime) -> datetime:
    start = datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    end = min(datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone()), until)
    span = max((end - start).total_seconds(), 1)
    return start + timedelta(seconds=rng.random() * span)


def youths(
    *,
    rng: random.Random,
    count: int,
    years: list[int],
    until: datetime,
    services: list[Any] | None = None,
    sender: Any = None,
    batch: int = 5000,
    encrypt: bool = True,
) -> int:
    """``count`` youths, each with one case opened in one of ``years``, and (with ``services``
    and ``sender``) a received referral for about half of them."""
    made = 0
    while made < count:
        n = min(batch, count - made)
        ys = []
        for _ in range(n):
            dob = date(2000 + rng.randint(0, 14), rng.randint(1, 12), rng.randint(1, 28))
            ys.append(
                Youth(
                    legal_name="Synthetic Youth" if encrypt else "",
                    date_of_birth=dob if rng.random() < 0.8 else None,
                    estimated_age=rng.randint(11, 18) if rng.random() < 0.5 else None,
                    gender=rng.choices(
                        ["female", "male", "non_binary", "other", "unknown"], [60, 25, 4, 3, 8]
                    )[0],
                    city=rng.choices(CITIES, [40, 20, 15, 10, 3, 2])[0]
                    if rng.random() < 0.9
                    else "",
                    in_foster_care=rng.random() < 0.35,
                    on_probation=rng.random() < 0.2,
                )
            )
        Youth.objects.bulk_create(ys, batch_size=batch)
        cases = []
        for y in ys:
            opened = _moment(rng, rng.choice(years), until=until)
            cases.append(
                Case(
                    youth=y,
                    reference=f"S-{y.pk}",
                    status=CaseStatus.OPEN,
                    intake_source=rng.choices(IntakeSource.values, [40, 20, 25, 15])[0],
                    opened_at=opened,
                )
            )
        Case.objects.bulk_create(cases, batch_size=batch)
        if services and sender is not None:
            refs = []
            for c in cases:
                if rng.random() < 0.5:
                    refs.append(
                        Referral(
                            case=c,
                            service=rng.choice(services),
                            sender=sender,
                            status=rng.choice(
                                [
                                    ReferralStatus.ACCEPTED,
                                    ReferralStatus.COMPLETED,
                                    ReferralStatus.SENT,
                                ]
                            ),
                            sent_at=c.opened_at + timedelta(hours=2),
                            status_changed_at=c.opened_at + timedelta(days=1),
                        )
                    )
            Referral.objects.bulk_create(refs, batch_size=batch)
        made += n
    return made


def tips(
    *,
    rng: random.Random,
    count: int,
    years: list[int],
    until: datetime,
    batch: int = 5000,
    spread: bool = True,
) -> int:
    """``count`` tips spread over ``years`` (created_at set after the insert, since the model
    stamps it)."""
    made = 0
    start_ref = Tip.objects.count()
    while made < count:
        n = min(batch, count - made)
        rows = [
            Tip(
                reference=f"ST-{start_ref + made + i}",
                channel=rng.choices(Channel.values, [70, 25, 5])[0],
                urgency=Urgency.ROUTINE,
                urgency_computed=Urgency.ROUTINE,
            )
            for i in range(n)
        ]
        Tip.objects.bulk_create(rows, batch_size=batch)
        if spread:
            for tip in rows:
                tip.created_at = _moment(rng, rng.choice(years), until=until)
            Tip.objects.bulk_update(rows, ["created_at"], batch_size=batch)
        made += n
    return made


def trainings(*, rng: random.Random, count: int, years: list[int], until: datetime) -> int:
    """``count`` delivered trainings with checked-in attendees of various audiences."""
    for i in range(count):
        starts = _moment(rng, rng.choice(years), until=until - timedelta(days=1))
        event = Event.objects.create(
            kind="training",
            title=f"Synthetic training {i}",
            slug=f"synthetic-training-{Event.objects.count()}-{i}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=80,
        )
        regs = [
            Registration(
                event=event,
                name="Synthetic Person",
                email=f"p{i}-{j}@example.org",
                email_index=f"synthetic-{event.pk}-{j}",
                audience=rng.choice(Audience.values),
                status=RegistrationStatus.CONFIRMED,
                checked_in_at=starts if rng.random() < 0.8 else None,
            )
            for j in range(rng.randint(10, 40))
        ]
        Registration.objects.bulk_create(regs)
    return count
