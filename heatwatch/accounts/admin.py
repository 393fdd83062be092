"""Administration of organisations, users and memberships, for administrators only.

The admin lives at /staff/admin/ behind the same two-factor sign-in as the rest of the staff
area; every change goes through accounts.services (and so is audited).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heatwatch.accounts import services
from heatwatch.accounts.models import Membership, Organisation, Role, User
from heatwatch.accounts.permissions import has_role, is_verified, role_allowed_in


class HeatwatchAdminSite(admin.AdminSite):
    site_header = "heatwatch administration"
    site_title = "heatwatch administration"
    index_title = "Organisations and users"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and is_verified(user) and has_role(user, Role.ADMINISTRATOR))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Only the two-factor login exists; a signed-in user without the role gets a 403.
        if self.has_permission(request):
            return redirect("admin:index")
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect("two_factor:login")


admin_site = HeatwatchAdminSite(name="admin")


class AdministratorOnly:
    """Model permissions come from the administrator role, not Django's permission table."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.ADMINISTRATOR)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_role(request.user, Role.ADMINISTRATOR)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return has_role(request.user, Role.ADMINISTRATOR)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_role(request.user, Role.ADMINISTRATOR)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing is deleted; organisations and accounts are deactivated


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(AdministratorOnly, admin.ModelAdmin[Organisation]):
    list_display = ["name", "type", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["name"]
    fields = ["name", "type", "is_active"]

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        if change:
            original = Organisation.objects.get(pk=obj.pk)
            services.organisation_update(
                organisation=original,
                name=obj.name,
                type=obj.type,
                is_active=obj.is_active,
                by=request.user,  # type: ignore[arg-type]
            )
        else:
            created = services.organisation_create(
                name=obj.name,
                type=obj.type,
                by=request.user,  # type: ignore[arg-type]
            )
            obj.pk = created.pk


class UserCreationForm(forms.ModelForm[User]):
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        help_text="At least 15 characters; a passphrase works well.",
    )

    class Meta:
        model = User
        fields = ["username", "email", "first_name", "last_name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password")
        if password:
            try:
                validate_password(password, User(**{k: data.get(k, "") for k in self.Meta.fields}))
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


@admin.register(User, site=admin_site)
class UserAdmin(AdministratorOnly, admin.ModelAdmin[User]):
    list_display = ["username", "email", "first_name", "last_name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]
    readonly_fields = ("username", "email", "first_name", "last_name", "is_active", "last_login")
    fields = readonly_fields
    actions = [
        "disable_accounts",
        "enable_accounts",
        "end_sessions",
        "issue_enrolment_links",
        "reset_two_factor",
    ]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = UserCreationForm
            kwargs["fields"] = None
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["username", "email", "first_name", "last_name", "password"]
        return self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change:
            return  # accounts are changed through the actions below only
        created = services.user_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            first_name=form.cleaned_data.get("first_name", ""),
            last_name=form.cleaned_data.get("last_name", ""),
            password=form.cleaned_data["password"],
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = created.pk

    @admin.action(description="Disable the selected accounts (ends their sessions)")
    def disable_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            if user.pk == request.user.pk:
                self.message_user(request, "You cannot disable your own account.", messages.ERROR)
                continue
            services.user_disable(
                user=user,
                by=request.user,  # type: ignore[arg-type]
                reason="disabled by an administrator",
            )

    @admin.action(description="Enable the selected accounts")
    def enable_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_enable(user=user, by=request.user)  # type: ignore[arg-type]

    @admin.action(description=gettext_lazy("Log the selected accounts out everywhere"))
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_logout_everywhere(user=user, by=request.user)  # type: ignore[arg-type]

    @admin.action(description=_("Issue a two-factor enrolment link (sent by e-mail)"))
    def issue_enrolment_links(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            try:
                _link, url = services.enrolment_link_issue(
                    user=user,
                    by=request.user,  # type: ignore[arg-type]
                )
            except services.AccountError as exc:
                self.message_user(request, f"{user.username}: {exc}", messages.ERROR)
                continue
            # Shown once: only a keyed hash of the link is stored.
            self.message_user(
                request,
                _("Enrolment link for %(user)s (e-mailed to them, works once): %(url)s")
                % {"user": user.username, "url": url},
                messages.SUCCESS,
            )

    @admin.action(description=_("Reset two-factor authentication (needs a reason)"))
    def reset_two_factor(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        form = ResetTwoFactorForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for user in queryset:
                services.two_factor_reset(
                    user=user,
                    by=request.user,  # type: ignore[arg-type]
                    reason=form.cleaned_data["reason"],
                )
            self.message_user(
                request,
                _(
                    "Two-factor authentication was reset for %(count)d accounts. Issue each an "
                    "enrolment link so they can sign in again."
                )
                % {"count": len(queryset)},
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "accounts/admin/reset_two_factor.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reset two-factor authentication"),
                "form": form,
                "users": queryset,
                "action": "reset_two_factor",
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


class ResetTwoFactorForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is two-factor authentication being reset?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
    )


class MembershipForm(forms.ModelForm[Membership]):
    class Meta:
        model = Membership
        fields = ["user", "organisation", "role"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        org, role = data.get("organisation"), data.get("role")
        if org is not None and role and not role_allowed_in(role, org):
            self.add_error(
                "role",
                f"A {org.get_type_display()} organisation cannot hold the role {Role(role).label}.",
            )
        return data


@admin.register(Membership, site=admin_site)
class MembershipAdmin(AdministratorOnly, admin.ModelAdmin[Membership]):
    form = MembershipForm
    list_display = ["user", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active", "organisation__type"]
    search_fields = ["user__username", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["user", "organisation", "role", "is_active"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if change:
            return  # a role is revoked and granted again, never edited in place
        created = services.membership_grant(
            user=obj.user,
            organisation=obj.organisation,
            role=obj.role,
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = created.pk

    @admin.action(description="Revoke the selected roles")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user", "organisation"):
            services.membership_revoke(membership=membership, by=request.user)  # type: ignore[arg-type]
