"""Fixtures shared by every app's tests: the personas of STYLE.md and signed-in clients."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from heatwatch.accounts import services
from heatwatch.accounts.models import (
    Organisation,
    OrganisationType,
    Role,
    TOTPAuthenticator,
    User,
)

PASSWORD = "correct horse battery staple 42"


@dataclass
class Personas:
    coordinator: User
    advocate: User
    advocate_other: User
    officer: User
    prosecutor: User
    analyst: User
    youth_lead: User
    administrator: User
    no_role: User
    coordinating_office: Organisation
    provider: Organisation
    clinic: Organisation
    police: Organisation
    prosecution: Organisation
    community: Organisation

    def by_name(self) -> dict[str, User]:
        return {
            "coordinator": self.coordinator,
            "advocate": self.advocate,
            "advocate_other": self.advocate_other,
            "officer": self.officer,
            "prosecutor": self.prosecutor,
            "analyst": self.analyst,
            "youth_lead": self.youth_lead,
            "administrator": self.administrator,
            "no_role": self.no_role,
        }


def make_user(username: str, *, device: bool = True) -> User:
    user = services.user_create(
        username=username, email=f"{username}@example.test", password=PASSWORD, by=None
    )
    if device:
        TOTPAuthenticator.objects.create(user=user, name="default", confirmed=True)
    return user


def totp_code(user: User) -> str:
    """The current code of the user's authenticator, as their phone would show it."""
    device = TOTPAuthenticator.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the default language. Django's LocaleMiddleware activates
    a request's language in the thread and leaves it there, so a test that fetched an /es/ page
    would otherwise make the next test's messages Spanish."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def personas(db: None) -> Personas:
    org = services.organisation_create
    coordinating = org(
        name="Test Coordinating Office", type=OrganisationType.COORDINATING_OFFICE, by=None
    )
    provider = org(name="Test Advocacy Center", type=OrganisationType.SERVICE_PROVIDER, by=None)
    clinic = org(name="Test Youth Clinic", type=OrganisationType.HEALTH, by=None)
    police = org(name="Test Police Department", type=OrganisationType.LAW_ENFORCEMENT, by=None)
    prosecution = org(name="Test DA Office", type=OrganisationType.PROSECUTION, by=None)
    community = org(name="Test Community Alliance", type=OrganisationType.COMMUNITY, by=None)
    people = {}
    for username, organisation, role in [
        ("coordinator", coordinating, Role.COORDINATOR),
        ("advocate", provider, Role.ADVOCATE),
        ("advocate_other", clinic, Role.ADVOCATE),
        ("officer", police, Role.OFFICER),
        ("prosecutor", prosecution, Role.PROSECUTOR),
        ("analyst", coordinating, Role.ANALYST),
        ("youth_lead", community, Role.YOUTH_LEAD),
        ("administrator", coordinating, Role.ADMINISTRATOR),
    ]:
        user = make_user(username)
        services.membership_grant(user=user, organisation=organisation, role=role, by=None)
        people[username] = user
    return Personas(
        **people,
        no_role=make_user("no_role"),
        coordinating_office=coordinating,
        provider=provider,
        clinic=clinic,
        police=police,
        prosecution=prosecution,
        community=community,
    )


def login_verified(client: Client, user: User) -> Client:
    """Sign ``user`` in as if they had entered their password and a valid TOTP code."""
    client.force_login(user)
    device = TOTPAuthenticator.objects.get(user=user, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def login():
    """``login(client, user)`` signs a persona in with two factors."""
    return login_verified


@pytest.fixture
def clock():
    """Frozen time that a test moves with ``clock.shift(timedelta(...))`` (never sleep)."""
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC), tick=False) as t:
        yield t


@pytest.fixture
def queries_do_not_grow(django_assert_max_num_queries):
    """``queries_do_not_grow(fetch, add_rows, most=N)``: an N+1 guard for a list.

    Calls ``fetch()`` once to warm the per-process caches (content types, the site), then counts
    its queries (at most ``most``), calls ``add_rows()``, and requires ``fetch()`` to need no more
    queries than before. Returns both results, for the test to check the rows were shown.
    Comparing the two counts, not fixed numbers, keeps it true on SQLite and PostgreSQL.

    Pages that audit each record they show (an agenda, an action-item inbox) pass
    ``audited_by=user``: each entry the page writes then counts as what one ``audit_log`` call by
    that user costs (measured here), and the queries left over must not grow.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from heatwatch.audit.models import Action, AuditEntry
    from heatwatch.audit.services import audit_log

    def counted(fetch):
        entries = AuditEntry.objects.count()
        with CaptureQueriesContext(connection) as queries:
            result = fetch()
        return result, len(queries), AuditEntry.objects.count() - entries

    def check(fetch, add_rows, *, most, audited_by=None):
        fetch()
        if audited_by is None:
            with django_assert_max_num_queries(most) as few:
                before = fetch()
            add_rows()
            with django_assert_max_num_queries(len(few.captured_queries)):
                after = fetch()
            return before, after
        with CaptureQueriesContext(connection) as one:
            audit_log(action=Action.READ, actor=audited_by, object_type="tests.probe")
        before, n_before, written_before = counted(fetch)
        add_rows()
        after, n_after, written_after = counted(fetch)
        reads_before = n_before - written_before * len(one)
        reads_after = n_after - written_after * len(one)
        if written_after <= written_before:
            pytest.fail("the page audits no more reads with more rows")
        if reads_before > most:
            pytest.fail(f"{reads_before} queries besides the audit entries (at most {most})")
        if reads_after > reads_before:
            pytest.fail(
                f"{reads_after} queries besides the audit entries, {reads_before} with fewer rows"
            )
        return before, after

    return check
