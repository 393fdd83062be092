"""Root URLs. The paths of DESIGN.md §8 are a contract: do not move them."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from two_factor.urls import urlpatterns as two_factor_urls
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from heatwatch.accounts.admin import admin_site
from heatwatch.api.api import api
from heatwatch.api.api import not_found as api_not_found
from heatwatch.community.urls import public_urlpatterns as community_public_urls
from heatwatch.core import views as core_views
from heatwatch.directory.urls import public_urlpatterns as directory_public_urls
from heatwatch.events.urls import public_urlpatterns as events_public_urls
from heatwatch.events.urls import training_urlpatterns as training_public_urls
from heatwatch.insights.urls import public_urlpatterns as insights_public_urls
from heatwatch.mailing.urls import public_urlpatterns as mailing_public_urls
from heatwatch.pages import urls as pages_public_urls
from heatwatch.tips.urls import public_urlpatterns as tips_public_urls

handler400 = "heatwatch.core.views.bad_request"
handler403 = "heatwatch.core.views.permission_denied"
handler404 = "heatwatch.core.views.page_not_found"
handler500 = "heatwatch.core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("staff/identity/", include("heatwatch.identity.urls")),
    path("staff/tips/", include("heatwatch.tips.urls")),
    path("staff/directory/", include("heatwatch.directory.urls")),
    path("staff/cases/", include("heatwatch.cases.urls")),
    path("staff/meetings/", include("heatwatch.meetings.urls")),
    path("staff/mailing/", include("heatwatch.mailing.urls")),
    path("staff/events/", include("heatwatch.events.urls")),
    path("staff/screening/", include("heatwatch.screening.urls")),
    path("staff/prosecution/", include("heatwatch.prosecution.urls")),
    path("staff/community/", include("heatwatch.community.urls")),
    path("staff/insights/", include("heatwatch.insights.urls")),
    path("staff/audit/", include("heatwatch.audit.urls")),
    path("staff/", include("heatwatch.accounts.urls")),
    path("staff/", include(two_factor_urls)),
    path("staff/admin/", admin_site.urls),
    # Wagtail's own password-only login would bypass two-factor authentication.
    path("cms/login/", RedirectView.as_view(pattern_name="two_factor:login", query_string=True)),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
]

# Public pages: English at /, Spanish under /es/ (same paths).
urlpatterns += i18n_patterns(
    path("", include((tips_public_urls, "tips_public"))),
    path("", include((mailing_public_urls, "mailing_public"))),
    path("directory/", include((directory_public_urls, "directory_public"))),
    path("events/", include((events_public_urls, "events_public"))),
    path("training/", include((training_public_urls, "training_public"))),
    path("community/", include((community_public_urls, "community_public"))),
    path("data/", include((insights_public_urls, "insights_public"))),
    # site search, the news and podcast feeds, printable posters (the rest are Wagtail pages)
    path("", include(pages_public_urls)),
    # Wagtail's front-end login (for private pages) would be a password-only door.
    path("_util/login/", RedirectView.as_view(pattern_name="two_factor:login", query_string=True)),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
