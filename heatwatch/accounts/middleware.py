"""Session lifetime and mandatory two-factor authentication for every staff page."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from two_factor.utils import default_device

from heatwatch.accounts import enrolment
from heatwatch.accounts.permissions import CMS_ROLES, has_role, is_verified

SESSION_STARTED_KEY = "hw_session_started"
SESSION_SEEN_KEY = "hw_session_seen"

# Pages under these prefixes need a signed-in, two-factor-verified user.
PROTECTED_PREFIXES = ("/staff/", "/cms/")
STAFF_PREFIX = "/staff/"


class SessionTimeoutMiddleware:
    """End a session after ``SESSION_IDLE_TIMEOUT`` idle seconds or ``SESSION_ABSOLUTE_TIMEOUT``
    seconds in all, whatever the cookie says."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.get(SESSION_STARTED_KEY, now)
            seen = session.get(SESSION_SEEN_KEY, now)
            if (
                now - seen > settings.SESSION_IDLE_TIMEOUT
                or now - started > settings.SESSION_ABSOLUTE_TIMEOUT
            ):
                logout(request)
                messages.info(request, _("Your session ended. Please sign in again."))
            else:
                session[SESSION_STARTED_KEY] = started
                session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Every staff and CMS page needs a user who signed in with a second factor.

    Anonymous visitors go to the login page. A user without a device reaches the
    authenticator setup only with an enrolment link issued by an administrator (or right after
    re-authenticating to replace their authenticator); otherwise they get a page saying to ask
    an administrator, and nothing else. A signed-in but unverified session of a user who has a
    device (e.g. from another login path) is ended.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._exempt: tuple[str, ...] | None = None
        self._enrolment: tuple[str, ...] | None = None

    def exempt_paths(self) -> tuple[str, ...]:
        if self._exempt is None:
            self._exempt = (
                reverse("two_factor:login"),
                reverse("two_factor:setup_complete"),  # needs a verified session itself
                reverse("staff:logout"),
            )
        return self._exempt

    def enrolment_paths(self) -> tuple[str, ...]:
        """Pages a signed-in user without a device may open on the way to a first device."""
        if self._enrolment is None:
            self._enrolment = (
                reverse("staff:enrolment_needed"),
                reverse("staff:enrol", kwargs={"token": "x"}).removesuffix("x/"),
            )
        return self._enrolment

    def invitation_prefix(self) -> str:
        """Invitation links are opened signed out (the password is chosen there)."""
        return reverse("staff:invitation", kwargs={"token": "x"}).removesuffix("x/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith(self.invitation_prefix()):
            return self.get_response(request)
        if path.startswith(PROTECTED_PREFIXES) and path not in self.exempt_paths():
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_verified(user):
                # django-two-factor-auth asks for a code only for the device named
                # "default". A password alone never leads to setting one up: that needs an
                # enrolment link (or a fresh re-authentication, checked by the setup view).
                if default_device(user) is None:
                    if path.startswith(self.enrolment_paths()):
                        return self.get_response(request)
                    setup = (reverse("two_factor:setup"), reverse("two_factor:qr"))
                    if path in setup and enrolment.may_enrol(request):
                        return self.get_response(request)
                    return redirect("staff:enrolment_needed")
                logout(request)
                return redirect_to_login(request.get_full_path())
            if path.startswith("/cms/") and not has_role(user, *CMS_ROLES):
                # Wagtail checks its own permissions too; this keeps every other role out of
                # the CMS entirely, including its undecorated helper views.
                raise PermissionDenied
            if path.startswith(STAFF_PREFIX):
                return self._in_users_language(request)
        return self.get_response(request)

    def _in_users_language(self, request: HttpRequest) -> HttpResponse:
        """Serve a staff page in the signed-in user's chosen language (their profile). Staff
        addresses have no /es/ prefix, so the URL cannot say it; without a choice, the
        language LocaleMiddleware picked stays."""
        chosen = getattr(request.user, "language", "")
        if not chosen or chosen not in {code for code, _name in settings.LANGUAGES}:
            return self.get_response(request)
        with translation.override(chosen):
            request.LANGUAGE_CODE = chosen
            response = self.get_response(request)
            response.headers["Content-Language"] = chosen
            return response
