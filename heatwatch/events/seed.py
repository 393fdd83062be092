"""Synthetic trainings and events for the demo and benchmarks (never real people): the
quarterly coalition trainings (a series), a weekly webinar, outreach events, past trainings
with check-ins for the reports, registrations, a full event with a waitlist and a held place,
and a training request. Safe to run twice (nothing is added when events exist)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from heatwatch.accounts.models import Role, User
from heatwatch.events import services
from heatwatch.events.models import Audience, Event, Kind, Registration, Sector
from heatwatch.events.models import RegistrationStatus as Status
from heatwatch.events.services import EMAIL_INDEX_CONTEXT
from heatwatch.lib.crypto import blind_index

FIRST = ["Alex", "Sam", "Jordan", "Riley", "Casey", "Morgan", "Avery", "Quinn", "Rosa", "Luis"]
LAST = ["Sample", "Example", "Placeholder", "Demo", "Fictional", "Testwood", "Madeup"]
ORGS = [
    "Bayview Unified",
    "County Probation",
    "St. Example Hospital",
    "Harbor PD",
    "Eastgate Community Centre",
    "Local 42 (demo)",
    "Oakside Faith Network",
]
CITIES = ["Bayview", "Eastgate", "Harbor City", "Oakside"]
PLACE = "1 Civic Center Plaza, Bayview (demo)"


def _person(rng: random.Random, n: int) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}.{n}@example.test",
        "organisation": rng.choice(ORGS),
    }


def _input(
    rng: random.Random, n: int, *, audience: str, sector: str = ""
) -> services.RegistrationInput:
    person = _person(rng, n)
    return services.RegistrationInput(
        name=person["name"],
        email=person["email"],
        organisation=person["organisation"],
        audience=audience,
        sector=sector,
    )


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _past_event(rng: random.Random, *, n: int, kind: str, title: str, days_ago: int) -> Event:
    """A past event with check-ins (written directly: the services refuse a start in the past)."""
    start = _at(-days_ago, 9)
    audiences = rng.sample([a for a in Audience.values if a != Audience.OTHER], 3)
    event = Event.objects.create(
        kind=kind,
        title=title,
        slug=f"demo-{kind}-{n}-{start.date().isoformat()}",
        description="A demo event (synthetic).",
        audiences=audiences,
        venue_address=PLACE,
        city=rng.choice(CITIES),
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=40,
    )
    for i in range(rng.randint(8, 30)):
        person = _person(rng, n * 100 + i)
        Registration.objects.create(
            event=event,
            email_index=blind_index(person["email"], context=EMAIL_INDEX_CONTEXT),
            audience=rng.choice(audiences),
            sector=rng.choice(Sector.values),
            status=Status.CONFIRMED,
            checked_in_at=start + timedelta(minutes=5) if rng.random() < 0.8 else None,
            **person,
        )
    return event


def seed_events(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    if Event.objects.exists():
        return ["Events: already present"]
    coordinator = User.objects.filter(
        memberships__role=Role.COORDINATOR, memberships__is_active=True
    ).first()
    with transaction.atomic():
        series = services.series_create(
            data=services.EventInput(
                kind=Kind.COALITION,
                title="Quarterly regional coalition training",
                starts_at=_at(20, 9),
                ends_at=_at(20, 13),
                capacity=120,
                description="The year's data, a survivor-led panel and networking.",
                audiences=[
                    Audience.POLICE,
                    Audience.SCHOOL,
                    Audience.SOCIAL_SERVICES,
                    Audience.HOSPITAL,
                    Audience.COMMUNITY,
                ],
                venue_address=PLACE,
                venue_room="Hall B",
                city="Bayview",
                presenter_names="Coalition coordinators",
                max_places=5,
                cancel_cutoff_hours=24,
            ),
            cadence="quarterly",
            count=4,
            by=coordinator,
        )
        webinar = services.series_create(
            data=services.EventInput(
                kind=Kind.WEBINAR,
                title="Lunchtime webinar: recognising the red flags",
                starts_at=_at(3, 12),
                ends_at=_at(3, 13),
                capacity=300,
                online_url="https://meet.example.test/demo-webinar",
                audiences=[Audience.PUBLIC, Audience.SCHOOL],
            ),
            cadence="weekly",
            count=6,
            by=coordinator,
        )
        outreach = services.event_create(
            data=services.EventInput(
                kind=Kind.OUTREACH,
                title="Neighbourhood meeting: Eastgate",
                starts_at=_at(9, 18),
                ends_at=_at(9, 20),
                capacity=2,
                venue_address="Eastgate Community Centre (demo)",
                city="Eastgate",
                audiences=[Audience.COMMUNITY, Audience.PUBLIC],
            ),
            by=coordinator,
        )
        # The small outreach event fills: a waitlist, then a cancellation offers a hold.
        made = []
        for i in range(4):
            made.append(
                services.registration_create(
                    event_id=outreach.pk,
                    data=_input(rng, 9000 + i, audience="community"),
                ).registration
            )
        services.registration_cancel(registration=made[0])
        first = series.events.order_by("starts_at")[0]
        for i in range(scale * 10):
            services.registration_create(
                event_id=first.pk,
                data=_input(
                    rng,
                    5000 + i,
                    audience=rng.choice(Audience.values),
                    sector=rng.choice(Sector.values),
                ),
            )
        past = [
            _past_event(
                rng,
                n=i,
                kind=rng.choice([Kind.TRAINING, Kind.COALITION, Kind.OUTREACH, Kind.YOUTH]),
                title=f"Training {i + 1} (demo)",
                days_ago=20 + 37 * i,
            )
            for i in range(scale * 6)
        ]
        services.training_request_submit(
            data=services.TrainingRequestInput(
                organisation="Bayview Unified (demo)",
                sector=Sector.SCHOOL,
                contact_name="Sam Example",
                contact_email="sam.request@example.test",
                approximate_size=35,
                audience="Counsellors and teachers",
                preferred_dates="Any Tuesday in January",
                topics=["red_flags", "myths"],
                location="District office, 12 Elm Street (demo)",
            )
        )
    return [
        f"Events: {series.events.count()} quarterly coalition dates, "
        f"{webinar.events.count()} weekly webinars, 1 outreach event with a waitlist and a "
        f"hold, {len(past)} past events with check-ins, 1 training request"
    ]
