"""The staff area shell: home, sign-out, "log out everywhere"."""

from __future__ import annotations

from typing import Any, cast

import django_otp
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticToken
from two_factor.forms import AuthenticationTokenForm, TOTPDeviceForm
from two_factor.utils import default_device
from two_factor.views import LoginView, SetupView

from heatwatch.accounts import enrolment, selectors, services
from heatwatch.accounts.forms import (
    DisableTwoFactorForm,
    HashedBackupTokenForm,
    PasswordChangeForm,
    ReauthenticationForm,
)
from heatwatch.accounts.models import Role, User
from heatwatch.accounts.permissions import CMS_ROLES, user_roles


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """Landing page after sign-in: the user's roles and what they can open."""
    roles = user_roles(request.user)
    return render(
        request,
        "accounts/staff_home.html",
        {
            "memberships": selectors.memberships_of(user=cast(User, request.user)),
            "can_edit_content": bool(roles & CMS_ROLES),
            "is_administrator": Role.ADMINISTRATOR in roles,
            "can_read_audit": bool(roles & {Role.ADMINISTRATOR, Role.COORDINATOR}),
        },
    )


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; other sessions end, this one stays signed in."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_set_password(
            user=request.user,  # type: ignore[arg-type]
            password=form.cleaned_data["new_password1"],
            by=request.user,  # type: ignore[arg-type]
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password was changed. Other sessions were ended."))
        return redirect("staff:home")
    return render(request, "accounts/password_change.html", {"form": form})


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponse:
    """Sign out of this browser."""
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("two_factor:login")


@require_POST
@login_required
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the signed-in user, on every device."""
    services.user_logout_everywhere(user=request.user, by=request.user)  # type: ignore[arg-type]
    logout(request)
    messages.info(request, _("You are signed out on every device."))
    return redirect("two_factor:login")


# --- two-factor enrolment and management -------------------------------------------------------
# These replace django-two-factor-auth's setup, disable and backup-token views at the same
# addresses (accounts/urls.py is included before two_factor's urls): the first enrolment needs
# an enrolment link, every later change needs the password and a current code, and every
# change is audited and e-mailed (accounts.services).


def enrol(request: HttpRequest, token: str) -> HttpResponse:
    """Open an enrolment link: after signing in with the password, go on to the setup."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = cast(User, request.user)
    if default_device(user) is not None:
        messages.info(request, _("Two-factor authentication is already set up for you."))
        return redirect("staff:home")
    link = selectors.enrolment_link_valid(
        user=user, token_hash=services.enrolment_token_hash(token)
    )
    if link is None:
        return render(request, "accounts/enrolment_needed.html", {"invalid_link": True}, status=404)
    enrolment.remember_link(request, link)
    return redirect("two_factor:setup")


def enrolment_needed(request: HttpRequest) -> HttpResponse:
    """What a signed-in user without an authenticator (and without a link) sees."""
    return render(request, "accounts/enrolment_needed.html", {"invalid_link": False})


class EnrolSetupView(SetupView):
    """django-two-factor-auth's setup wizard, allowed only with an enrolment link or right
    after a re-authentication; the device is stored with its seed encrypted."""

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return "setup_view"  # the form field prefix of django-two-factor-auth's own view

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            if default_device(request.user) is not None:
                return redirect("two_factor:profile")
            if not enrolment.may_enrol(request):
                return redirect("staff:enrolment_needed")
        return cast(HttpResponse, super().dispatch(request, *args, **kwargs))

    def done(self, form_list: Any, **kwargs: Any) -> HttpResponse:
        self.request.session.pop(self.session_key_name, None)
        totp_form = next(form for form in form_list if isinstance(form, TOTPDeviceForm))
        link = enrolment.session_link(self.request)
        if link is None and not enrolment.has_fresh_reauth(self.request):
            return redirect("staff:enrolment_needed")
        try:
            device = services.two_factor_enrol(
                user=cast(User, self.request.user),
                key=totp_form.key,
                link=link,
                digits=totp_form.digits,
                step=totp_form.step,
                t0=totp_form.t0,
                drift=totp_form.drift,
                tolerance=totp_form.tolerance,
            )
        except services.AccountError as exc:
            messages.error(self.request, str(exc))
            return redirect("staff:enrolment_needed")
        enrolment.forget(self.request)
        django_otp.login(self.request, device)
        return redirect(self.get_success_url())


@login_required
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor off: needs the password and a current code; audited and e-mailed."""
    user = cast(User, request.user)
    form = DisableTwoFactorForm(user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.two_factor_disable(user=user, by=user)
            # The password and a code were just given: this session may set up a new one.
            enrolment.remember_reauth(request)
            messages.info(
                request,
                _("Two-factor authentication is off. Set up an authenticator now to go on."),
            )
            return redirect("two_factor:setup")
        services.reauthentication_failed(user=user, purpose="disable two-factor")
    return render(request, "accounts/two_factor_disable.html", {"form": form})


@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes, shown once: needs the password and a current code."""
    user = cast(User, request.user)
    form = ReauthenticationForm(user, request.POST or None)
    codes: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            codes = services.backup_codes_generate(user=user, by=user)
            form = ReauthenticationForm(user)
        else:
            services.reauthentication_failed(user=user, purpose="backup codes")
    remaining = StaticToken.objects.filter(device__user=user).count()
    return render(
        request,
        "accounts/backup_codes.html",
        {"form": form, "codes": codes, "remaining": remaining},
    )


class StaffLoginView(LoginView):
    """django-two-factor-auth's login; its backup-code step compares keyed hashes."""

    form_list = (
        (LoginView.AUTH_STEP, AuthenticationForm),
        (LoginView.TOKEN_STEP, AuthenticationTokenForm),
        (LoginView.BACKUP_STEP, HashedBackupTokenForm),
    )

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return "login_view"  # the form field prefix of django-two-factor-auth's own view
