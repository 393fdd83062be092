"""Public pages (Wagtail): home, the five points, toolkit, learning pages, news, podcast,
policy tracker, and the program's settings. Coordinators edit them at /cms/ (docs/site.md)."""

from heatwatch.pages.models._base import (
    LocalizedPage,
    content_language,
    default_locale,
    localized_children,
)
from heatwatch.pages.models.choices import (
    Audience,
    Point,
    PolicyKind,
    PolicyStatus,
    PolicyTopic,
    RedFlagSetting,
    ResourceKind,
    Theme,
    Topic,
)
from heatwatch.pages.models.learn import GlossaryPage, MythsFactsPage, RedFlagsPage
from heatwatch.pages.models.news import (
    EpisodePage,
    NewsIndexPage,
    NewsPostPage,
    NewsPostTag,
    PodcastIndexPage,
)
from heatwatch.pages.models.policy import PolicyItemPage
from heatwatch.pages.models.program import ProgramSettings
from heatwatch.pages.models.site import HomePage, PointPage
from heatwatch.pages.models.toolkit import ResourcePage, ToolkitIndexPage

__all__ = [
    "Audience",
    "EpisodePage",
    "GlossaryPage",
    "HomePage",
    "LocalizedPage",
    "MythsFactsPage",
    "NewsIndexPage",
    "NewsPostPage",
    "NewsPostTag",
    "Point",
    "PointPage",
    "PodcastIndexPage",
    "PolicyItemPage",
    "PolicyKind",
    "PolicyStatus",
    "PolicyTopic",
    "ProgramSettings",
    "RedFlagSetting",
    "RedFlagsPage",
    "ResourceKind",
    "ResourcePage",
    "Theme",
    "Topic",
    "ToolkitIndexPage",
    "content_language",
    "default_locale",
    "localized_children",
]
