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
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from heatwatch.pages.blocks import RICH_TEXT_FEATURES, ContentBlock
from heatwatch.pages.models._base import LocalizedPage, default_locale, localized_children
from heatwatch.pages.models.choices import Point


class HomePage(LocalizedPage):
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
    subpage_types = [
        "pages.PointPage",
        "pages.ToolkitIndexPage",
        "pages.RedFlagsPage",
        "pages.MythsFactsPage",
        "pages.GlossaryPage",
        "pages.NewsIndexPage",
        "pages.PodcastIndexPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def point_pages(self) -> list[PointPage]:
        """The live, public point pages, in the active language where translated (else the
        default language's), in the model's order (Community first)."""
        order = {value: index for index, value in enumerate(Point.values)}
        pages = list(localized_children(self, PointPage))
        return sorted(pages, key=lambda page: (order.get(page.point, 99), page.path))

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = cast("dict[str, Any]", super().get_context(request, *args, **kwargs))
        context["points"] = self.point_pages()
        return context


class PointPage(LocalizedPage):
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
    # the Policy point page is the policy tracker (/policy/): laws, bills and model protocols
    subpage_types = ["pages.PolicyItemPage"]

    class Meta:
        verbose_name = _("point page")

    def clean(self) -> None:
        super().clean()
        # one page per point in each language (a translation shares its source's point)
        locale = self.locale_id or getattr(default_locale(), "pk", None)
        others = PointPage.objects.filter(point=self.point, locale_id=locale)
        if self.pk:
            others = others.exclude(pk=self.pk)
        if self.point and others.exists():
            raise ValidationError({"point": _("There is already a page for this point.")})

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = cast("dict[str, Any]", super().get_context(request, *args, **kwargs))
        if self.point == Point.POLICY:
            from heatwatch.pages.models.policy import tracker_context

            context.update(tracker_context(self, request))
        return context
