"""Public pages (Wagtail): the home page and one page per point of the five-point model.

The pages are content, edited by coordinators at ``/cms/`` (see docs/content.md). The chrome
around them (navigation, tip line, footer) lives in ``heatwatch/core/templates/base.html``.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from heatwatch.pages.blocks import RICH_TEXT_FEATURES, ContentBlock


class Point(models.TextChoices):
    """The five points of the model, in their canonical order (DESIGN.md §1)."""

    # "point" context: the same English word can mean something else elsewhere (e.g. an
    # organisation type "Prosecution" is a prosecutor's office, "Fiscalía" in Spanish).
    COMMUNITY = "community", pgettext_lazy("point", "Community")
    LAW_ENFORCEMENT = "law_enforcement", pgettext_lazy("point", "Law Enforcement")
    PROSECUTION = "prosecution", pgettext_lazy("point", "Prosecution")
    POLICY = "policy", pgettext_lazy("point", "Policy")
    SERVICES = "services", pgettext_lazy("point", "Services")


class HomePage(Page):
    """The site's root page: an introduction and an overview of the five points."""

    intro = RichTextField(
        features=RICH_TEXT_FEATURES,
        blank=True,
        help_text=_("A short welcome shown under the page heading."),
    )
    body = StreamField(
        ContentBlock(),
        blank=True,
        help_text=_("Shown after the overview of the five points."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["pages.PointPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def point_pages(self) -> models.QuerySet[PointPage]:
        """The live, public point pages under this page, in the order set in the admin."""
        pages = PointPage.objects.child_of(self).live().public().order_by("path")
        return cast("models.QuerySet[PointPage]", pages)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = cast("dict[str, Any]", super().get_context(request, *args, **kwargs))
        context["points"] = self.point_pages()
        return context


class PointPage(Page):
    """One point of the model: what the program does and what the platform offers."""

    point: models.CharField[str, str] = models.CharField(
        _("point"),
        max_length=32,
        choices=Point.choices,
        help_text=_("Which of the five points this page describes. One page per point."),
    )
    summary: models.TextField[str, str] = models.TextField(
        _("summary"),
        max_length=400,
        help_text=_("One or two sentences, shown on the home page and at the top of this page."),
    )
    body = StreamField(ContentBlock(), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("point"),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]

    parent_page_types = ["pages.HomePage"]
    subpage_types: list[str] = []
    max_count = len(Point.choices)

    class Meta:
        verbose_name = _("point page")

    def clean(self) -> None:
        super().clean()
        others = PointPage.objects.filter(point=self.point)
        if self.pk:
            others = others.exclude(pk=self.pk)
        if self.point and others.exists():
            raise ValidationError({"point": _("There is already a page for this point.")})
