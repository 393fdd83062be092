"""Admin screens: questionnaires and their versions (a draft's definition is edited as the
file format, checked by the engine with line and field; a version in use or retired is
read-only), and the professionals allowed to screen. Results are not in the admin: they are
read through the audited screening pages."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from heatwatch.accounts.admin import AdministratorOnly, admin_site
from heatwatch.screening import engine, services
from heatwatch.screening.models import Questionnaire, QuestionnaireVersion, Screener, VersionStatus


class VersionForm(forms.ModelForm):
    definition_text = forms.CharField(
        label="Definition (file format, JSON)",
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100}),
        help_text="See docs/screening.md. Errors name the line and the field.",
    )

    class Meta:
        model = QuestionnaireVersion
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["definition_text"].initial = json.dumps(
                self.instance.definition, indent=2, ensure_ascii=False
            )

    def clean_definition_text(self) -> str:
        text: str = self.cleaned_data["definition_text"]
        try:
            engine.load_text(text)
        except engine.DefinitionError as exc:
            problems = getattr(exc, "all", [exc])
            raise forms.ValidationError([str(p) for p in problems]) from exc
        return text


@admin.register(QuestionnaireVersion, site=admin_site)
class QuestionnaireVersionAdmin(AdministratorOnly, admin.ModelAdmin):
    form = VersionForm
    list_display = ("title", "number", "status", "licensed", "published_at")
    list_filter = ("status", "licensed")
    actions = ["publish"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        text = form.cleaned_data["definition_text"]
        if change:
            services.version_update_draft(version=obj, text=text, by=request.user)  # type: ignore[arg-type]
        else:
            version, _ = services.questionnaire_load(text=text, by=request.user, publish=False)  # type: ignore[arg-type]
            obj.pk = version.pk

    @admin.action(description="Put the selected draft versions in use")
    def publish(self, request: HttpRequest, queryset: QuerySet[QuestionnaireVersion]) -> None:
        for version in queryset:
            try:
                services.version_publish(version=version, by=request.user)  # type: ignore[arg-type]
            except services.ScreeningError as exc:
                self.message_user(request, f"{version}: {exc}", messages.ERROR)


@admin.register(Questionnaire, site=admin_site)
class QuestionnaireAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ("slug", "created_at")


@admin.register(Screener, site=admin_site)
class ScreenerAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ("user", "organisation", "is_active", "created_at")
    list_filter = ("is_active",)
    raw_id_fields = ("user",)
    exclude = ("granted_by",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
