"""Learning pages: red flags by setting, myths and facts, and a glossary of exploiters' words."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.search import index

from heatwatch.pages.blocks import RICH_TEXT_FEATURES
from heatwatch.pages.models._base import LocalizedPage
from heatwatch.pages.models.choices import RedFlagSetting

# The screening tool's public start page (heatwatch/screening), linked when it exists.
SCREENING_URL_NAMES = ("screening_public:start", "screening_public:index")


def screening_url() -> str:
    for name in SCREENING_URL_NAMES:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


class RedFlagGroupBlock(blocks.StructBlock):
    setting = blocks.ChoiceBlock(choices=RedFlagSetting.choices, label=_("Setting"))
    flags = blocks.ListBlock(blocks.CharBlock(max_length=300), label=_("Red flags"))

    class Meta:
        icon = "warning"
        label = _("Red flags in one setting")


class MythFactBlock(blocks.StructBlock):
    myth = blocks.CharBlock(max_length=300, label=_("Myth"))
    fact = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Fact"))

    class Meta:
        icon = "help"
        label = _("Myth and fact")


class TermBlock(blocks.StructBlock):
    term = blocks.CharBlock(max_length=80, label=_("Term"))
    definition = blocks.TextBlock(max_length=800, label=_("Meaning"))

    class Meta:
        icon = "openquote"
        label = _("Term")


class RedFlagsPage(LocalizedPage):
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    groups = StreamField([("group", RedFlagGroupBlock())], blank=True)

    content_panels = [*LocalizedPage.content_panels, FieldPanel("intro"), FieldPanel("groups")]
    search_fields = [
        *LocalizedPage.search_fields,
        index.SearchField("intro"),
        index.SearchField("groups"),
    ]
    parent_page_types = ["pages.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("red flags")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["screening_url"] = screening_url()
        return cast("dict[str, Any]", context)


class MythsFactsPage(LocalizedPage):
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    items = StreamField([("item", MythFactBlock())], blank=True)

    content_panels = [*LocalizedPage.content_panels, FieldPanel("intro"), FieldPanel("items")]
    search_fields = [
        *LocalizedPage.search_fields,
        index.SearchField("intro"),
        index.SearchField("items"),
    ]
    parent_page_types = ["pages.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("myths and facts")


class GlossaryPage(LocalizedPage):
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    terms = StreamField([("term", TermBlock())], blank=True)

    content_panels = [*LocalizedPage.content_panels, FieldPanel("intro"), FieldPanel("terms")]
    search_fields = [
        *LocalizedPage.search_fields,
        index.SearchField("intro"),
        index.SearchField("terms"),
    ]
    parent_page_types = ["pages.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("glossary")

    def sorted_terms(self) -> list[Any]:
        return sorted(self.terms, key=lambda block: block.value["term"].casefold())
