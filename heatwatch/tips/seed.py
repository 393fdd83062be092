"""Synthetic tips for the demo and benchmarks (never real people or places)."""

from __future__ import annotations

import random

from heatwatch.accounts.models import Organisation, OrganisationType, Role, User
from heatwatch.tips import services
from heatwatch.tips.models import AgeRange, Channel, CloseReason, RedFlag, Tip

PLACES = [
    "Bus depot on Harbor Street",
    "Motel on Route 9 near the off-ramp",
    "Pier Road arcade",
    "Parking lot behind the Eastgate mall",
    "Corner of 5th and Alder",
    "Bayview Transit Center",
    "Laundromat on Mill Avenue",
    "Truck stop on the county road",
]
NARRATIVES = [
    "A girl who looks about {age} is dropped off here most evenings by different older men.",
    "My student ({age}) has a new phone and expensive nails and says her 'boyfriend' is 26.",
    "Saw an online ad with photos of someone who looks around {age}.",
    "A youth around {age} said she owes money to the man who drives her everywhere.",
    "Two teenagers, maybe {age}, were waiting in the lobby at 2am with an adult who held "
    "their IDs.",
    "Neighbour's foster child keeps going missing for days and comes back with gifts.",
]
HANDLES = ["@bayview_candy_fake", "@pier_rd_model_fake", "@eastgate_vip_fake", "@harbor_star_fake"]
NICKNAMES = ["Jaz", "Lexi", "Bree", "Kiki", "Tay", "Dre", "Mimi", "Nova"]


def seed_tips(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    """``scale`` × 12 tips across channels, urgencies and states (once)."""
    if Tip.objects.exists():
        return ["Tips: already present"]
    coordinator = User.objects.filter(
        memberships__role=Role.COORDINATOR, memberships__is_active=True
    ).first()
    police = Organisation.objects.filter(type=OrganisationType.LAW_ENFORCEMENT).first()
    flags = list(RedFlag.values)
    created = 0
    for n in range(scale * 12):
        age = rng.choice(["13", "14", "15", "16", "17"])
        data = services.TipInput(
            narrative=rng.choice(NARRATIVES).format(age=age),
            red_flags=rng.sample(flags, rng.randint(0, 4)),
            subject_age_range=rng.choice(
                [AgeRange.AGE_12_14, AgeRange.AGE_15_17, AgeRange.UNKNOWN]
            ),
            subject_names=rng.choice(NICKNAMES) if rng.random() < 0.5 else "",
            location=rng.choice(PLACES),
            seen_when=rng.choice(["Last Friday night", "Most weekday evenings", "This morning"]),
            online_handles=rng.choice(HANDLES) if rng.random() < 0.4 else "",
            immediate_danger=rng.random() < 0.1,
        )
        channel = Channel.PHONE if n % 4 == 0 else Channel.WEB
        phone = channel == Channel.PHONE
        tip = services.tip_submit(
            data=data,
            channel=channel,
            logged_by=coordinator if phone else None,
            issue_receipt=not phone,
        ).tip
        created += 1
        if coordinator is None:
            continue
        stage = n % 5
        if stage >= 1:
            services.tip_triage(
                tip=tip,
                by=coordinator,
                urgency=tip.urgency,
                red_flags=tip.red_flags,
                assignee=coordinator,
            )
        if stage >= 2 and police is not None:
            services.tip_refer(
                tip=tip, by=coordinator, organisation=police, note="Please check this location."
            )
        if stage == 3 and tip.receipt_lookup:
            services.tip_message_tipster(
                tip=tip, by=coordinator, body="Thank you. Do you remember the car's colour?"
            )
        if stage == 4:
            services.tip_close(tip=tip, by=coordinator, reason=rng.choice(CloseReason.values))
    return [f"Tips: {created} synthetic tips"]
