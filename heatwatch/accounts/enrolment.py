"""Who may reach the authenticator setup: the session's proof of an enrolment link or a
fresh re-authentication (password and current code). See docs/security.md, "Signing in"."""

from __future__ import annotations

import time

from django.http import HttpRequest

from heatwatch.accounts import selectors
from heatwatch.accounts.models import EnrolmentLink, User

ENROLMENT_LINK_SESSION_KEY = "hw_enrolment_link"
REAUTH_SESSION_KEY = "hw_two_factor_reauth"
# How long a re-authentication allows setting up a new authenticator.
REAUTH_SECONDS = 10 * 60


def remember_link(request: HttpRequest, link: EnrolmentLink) -> None:
    """Let this session set up an authenticator with ``link``."""
    request.session[ENROLMENT_LINK_SESSION_KEY] = {"user": link.user_id, "link": link.pk}


def session_link(request: HttpRequest) -> EnrolmentLink | None:
    """The still-valid enrolment link this session opened for the signed-in user, if any."""
    user = request.user
    stored = request.session.get(ENROLMENT_LINK_SESSION_KEY)
    if not isinstance(user, User) or not isinstance(stored, dict) or stored.get("user") != user.pk:
        return None
    return selectors.enrolment_link_valid(user=user, link_id=stored.get("link"))


def remember_reauth(request: HttpRequest) -> None:
    """Record that the signed-in user just gave their password and a current code."""
    request.session[REAUTH_SESSION_KEY] = {"user": request.user.pk, "at": time.time()}


def has_fresh_reauth(request: HttpRequest) -> bool:
    """True if the signed-in user re-authenticated in this session in the last minutes."""
    stored = request.session.get(REAUTH_SESSION_KEY)
    return (
        isinstance(stored, dict)
        and stored.get("user") == request.user.pk
        and time.time() - float(stored.get("at", 0)) < REAUTH_SECONDS
    )


def may_enrol(request: HttpRequest) -> bool:
    """May this session set up an authenticator now?"""
    return session_link(request) is not None or has_fresh_reauth(request)


def forget(request: HttpRequest) -> None:
    """Drop both proofs (after a completed setup)."""
    request.session.pop(ENROLMENT_LINK_SESSION_KEY, None)
    request.session.pop(REAUTH_SESSION_KEY, None)
