"""Synthetic organisations and staff of the fictional Bayview County program."""

from __future__ import annotations

import random

from heatwatch.accounts import services
from heatwatch.accounts.models import (
    Organisation,
    OrganisationType,
    Role,
    TOTPAuthenticator,
    User,
)

# Every seeded account has an address at this (reserved, fictional) domain.
DEMO_EMAIL_DOMAIN = "bayview.example"

# Known only to the demo; the demo prints it. Never created in production (see seed command).
DEMO_PASSWORD = "bayview-demo-passphrase"  # noqa: S105 - printed by the demo on purpose

ORGANISATIONS: list[tuple[str, str]] = [
    ("Bayview County HEAT Coordinating Office", OrganisationType.COORDINATING_OFFICE),
    ("Bayview Police Department", OrganisationType.LAW_ENFORCEMENT),
    ("Bayview County Sheriff's Office", OrganisationType.LAW_ENFORCEMENT),
    ("Bayview County District Attorney's Office", OrganisationType.PROSECUTION),
    ("Bayview County Probation Department", OrganisationType.PROBATION),
    ("Bayview County Children and Family Services", OrganisationType.SOCIAL_SERVICES),
    ("Harbor Light Advocacy Center", OrganisationType.SERVICE_PROVIDER),
    ("Tidewater Youth Shelter", OrganisationType.SERVICE_PROVIDER),
    ("Bayview Youth Health Clinic", OrganisationType.HEALTH),
    ("Bayview Unified School District", OrganisationType.SCHOOL),
    ("Bayview Community Alliance", OrganisationType.COMMUNITY),
]

# (username, first, last, organisation, role): one of each persona of the test suite.
PERSONAS: list[tuple[str, str, str, str, str]] = [
    ("coordinator", "Casey", "Morgan", ORGANISATIONS[0][0], Role.COORDINATOR),
    ("officer", "Owen", "Reyes", ORGANISATIONS[1][0], Role.OFFICER),
    ("advocate", "Avery", "Lin", ORGANISATIONS[6][0], Role.ADVOCATE),
    ("advocate_other", "Blair", "Okafor", ORGANISATIONS[8][0], Role.ADVOCATE),
    ("prosecutor", "Parker", "Silva", ORGANISATIONS[3][0], Role.PROSECUTOR),
    ("analyst", "Alex", "Novak", ORGANISATIONS[0][0], Role.ANALYST),
    ("youthlead", "Jordan", "Baptiste", ORGANISATIONS[10][0], Role.YOUTH_LEAD),
    ("admin", "Ari", "Kowalski", ORGANISATIONS[0][0], Role.ADMINISTRATOR),
]

# One demo login for every other partner agency, so that every referral can be answered in the
# demo (a shelter, probation, social services, the school district, the community alliance,
# the sheriff's office).
PARTNER_LOGINS: list[tuple[str, str, str, str, str]] = [
    ("shelter", "Robin", "Vega", ORGANISATIONS[7][0], Role.ADVOCATE),
    ("probation", "Drew", "Haddad", ORGANISATIONS[4][0], Role.ADVOCATE),
    ("cfs", "Sage", "Mendes", ORGANISATIONS[5][0], Role.ADVOCATE),
    ("school", "Kai", "Larsen", ORGANISATIONS[9][0], Role.ADVOCATE),
    ("community", "Noel", "Ortiz", ORGANISATIONS[10][0], Role.ADVOCATE),
    ("sheriff", "Remy", "Walsh", ORGANISATIONS[2][0], Role.OFFICER),
    # an advocate in the prosecution office: the victim-witness advocate (docs/prosecution.md)
    ("vwa", "Vic", "Torres", ORGANISATIONS[3][0], Role.ADVOCATE),
]

FIRST_NAMES = (
    "Sam Riley Jamie Quinn Rowan Emerson Hayden Dakota Reese Skyler Morgan Peyton Sage "
    "Cameron Drew Kendall Logan Marley Toni Robin Kai Noel Shay Remy Elliot Frankie"
).split()
LAST_NAMES = (
    "Alvarez Brooks Chen Diallo Evans Fischer Garcia Haddad Ito Jensen Kim Larsen Mendes "
    "Nguyen Ortiz Patel Quintero Rossi Santos Takahashi Umar Vega Walsh Xu Yilmaz Zamora"
).split()

# Roles given to generated staff, by organisation type.
STAFF_ROLE = {
    OrganisationType.COORDINATING_OFFICE: Role.COORDINATOR,
    OrganisationType.LAW_ENFORCEMENT: Role.OFFICER,
    OrganisationType.PROSECUTION: Role.PROSECUTOR,
}


def _organisation(name: str, type: str) -> Organisation:
    org = Organisation.objects.filter(name=name).first()
    return org or services.organisation_create(name=name, type=type, by=None)


def _user(username: str, first: str, last: str, password: str | None) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.user_create(
            username=username,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            first_name=first,
            last_name=last,
            password=password,
            by=None,
        )
    return user


def seed_accounts(*, scale: int, rng: random.Random, demo: bool) -> list[str]:
    """Organisations of the fictional county, ``scale`` × 3 staff in each, and the personas."""
    orgs = {name: _organisation(name, type) for name, type in ORGANISATIONS}
    created = 0
    for org in orgs.values():
        role = STAFF_ROLE.get(org.type, Role.ADVOCATE)  # type: ignore[call-overload]
        for i in range(scale * 3):
            username = f"{org.slug[:40]}-{i + 1}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = _user(username, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), None)
                services.membership_grant(user=user, organisation=org, role=role, by=None)
                created += 1
            if demo:
                _give_authenticator(user)
    report = [f"Organisations: {len(orgs)}; generated staff accounts: {created}"]
    if demo:
        for username, first, last, org_name, role in PERSONAS + PARTNER_LOGINS:
            user = _user(username, first, last, DEMO_PASSWORD)
            services.membership_grant(user=user, organisation=orgs[org_name], role=role, by=None)
            _give_authenticator(user)
        report.append(f"Demo logins: {', '.join(p[0] for p in PERSONAS + PARTNER_LOGINS)}")
    return report


def _give_authenticator(user: User) -> None:
    """Every demo account has an authenticator (``heatwatch demo-code USER`` shows its code),
    so none of them is an account whose password alone would lead to enrolment."""
    if not TOTPAuthenticator.objects.filter(user=user, confirmed=True).exists():
        # "default" is the device django-two-factor-auth asks a code for.
        TOTPAuthenticator.objects.create(user=user, name="default", confirmed=True)


def is_demo_account(user: User) -> bool:
    """True for the accounts the seed creates (synthetic, at the fictional domain)."""
    return user.email.lower().endswith("@" + DEMO_EMAIL_DOMAIN)
