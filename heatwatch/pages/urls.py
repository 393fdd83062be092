"""Public routes of the pages app that are not Wagtail pages (mounted under i18n_patterns)."""

from django.urls import path

from heatwatch.pages import feeds, posters, views

app_name = "pages_public"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("news/feed.xml", feeds.news_feed, name="news_feed"),
    path("podcast/feed.xml", feeds.podcast_feed, name="podcast_feed"),
    path("posters/", posters.poster_list, name="posters"),
    path("posters/<slug:template>-<slug:size>.pdf", posters.poster_pdf, name="poster_pdf"),
]
