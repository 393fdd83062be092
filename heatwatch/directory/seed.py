"""Synthetic services of the fictional Bayview County partners (never a real organisation).

Phone numbers use the 555-01xx range reserved for fiction; e-mail addresses and web pages use
reserved ``.example`` domains.
"""

from __future__ import annotations

import random
from typing import Any

from heatwatch.accounts.models import Organisation
from heatwatch.directory import services
from heatwatch.directory.models import Category, Gender, Service

HARBOR = "Harbor Light Advocacy Center"
TIDEWATER = "Tidewater Youth Shelter"
CLINIC = "Bayview Youth Health Clinic"
CFS = "Bayview County Children and Family Services"
PROBATION = "Bayview County Probation Department"
SCHOOLS = "Bayview Unified School District"
ALLIANCE = "Bayview Community Alliance"
DA = "Bayview County District Attorney's Office"
AREAS = ["North Bayview", "Eastgate", "Harbor District", "Pier Road", "Millbrook"]

# (organisation, details, capacity)
CATALOGUE: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
    (
        HARBOR,
        dict(
            name="24-hour crisis and hotline response",
            category=Category.CRISIS_LINE,
            description="Trained advocates answer day and night, meet youth at the hospital or "
            "police station, and stay with them through the first hours.",
            min_age=10,
            max_age=24,
            open_24_7=True,
            languages=["en", "es"],
            intake_phone="(555) 010-0101",
            intake_email="crisis@harborlight.example",
            application_process="Call any time. A youth can call on their own.",
            referral_contact="Duty advocate: (555) 010-0102, say it is a HEAT referral.",
            is_public=True,
        ),
        None,
    ),
    (
        HARBOR,
        dict(
            name="Survivor advocacy and accompaniment",
            category=Category.ADVOCACY,
            description="A dedicated advocate for each youth: safety planning, accompaniment to "
            "medical exams, interviews and court, and help with victim compensation.",
            min_age=11,
            max_age=24,
            languages=["en", "es", "vi"],
            hours="Mon–Fri 8:30am–6pm; on call after hours through the crisis line.",
            intake_phone="(555) 010-0103",
            intake_email="advocacy@harborlight.example",
            intake_url="https://harborlight.example/advocacy",
            application_process="Call or ask any partner to refer you.",
            address_1="410 Alder Street",
            city="Bayview",
            state_province="CA",
            postal_code="90001",
            is_public=True,
        ),
        dict(capacity=40, available_slots=6),
    ),
    (
        HARBOR,
        dict(
            name="Survivor mentoring program",
            category=Category.MENTORING,
            description="Weekly one-to-one mentoring by adult survivors trained as mentors.",
            min_age=12,
            max_age=21,
            gender=Gender.FEMALE,
            languages=["en", "es"],
            hours="Evenings and Saturdays, by appointment.",
            intake_phone="(555) 010-0104",
            is_public=True,
        ),
        dict(
            capacity=15,
            available_slots=0,
            waitlist_open=True,
            waitlist_length=4,
            typical_wait_days=21,
        ),
    ),
    (
        TIDEWATER,
        dict(
            name="Emergency shelter for youth",
            category=Category.SHELTER,
            description="Short-term emergency beds, meals, clothing and a safe place to rest "
            "while a placement is arranged.",
            min_age=12,
            max_age=17,
            open_24_7=True,
            languages=["en", "es"],
            intake_phone="(555) 010-0201",
            application_process="Call first; staff can arrange safe transport.",
            referral_contact="Intake coordinator on duty: (555) 010-0202.",
            address_1="23 Cedar Lane",
            city="Bayview",
            state_province="CA",
            address_confidential=True,
            is_public=True,
        ),
        dict(capacity=12, available_slots=2),
    ),
    (
        TIDEWATER,
        dict(
            name="Specialised residential placement",
            category=Category.SHELTER,
            description="Longer-term trauma-informed group home for exploited girls, with "
            "on-site schooling and therapy.",
            min_age=12,
            max_age=17,
            gender=Gender.FEMALE,
            languages=["en"],
            referral_contact="Placement desk: placements@tidewater.example; county placement "
            "approval needed.",
            address_confidential=True,
            address_1="900 Willow Court",
            city="Bayview",
            state_province="CA",
        ),
        dict(
            capacity=8,
            available_slots=0,
            accepting_referrals=False,
            waitlist_open=True,
            waitlist_length=3,
            typical_wait_days=30,
        ),
    ),
    (
        TIDEWATER,
        dict(
            name="Transitional living for young adults",
            category=Category.SHELTER,
            description="Apartments with support staff for 18–24 year olds leaving care.",
            min_age=18,
            max_age=24,
            gender=Gender.ANY,
            languages=["en", "es"],
            intake_phone="(555) 010-0203",
        ),
        dict(capacity=10, available_slots=0, accepting_referrals=False, waitlist_open=False),
    ),
    (
        CLINIC,
        dict(
            name="Youth medical care and forensic exams",
            category=Category.MEDICAL,
            description="Confidential primary care, sexual-health care and forensic exams by "
            "trained paediatric nurses.",
            min_age=0,
            max_age=24,
            languages=["en", "es", "zh", "tl"],
            hours="Mon–Sat 8am–8pm; forensic exams on call 24/7.",
            intake_phone="(555) 010-0301",
            intake_url="https://bayviewyouthclinic.example",
            address_1="77 Harbor Street",
            city="Bayview",
            state_province="CA",
            postal_code="90002",
            is_public=True,
        ),
        None,
    ),
    (
        CLINIC,
        dict(
            name="Trauma therapy for youth",
            category=Category.MENTAL_HEALTH,
            description="Individual trauma-focused therapy and group support.",
            min_age=8,
            max_age=21,
            languages=["en", "es", "ase"],
            hours="Mon–Fri 9am–7pm.",
            intake_phone="(555) 010-0302",
            is_public=True,
        ),
        dict(capacity=30, available_slots=3, waitlist_open=True, waitlist_length=0),
    ),
    (
        CLINIC,
        dict(
            name="Adolescent substance use program",
            category=Category.SUBSTANCE_USE,
            description="Outpatient counselling and medication-assisted treatment for youth.",
            min_age=13,
            max_age=21,
            languages=["en", "es"],
            intake_phone="(555) 010-0303",
            service_areas=["North Bayview", "Eastgate"],
        ),
        dict(capacity=20, available_slots=5),
    ),
    (
        CFS,
        dict(
            name="Family support and reunification",
            category=Category.FAMILY_SUPPORT,
            description="Family meetings, parenting support and safe reunification planning.",
            min_age=0,
            max_age=17,
            languages=["en", "es", "vi", "ko"],
            intake_phone="(555) 010-0401",
            referral_contact="CSEC unit supervisor: (555) 010-0402.",
        ),
        None,
    ),
    (
        PROBATION,
        dict(
            name="Probation youth case management",
            category=Category.CASE_MANAGEMENT,
            description="Case management for youth on probation, with a specialised CSEC caseload.",
            min_age=12,
            max_age=18,
            languages=["en", "es"],
            intake_phone="(555) 010-0501",
        ),
        None,
    ),
    (
        SCHOOLS,
        dict(
            name="School re-engagement and credit recovery",
            category=Category.EDUCATION,
            description="Help returning to school, credit recovery and a school liaison.",
            min_age=11,
            max_age=19,
            languages=["en", "es", "zh"],
            intake_phone="(555) 010-0601",
            service_areas=AREAS,
            is_public=True,
        ),
        dict(capacity=60, available_slots=25),
    ),
    (
        ALLIANCE,
        dict(
            name="Youth job readiness and paid internships",
            category=Category.EMPLOYMENT,
            description="Job-readiness workshops, paid internships and help opening a bank "
            "account.",
            min_age=16,
            max_age=24,
            languages=["en", "es"],
            intake_phone="(555) 010-0701",
            service_areas=["Harbor District", "Pier Road"],
            is_public=True,
        ),
        dict(
            capacity=25,
            available_slots=0,
            waitlist_open=True,
            waitlist_length=9,
            typical_wait_days=45,
        ),
    ),
    (
        ALLIANCE,
        dict(
            name="Drop-in center: food, clothing and showers",
            category=Category.BASIC_NEEDS,
            description="Meals, clothes, hygiene kits, phone charging and a quiet place.",
            min_age=12,
            max_age=24,
            gender=Gender.ANY,
            languages=["en", "es"],
            hours="Every day 10am–8pm.",
            address_1="15 Pier Road",
            city="Bayview",
            state_province="CA",
            postal_code="90003",
            is_public=True,
        ),
        None,
    ),
    (
        ALLIANCE,
        dict(
            name="LGBTQ+ youth support group",
            category=Category.MENTAL_HEALTH,
            description="Weekly peer support group with a counsellor.",
            min_age=13,
            max_age=24,
            gender=Gender.LGBTQ,
            languages=["en"],
            hours="Thursdays 5pm–7pm.",
            is_public=True,
        ),
        None,
    ),
    (
        DA,
        dict(
            name="Victim-witness assistance",
            category=Category.LEGAL,
            description="Court accompaniment, information about the case and help with "
            "restitution. Support never depends on testifying.",
            min_age=0,
            max_age=24,
            languages=["en", "es"],
            intake_phone="(555) 010-0801",
            is_public=True,
        ),
        None,
    ),
]


