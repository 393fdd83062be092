"""News and the newsletter archive (/news/, feed at /news/feed.xml) and the podcast
(/podcast/, feed at /podcast/feed.xml)."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.search import index

from heatwatch.pages.blocks import RICH_TEXT_FEATURES, ContentBlock
from heatwatch.pages.models._base import LocalizedPage, localized_children
from heatwatch.pages.models.toolkit import page_number

NEWS_PAGE_SIZE = 10
AUDIO_EXTENSIONS = {"mp3": "audio/mpeg", "wav": "audio/wav"}


class NewsIndexPage(LocalizedPage):
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*LocalizedPage.content_panels, FieldPanel("intro")]
    parent_page_types = ["pages.HomePage"]
    subpage_types = ["pages.NewsPostPage"]

    class Meta:
        verbose_name = _("news listing")

    def posts(self, *, tag: str = "") -> Any:
        qs = localized_children(self, NewsPostPage)
        if tag:
            qs = qs.filter(tags__slug=tag)
        return qs.prefetch_related("tags").order_by("-date", "-pk")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        tag = request.GET.get("tag", "")[:100]
        page_obj = Paginator(self.posts(tag=tag), NEWS_PAGE_SIZE).get_page(page_number(request))
        query = urlencode({"tag": tag}) if tag else ""
        context.update(tag=tag, page_obj=page_obj, posts=page_obj.object_list, query=query)
        return cast("dict[str, Any]", context)


class NewsPostTag(TaggedItemBase):
    content_object = ParentalKey(
        "pages.NewsPostPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class NewsPostPage(LocalizedPage):
    date: models.DateField[Any, Any] = models.DateField(_("date"), default=timezone.localdate)
    author: models.CharField[str, str] = models.CharField(_("author"), max_length=120)
    summary: models.TextField[str, str] = models.TextField(_("summary"), max_length=600)
    body = StreamField(ContentBlock(), blank=True)
    tags = ClusterTaggableManager(through=NewsPostTag, blank=True)

    content_panels = [
        *LocalizedPage.content_panels,
        MultiFieldPanel(
            [FieldPanel("date"), FieldPanel("author"), FieldPanel("tags")], heading=_("Post")
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *LocalizedPage.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("author"),
    ]
    parent_page_types = ["pages.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("news post")


class PodcastIndexPage(LocalizedPage):
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    description: models.TextField[str, str] = models.TextField(
        _("show description"), max_length=2000, help_text=_("Shown in podcast apps.")
    )
    author: models.CharField[str, str] = models.CharField(
        _("show author"), max_length=120, blank=True
    )

    content_panels = [
        *LocalizedPage.content_panels,
        FieldPanel("intro"),
        FieldPanel("description"),
        FieldPanel("author"),
    ]
    parent_page_types = ["pages.HomePage"]
    subpage_types = ["pages.EpisodePage"]

    class Meta:
        verbose_name = _("podcast")

    def episodes(self) -> Any:
        return (
            localized_children(self, EpisodePage)
            .select_related("audio")
            .order_by("-date", "-episode_number", "-pk")
        )

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        page_obj = Paginator(self.episodes(), NEWS_PAGE_SIZE).get_page(page_number(request))
        context.update(page_obj=page_obj, episodes=page_obj.object_list)
        return cast("dict[str, Any]", context)


class EpisodePage(LocalizedPage):
    date: models.DateField[Any, Any] = models.DateField(_("date"), default=timezone.localdate)
    episode_number: models.PositiveIntegerField[Any, Any] = models.PositiveIntegerField(
        _("episode number")
    )
    audio: models.ForeignKey[Any, Any] = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("audio file"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("MP3 or WAV."),
    )
    duration_seconds: models.PositiveIntegerField[Any, Any] = models.PositiveIntegerField(
        _("duration (seconds)")
    )
    show_notes = RichTextField(_("show notes"), features=RICH_TEXT_FEATURES)
    transcript: models.TextField[str, str] = models.TextField(
        _("transcript"), help_text=_("Everything said in the episode, for people who read it.")
    )
    explicit: models.BooleanField[Any, Any] = models.BooleanField(_("explicit"), default=False)

    content_panels = [
        *LocalizedPage.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("date"),
                FieldPanel("episode_number"),
                FieldPanel("audio"),
                FieldPanel("duration_seconds"),
                FieldPanel("explicit"),
            ],
            heading=_("Episode"),
        ),
        FieldPanel("show_notes"),
        FieldPanel("transcript"),
    ]
    search_fields = [
        *LocalizedPage.search_fields,
        index.SearchField("show_notes"),
        index.SearchField("transcript"),
    ]
    parent_page_types = ["pages.PodcastIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("podcast episode")

    def clean(self) -> None:
        super().clean()
        if self.audio_id and self.audio is not None:
            if self.audio.file_extension.lower() not in AUDIO_EXTENSIONS:
                raise ValidationError({"audio": _("The audio file must be MP3 or WAV.")})

    @property
    def duration_display(self) -> str:
        minutes, seconds = divmod(self.duration_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"

    @property
    def audio_type(self) -> str:
        if self.audio is None:
            return ""
        return AUDIO_EXTENSIONS.get(self.audio.file_extension.lower(), "audio/mpeg")
