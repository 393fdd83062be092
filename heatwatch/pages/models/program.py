"""The program's branding as a CMS site setting (DESIGN.md §7).

Blank fields fall back to the environment (``settings.HEATWATCH_PROGRAM``), so a fresh
installation shows its configured name and tip line before anyone opens the CMS. The form
audits every change in the same transaction as the save and purges the page cache when it
commits, so every page (and every poster made afterwards) shows the change at once.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from heatwatch.pages.models.choices import Theme

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ().-]{2,28}[0-9]$",
    _("Enter a phone number with digits, spaces, dashes, dots or brackets only."),
)


class ProgramSettingsForm(WagtailAdminModelForm):
    """Audits the change (field names only) inside the save's transaction."""

    def save(self, commit: bool = True) -> Any:
        from heatwatch.audit.models import Action
        from heatwatch.audit.services import audit_log
        from heatwatch.pages import cache

        instance = super().save(commit=commit)
        if commit:
            user = getattr(self, "for_user", None)
            audit_log(
                action=Action.UPDATE,
                actor=user,
                obj=instance,
                fields=sorted(self.changed_data),
                reason="program settings",
            )
            # now (this process's readers) and again once committed (none re-cached the old)
            cache.purge()
            transaction.on_commit(cache.purge)
        return instance


@register_setting(icon="cog")
class ProgramSettings(BaseSiteSetting):
    name: models.CharField[str, str] = models.CharField(
        _("program name"), max_length=120, blank=True, help_text=_("Blank: the default name.")
    )
    area: models.CharField[str, str] = models.CharField(
        _("area served"), max_length=120, blank=True, help_text=_("For example, a county.")
    )
    tipline_phone: models.CharField[str, str] = models.CharField(
        _("tip-line phone"),
        max_length=30,
        blank=True,
        validators=[phone_validator],
        help_text=_("Shown on every page and every poster. Blank: the default number."),
    )
    contact_email: models.EmailField[str, str] = models.EmailField(_("contact e-mail"), blank=True)
    logo: models.ForeignKey[Any, Any] = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown beside the program's name, which is its text alternative."),
    )
    theme: models.CharField[str, str] = models.CharField(
        _("header colour"),
        max_length=32,
        choices=Theme.choices,
        default=Theme.BLUE_WARM_80V,
        help_text=_("Colours from the design system's palette with readable white text."),
    )
    facebook_url: models.URLField[str, str] = models.URLField(_("Facebook"), blank=True)
    instagram_url: models.URLField[str, str] = models.URLField(_("Instagram"), blank=True)
    x_url: models.URLField[str, str] = models.URLField(_("X (Twitter)"), blank=True)
    youtube_url: models.URLField[str, str] = models.URLField(_("YouTube"), blank=True)

    base_form_class = ProgramSettingsForm
    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("area"), FieldPanel("logo"), FieldPanel("theme")],
            heading=_("Program"),
        ),
        MultiFieldPanel(
            [FieldPanel("tipline_phone"), FieldPanel("contact_email")], heading=_("Contact")
        ),
        MultiFieldPanel(
            [
                FieldPanel("facebook_url"),
                FieldPanel("instagram_url"),
                FieldPanel("x_url"),
                FieldPanel("youtube_url"),
            ],
            heading=_("Social media"),
        ),
    ]

    class Meta:
        verbose_name = _("program settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
