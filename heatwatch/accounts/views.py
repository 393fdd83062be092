"""The staff area shell: home, sign-out, "log out everywhere"."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heatwatch.accounts import selectors, services
from heatwatch.accounts.forms import PasswordChangeForm
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
