"""The news feed (/news/feed.xml, RSS 2.0) and the podcast feed (/podcast/feed.xml, RSS 2.0 with
the iTunes tags podcast apps need), per language, built with feedgen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from feedgen.feed import FeedGenerator
from wagtail.models import Site

from heatwatch.lib.links import absolute_url
from heatwatch.pages import cache
from heatwatch.pages.branding import program_for_request
from heatwatch.pages.chrome import localized_path, page_url
from heatwatch.pages.models import NewsIndexPage, PodcastIndexPage
from heatwatch.pages.models._base import active_language

FEED_ITEMS = 50


def _index(request: HttpRequest, model: type[Any]) -> Any:
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    index = (
        model.objects.live()
        .public()
        .filter(path__startswith=site.root_page.path, locale__language_code=settings.LANGUAGE_CODE)
        .first()
    )
    # None when there is no listing page yet: the feed is then valid and empty
    return index.localized.specific if index is not None else None


def _absolute(request: HttpRequest, page: Any) -> str:
    return absolute_url(page_url(page, request=request))


def _date(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def news_feed(request: HttpRequest) -> HttpResponse:
    index = _index(request, NewsIndexPage)
    program = program_for_request(request)
    feed = FeedGenerator()
    title = index.title if index is not None else _("News")
    feed.title(f"{program['name']}: {title}")
    feed.link(href=_absolute(request, index) if index else absolute_url(localized_path("/")))
    feed.description((index.search_description if index else "") or str(title))
    feed.language(active_language())
    posts = list(index.posts()[:FEED_ITEMS]) if index is not None else []
    for post in posts[::-1]:
        entry = feed.add_entry()
        link = _absolute(request, post)
        entry.id(link)
        entry.guid(link, permalink=True)
        entry.title(post.title)
        entry.link(href=link)
        entry.description(post.summary)
        entry.author({"name": post.author, "email": program["contact_email"]})
        entry.pubDate(_date(post.date))
        for tag in post.tags.all():
            entry.category(term=tag.name)
    cache.mark_cacheable(request)
    return HttpResponse(
        feed.rss_str(pretty=True), content_type="application/rss+xml; charset=utf-8"
    )


def podcast_feed(request: HttpRequest) -> HttpResponse:
    index = _index(request, PodcastIndexPage)
    program = program_for_request(request)
    feed = FeedGenerator()
    feed.load_extension("podcast")
    title = index.title if index is not None else _("Podcast")
    description = (index.description if index is not None else "") or str(title)
    feed.title(f"{program['name']}: {title}" if index is None else title)
    feed.link(href=_absolute(request, index) if index else absolute_url(localized_path("/")))
    feed.description(description)
    feed.language(active_language())
    author = (index.author if index is not None else "") or program["name"]
    feed.author({"name": author, "email": program["contact_email"]})
    feed.podcast.itunes_author(author)
    feed.podcast.itunes_explicit("no")
    feed.podcast.itunes_category("Government")
    feed.podcast.itunes_summary(description)
    feed.podcast.itunes_owner(name=program["name"], email=program["contact_email"])
    episodes = list(index.episodes()[:FEED_ITEMS]) if index is not None else []
    for episode in episodes[::-1]:
        if episode.audio is None:
            continue
        entry = feed.add_entry()
        link = _absolute(request, episode)
        entry.id(link)
        entry.guid(link, permalink=True)
        entry.title(episode.title)
        entry.link(href=link)
        entry.description(episode.show_notes)
        entry.pubDate(_date(episode.date))
        entry.enclosure(
            absolute_url(episode.audio.url),
            str(episode.audio.get_file_size() or 0),
            episode.audio_type,
        )
        entry.podcast.itunes_duration(episode.duration_seconds)
        entry.podcast.itunes_explicit("yes" if episode.explicit else "no")
        entry.podcast.itunes_episode(episode.episode_number)
    cache.mark_cacheable(request)
    return HttpResponse(
        feed.rss_str(pretty=True), content_type="application/rss+xml; charset=utf-8"
    )
