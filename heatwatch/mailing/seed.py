"""Synthetic mailing-list data for the demo (never real people): confirmed, pending,
unsubscribed and suppressed subscribers in English and Spanish with various interests, one
sent newsletter composed in blocks (with its send records) and one draft. Addresses are under
example.test. Safe to run twice (nothing is added when subscribers exist)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from heatwatch.mailing import content, services
from heatwatch.mailing.models import (
    INTEREST_FIELDS,
    ConsentSource,
    Delivery,
    DeliveryStatus,
    Newsletter,
    NewsletterStatus,
    Subscriber,
    SubscriberStatus,
)

FIRST = ["Alex", "Sam", "Jordan", "Riley", "Casey", "Rosa", "Luis", "Marta", "Dana", "Eli"]
ORGS = ["", "", "Bayview Unified", "Harbor PD", "St. Example Hospital", "Eastgate Centre"]


def seed_mailing(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    """Subscribers (30 × scale) and a sent newsletter; nothing when subscribers exist."""
    if Subscriber.objects.exists():
        return ["mailing: subscribers exist, nothing added"]
    now = timezone.now()
    statuses = [SubscriberStatus.CONFIRMED] * 7 + [
        SubscriberStatus.PENDING,
        SubscriberStatus.UNSUBSCRIBED,
        SubscriberStatus.SUPPRESSED,
    ]
    rows = []
    for i in range(30 * max(scale, 1)):
        name = rng.choice(FIRST)
        address = f"{name.lower()}.{i}@example.test"
        status = rng.choice(statuses)
        interests = {f: rng.random() < 0.5 for f in INTEREST_FIELDS.values()}
        interests["wants_newsletter"] = interests["wants_newsletter"] or rng.random() < 0.7
        rows.append(
            Subscriber(
                email=address,
                email_index=services.email_index(address),
                name=f"{name} Sample",
                organisation=rng.choice(ORGS),
                language="es" if rng.random() < 0.3 else "en",
                status=status,
                confirmed_at=now if status != SubscriberStatus.PENDING else None,
                unsubscribed_at=now if status == SubscriberStatus.UNSUBSCRIBED else None,
                suppressed_at=now if status == SubscriberStatus.SUPPRESSED else None,
                suppressed_reason=(
                    "hard bounce: 5.1.1 smtp; 550 5.1.1 user unknown (demo)"
                    if status == SubscriberStatus.SUPPRESSED
                    else ""
                ),
                consent_source=ConsentSource.WEB if i % 5 else ConsentSource.IMPORT,
                consent_note="" if i % 5 else "Sign-up sheet, coalition training (demo)",
                unsubscribe_token=services.new_unsubscribe_token(),
                **interests,
            )
        )
    Subscriber.objects.bulk_create(rows, batch_size=500)
    issue = Newsletter.objects.create(
        subject="Autumn newsletter (demo)",
        preheader="Coalition trainings, the toolkit and what the network did this season",
        subject_es="Boletín de otoño (demo)",
        preheader_es="Capacitaciones, la caja de herramientas y lo que hizo la red",
        content=[
            {"type": "heading", "value": "This season"},
            {
                "type": "paragraph",
                "value": "<p>Three coalition trainings, a new guide for schools and the Youth "
                "Action Network's first campaign. All names in this demo are made up.</p>",
            },
            {"type": "upcoming_events", "value": {"heading": "Upcoming events", "count": 3}},
        ],
        content_es=[
            {"type": "heading", "value": "Esta temporada"},
            {
                "type": "paragraph",
                "value": "<p>Tres capacitaciones de la coalición, una guía nueva para escuelas y "
                "la primera campaña de la Red de Acción Juvenil.</p>",
            },
            {"type": "upcoming_events", "value": {"heading": "Próximos eventos", "count": 3}},
        ],
        interest="newsletter",
    )
    issue.frozen = content.freeze(issue)
    issue.status = NewsletterStatus.SENT
    issue.queued_at = now - timedelta(days=20, minutes=5)
    issue.finished_at = now - timedelta(days=20)
    issue.save()
    readers = Subscriber.objects.filter(wants_newsletter=True).exclude(
        status=SubscriberStatus.PENDING
    )
    Delivery.objects.bulk_create(
        [
            Delivery(
                newsletter=issue,
                subscriber=s,
                status=DeliveryStatus.ACCEPTED,
                attempts=1,
                handed_at=issue.finished_at,
                accepted_at=issue.finished_at,
            )
            for s in readers
        ],
        batch_size=500,
    )
    Newsletter.objects.create(
        subject="Winter newsletter (draft, demo)",
        preheader="What is coming this winter",
        content=[{"type": "paragraph", "value": "<p>Draft text for the winter issue.</p>"}],
        interest="newsletter",
    )
    return [f"mailing: {len(rows)} subscribers, 1 sent newsletter, 1 draft"]
