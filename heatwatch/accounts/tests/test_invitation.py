"""An invited colleague's first sign-in (issue 19): the invitation link sets a password (zxcvbn
rules), once, then leads to the authenticator setup; an expired or used link does not work."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client

from heatwatch.accounts import services
from heatwatch.accounts.models import Role, User
from heatwatch.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db

GOOD = "tidewater lantern orchard 1987"


@pytest.fixture
def invited(personas):
    user, url = services.staff_invite(
        username="robin",
        email="robin@shelter.example",
        first_name="Robin",
        last_name="Vega",
        organisation=personas.provider,
        role=Role.ADVOCATE,
        language="",
        by=personas.administrator,
    )
    return user, urlsplit(url).path


def test_the_link_sets_a_password_then_leads_to_the_authenticator_setup(invited):
    user, path = invited
    client = Client()
    assert client.get(path).status_code == 200
    response = client.post(path, {"new_password1": GOOD, "new_password2": GOOD})
    assert response.status_code == 302
    assert response["Location"] == "/staff/account/two_factor/setup/"
    user.refresh_from_db()
    assert user.check_password(GOOD)
    # the setup wizard is open to this session (the link was remembered), nothing else is
    assert client.get("/staff/account/two_factor/setup/").status_code == 200
    assert client.get("/staff/cases/").status_code == 302
    assert AuditEntry.objects.filter(
        action=Action.SECURITY, object_id=str(user.pk), reason="password chosen from an invitation"
    ).exists()


def test_a_weak_password_is_refused_with_advice(invited):
    user, path = invited
    response = Client().post(path, {"new_password1": "password1", "new_password2": "password1"})
    assert response.status_code == 400
    assert b"usa-error-message" in response.content
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_the_password_is_chosen_only_once(invited):
    user, path = invited
    Client().post(path, {"new_password1": GOOD, "new_password2": GOOD})
    other = Client()
    response = other.post(path, {"new_password1": GOOD + "x", "new_password2": GOOD + "x"})
    # the link is now an ordinary enrolment link: sign in with the password first
    assert response.status_code == 302 and "/enrol/" in response["Location"]
    user.refresh_from_db()
    assert user.check_password(GOOD)


def test_an_expired_or_unknown_link_does_not_work(clock, invited):
    _user, path = invited
    assert Client().get("/staff/account/invitation/not-a-token/").status_code == 404
    clock.shift(timedelta(hours=73))
    assert Client().get(path).status_code == 404


def test_a_new_invitation_replaces_the_old_one(invited, personas, login):
    user, path = invited
    admin = login(Client(), personas.administrator)
    response = admin.post(f"/staff/users/{user.pk}/enrolment-link/")
    assert response.status_code == 200
    assert Client().get(path).status_code == 404
    assert (
        User.objects.get(pk=user.pk).enrolment_links.filter(used_at=None, revoked_at=None).count()
        == 1
    )
