from django.urls import URLPattern, URLResolver, path

from heatwatch.prosecution import views

app_name = "prosecution"

# /staff/prosecution/
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.prosecution_list, name="list"),
    path("new/", views.prosecution_new, name="new"),
    path("<int:pk>/", views.prosecution_detail, name="detail"),
    path("<int:pk>/edit/", views.prosecution_edit, name="edit"),
    path("<int:pk>/charges/", views.charge_add, name="charge_add"),
    path("<int:pk>/stages/", views.stage_record, name="stage_record"),
    path("<int:pk>/youths/", views.youth_link, name="youth_link"),
    path("docket/", views.docket, name="docket"),
    path("docket/new/", views.hearing_new, name="hearing_new"),
    path("docket/<int:pk>/", views.hearing_detail, name="hearing"),
    path("docket/cases/<int:case_pk>/feed/", views.feed_issue, name="feed_issue"),
    path("docket/cases/<int:case_pk>/feed/revoke/", views.feed_revoke, name="feed_revoke"),
    path("entities/", views.entity_list, name="entities"),
    path("entities/<int:pk>/", views.entity_detail, name="entity"),
    path("entities/<int:pk>/links/", views.entity_link, name="entity_link"),
]

# Public pages (English at /, Spanish under /es/), namespace prosecution_public: none. The
# care team's private calendar feed is served under /api/prosecution (api.py), which needs no
# session (a calendar client has none) and is sent no-store.
public_urlpatterns: list[URLPattern | URLResolver] = []
