"""The toolkit library (/toolkit/): resources another community can use to start a program."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.search import index

from heatwatch.pages.blocks import RICH_TEXT_FEATURES, ContentBlock
from heatwatch.pages.models._base import LocalizedPage, localized_children
from heatwatch.pages.models.choices import Audience, Point, ResourceKind, Topic

PAGE_SIZE = 24

# GET parameter -> (model field, choices); anything else in the query string is ignored.
FILTERS: dict[str, tuple[str, type[models.TextChoices]]] = {
    "kind": ("kind", ResourceKind),
    "topic": ("topic", Topic),
    "audience": ("audience", Audience),
    "point": ("point", Point),
}


def parse_filters(request: HttpRequest) -> dict[str, str]:
    """The valid filters in the query string (unknown values are dropped, not errors)."""
    chosen = {}
    for name, (_field, choices) in FILTERS.items():
        value = request.GET.get(name, "")[:40]
        if value in choices.values:
            chosen[name] = value
    return chosen


def page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")[:6]
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


class ToolkitIndexPage(LocalizedPage):
    """The library: every resource, filterable by kind, topic, audience and point."""

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*LocalizedPage.content_panels, FieldPanel("intro")]
    search_fields = [*LocalizedPage.search_fields, index.SearchField("intro")]
    parent_page_types = ["pages.HomePage"]
    subpage_types = ["pages.ResourcePage"]

    class Meta:
        verbose_name = _("toolkit library")

    def resources(self, filters: dict[str, str]) -> Any:
        qs = localized_children(self, ResourcePage)
        for name, value in filters.items():
            qs = qs.filter(**{FILTERS[name][0]: value})
        return qs.select_related("document", "recording", "locale").order_by(
            "-last_updated", "title", "pk"
        )

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        filters = parse_filters(request)
        paginator = Paginator(self.resources(filters), PAGE_SIZE)
        page_obj = paginator.get_page(page_number(request))
        context.update(
            filters=filters,
            filter_groups=[
                (name, choices.choices, filters.get(name, ""), label)
                for name, choices, label in (
                    ("kind", ResourceKind, _("Kind")),
                    ("topic", Topic, _("Topic")),
                    ("audience", Audience, _("Audience")),
                    ("point", Point, _("Point")),
                )
            ],
            page_obj=page_obj,
            resources=page_obj.object_list,
            query_without_page="&".join(f"{k}={v}" for k, v in filters.items()),
        )
        return cast("dict[str, Any]", context)


class ResourcePage(LocalizedPage):
    """One resource: a document, a link or a recording, with what it is and who it is for."""

    summary: models.TextField[str, str] = models.TextField(_("summary"), max_length=600)
    body = StreamField(ContentBlock(), blank=True)
    kind: models.CharField[str, str] = models.CharField(
        _("kind"), max_length=20, choices=ResourceKind.choices
    )
    topic: models.CharField[str, str] = models.CharField(
        _("topic"), max_length=20, choices=Topic.choices
    )
    audience: models.CharField[str, str] = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices
    )
    point: models.CharField[str, str] = models.CharField(
        _("point"), max_length=32, choices=Point.choices
    )
    document: models.ForeignKey[Any, Any] = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("file"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    link: models.URLField[str, str] = models.URLField(_("external link"), blank=True)
    recording: models.ForeignKey[Any, Any] = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("recording"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("An audio file (MP3 or WAV), played on the page."),
    )
    credit_note: models.CharField[str, str] = models.CharField(
        _("please credit"),
        max_length=300,
        blank=True,
        help_text=_("When the publisher requires attribution: how to credit them."),
    )
    last_updated: models.DateField[Any, Any] = models.DateField(
        _("last updated"), default=timezone.localdate
    )

    content_panels = [
        *LocalizedPage.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldPanel("kind"), FieldPanel("topic"), FieldPanel("audience"), FieldPanel("point")],
            heading=_("Filters"),
        ),
        MultiFieldPanel(
            [FieldPanel("document"), FieldPanel("link"), FieldPanel("recording")],
            heading=_("The resource (at least one)"),
        ),
        FieldPanel("credit_note"),
        FieldPanel("last_updated"),
        FieldPanel("body"),
    ]
    search_fields = [
        *LocalizedPage.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("kind"),
        index.FilterField("topic"),
        index.FilterField("audience"),
        index.FilterField("point"),
    ]
    parent_page_types = ["pages.ToolkitIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("toolkit resource")

    def clean(self) -> None:
        super().clean()
        if not (self.document_id or self.link or self.recording_id):
            raise ValidationError(_("Give the resource a file, an external link or a recording."))
