"""User administration in the staff area (administrators) and the invited user's first steps.

Thin views over accounts.services: invite, edit, roles, deactivate / re-activate, 2FA reset,
unlock; every change is audited by its service and versioned (a stale form is answered 409 with
what was typed). See docs/staff.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from heatwatch.accounts import enrolment, selectors, services
from heatwatch.accounts.forms import (
    InviteForm,
    MembershipForm,
    ProfileForm,
    ReasonForm,
    RevokeForm,
    UnlockForm,
    UserEditForm,
)
from heatwatch.accounts.models import Membership, Role, User
from heatwatch.accounts.permissions import role_required, staff_user
from heatwatch.core.actions import invalid_status
from heatwatch.core.pagination import page_of, query_without_page

administrators = role_required(Role.ADMINISTRATOR)


@administrators
def user_list(request: HttpRequest) -> HttpResponse:
    """Every account, searchable, with its roles."""
    query = request.GET.get("q", "")[:100]
    page = page_of(request, selectors.users_for_administration(query=query))
    return render(
        request,
        "accounts/users.html",
        {"page": page, "users": list(page), "q": query, "query": query_without_page(request)},
    )


@administrators
@require_http_methods(["GET", "POST"])
def user_invite(request: HttpRequest) -> HttpResponse:
    """Invite a colleague: account, first role, and an e-mailed one-time link."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, url = services.staff_invite(
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                organisation=data["organisation"],
                role=data["role"],
                language=data["language"],
                by=staff_user(request),
            )
        except (services.AccountError, ValidationError) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(
                request,
                _("%(user)s was invited; the link was e-mailed to %(email)s.")
                % {"user": user.username, "email": user.email},
            )
            return render(
                request, "accounts/user_invited.html", {"invited": user, "url": url}, status=201
            )
    return render(
        request,
        "accounts/user_invite.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _detail(request: HttpRequest, user: User, *, status: int = 200, **forms: Form) -> HttpResponse:
    version = {"version": user.version}
    failures, sources = selectors.failed_sign_ins(user=user)
    context: dict[str, Any] = {
        "account": user,
        "memberships": Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("-is_active", "organisation__name", "role"),
        "has_device": user.totpauthenticator_set.filter(confirmed=True).exists(),
        "has_password": user.has_usable_password(),
        "failures": failures,
        "failure_sources": sources,
        "edit_form": UserEditForm(
            initial={
                **version,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "language": user.language,
            }
        ),
        "membership_form": MembershipForm(initial=version),
        "revoke_form": RevokeForm(initial=version),
        "deactivate_form": ReasonForm(initial=version, prefix="deactivate"),
        "reactivate_form": ReasonForm(initial=version, prefix="reactivate"),
        "reset_form": ReasonForm(initial=version, prefix="reset"),
        "unlock_form": UnlockForm(),
        "is_self": user.pk == request.user.pk,
    }
    context.update(forms)
    return render(request, "accounts/user_detail.html", context, status=status)


@administrators
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(User, pk=pk))


def _act(
    request: HttpRequest,
    pk: int,
    form: Form,
    name: str,
    action: Callable[[User, dict[str, Any]], str],
) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    error: Exception | None = None
    if form.is_valid():
        try:
            message = action(user, form.cleaned_data)
        except (services.AccountError, ValidationError) as exc:
            error = exc
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, message)
            return redirect("staff:user_detail", pk=user.pk)
    user.refresh_from_db()
    return _detail(request, user, status=invalid_status(error), **{name: form})


@administrators
@require_POST
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    def action(user: User, d: dict[str, Any]) -> str:
        services.user_update(
            user=user,
            version=d["version"],
            first_name=d["first_name"],
            last_name=d["last_name"],
            email=d["email"],
            language=d["language"],
            by=staff_user(request),
        )
        return _("The account was saved.")

    return _act(request, pk, UserEditForm(request.POST), "edit_form", action)


@administrators
@require_POST
def user_membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(user: User, d: dict[str, Any]) -> str:
        services.account_membership_grant(
            user=user,
            version=d["version"],
            organisation=d["organisation"],
            role=d["role"],
            by=staff_user(request),
        )
        return _("The role was given.")

    return _act(request, pk, MembershipForm(request.POST), "membership_form", action)