def seed_directory(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    """The catalogue above for the seeded organisations, plus ``(scale - 1) × 10`` generated
    satellite services for volume. Safe to run again (existing names are skipped)."""
    organisations = {o.name: o for o in Organisation.objects.filter(is_active=True)}
    existing = set(Service.objects.values_list("organisation__name", "name"))
    created = 0
    for org_name, details, capacity in CATALOGUE:
        org = organisations.get(org_name)
        if org is None or (org_name, details["name"]) in existing:
            continue
        services.service_create(
            organisation=org,
            by=None,
            data=services.ServiceInput(**details),
            capacity=services.CapacityInput(**capacity) if capacity else None,
        )
        created += 1
    providers = [organisations[n] for n, _d, _c in CATALOGUE if n in organisations]
    for n in range((scale - 1) * 10):
        if not providers:
            break
        org_name, details, _capacity = CATALOGUE[n % len(CATALOGUE)]
        org = organisations[org_name]
        area = AREAS[n % len(AREAS)]
        name = f"{details['name']} — {area} site {n // len(CATALOGUE) + 1}"
        if (org_name, name) in existing:
            continue
        total = rng.randint(5, 40)
        services.service_create(
            organisation=org,
            by=None,
            data=services.ServiceInput(
                **{**details, "name": name, "service_areas": [area], "is_public": False}
            ),
            capacity=services.CapacityInput(
                capacity=total,
                available_slots=rng.randint(0, total),
                waitlist_open=rng.random() < 0.5,
            ),
        )
        created += 1
    total_count = Service.objects.count()
    return [f"Directory: {created} services added; {total_count} in all"]