@administrators
@require_POST
def user_membership_revoke(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_pk, user_id=pk)

    def action(user: User, d: dict[str, Any]) -> str:
        services.account_membership_revoke(
            user=user, version=d["version"], membership=membership, by=staff_user(request)
        )
        return _("The role was taken away.")

    return _act(request, pk, RevokeForm(request.POST), "revoke_form", action)


@administrators
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    def action(user: User, d: dict[str, Any]) -> str:
        services.account_deactivate(
            user=user, version=d["version"], reason=d["reason"], by=staff_user(request)
        )
        return _("The account was deactivated and its sessions ended.")

    form = ReasonForm(request.POST, prefix="deactivate")
    return _act(request, pk, form, "deactivate_form", action)


@administrators
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    def action(user: User, d: dict[str, Any]) -> str:
        services.account_reactivate(
            user=user, version=d["version"], reason=d["reason"], by=staff_user(request)
        )
        return _("The account was re-activated.")

    form = ReasonForm(request.POST, prefix="reactivate")
    return _act(request, pk, form, "reactivate_form", action)


@administrators
@require_POST
def user_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    def action(user: User, d: dict[str, Any]) -> str:
        services.account_two_factor_reset(
            user=user, version=d["version"], reason=d["reason"], by=staff_user(request)
        )
        return _(
            "Two-factor authentication was reset and the sessions ended. Send a new "
            "enrolment link so the person can sign in again."
        )

    return _act(request, pk, ReasonForm(request.POST, prefix="reset"), "reset_form", action)


@administrators
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    def action(user: User, d: dict[str, Any]) -> str:
        services.account_unlock(user=user, by=staff_user(request), reason=d["reason"])
        return _("The failed sign-ins were cleared; the account can sign in again.")

    return _act(request, pk, UnlockForm(request.POST), "unlock_form", action)


@administrators
@require_POST
def user_enrolment_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A new one-time link (invitation for an account without password, else enrolment)."""
    user = get_object_or_404(User, pk=pk)
    kind = "enrolment_link" if user.has_usable_password() else "invitation"
    try:
        _link, url = services.enrolment_link_issue(user=user, by=staff_user(request), kind=kind)
    except services.AccountError as exc:
        messages.error(request, str(exc))
        return redirect("staff:user_detail", pk=user.pk)
    return render(request, "accounts/user_invited.html", {"invited": user, "url": url})


# --- the invited user ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: choose a password (once), then set up the authenticator."""
    from django.contrib.auth.forms import SetPasswordForm

    link = selectors.enrolment_link_by_token(token_hash=services.enrolment_token_hash(token))
    if link is None:
        return render(request, "accounts/enrolment_needed.html", {"invalid_link": True}, status=404)
    user = link.user
    if user.has_usable_password():
        # The password is chosen: from here on it is the ordinary enrolment link.
        return redirect("staff:enrol", token=token)
    form = SetPasswordForm(user, request.POST or None)
    for field in form.fields.values():
        field.widget.attrs["class"] = "usa-input"
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["new_password1"]
        try:
            services.invitation_set_password(link=link, password=password)
        except services.AccountError as exc:
            form.add_error(None, str(exc))
        else:
            signed_in = authenticate(request, username=user.username, password=password)
            if signed_in is not None:
                login(request, signed_in)
                enrolment.remember_link(request, link)
                messages.success(request, _("Your password is set. Now set up your authenticator."))
                return redirect("two_factor:setup")
            return redirect("two_factor:login")
    return render(
        request,
        "accounts/invitation.html",
        {"form": form, "invited": user},
        status=400 if request.method == "POST" else 200,
    )


# --- the profile: language of the staff area ---------------------------------------------------


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = ProfileForm(
        request.POST or None, initial={"version": user.version, "language": user.language}
    )
    error: Exception | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_language(
                user=user,
                version=form.cleaned_data["version"],
                language=form.cleaned_data["language"],
            )
        except services.AccountError as exc:
            error = exc
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your language was saved."))
            return redirect("staff:profile")
    status = invalid_status(error) if request.method == "POST" else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)
