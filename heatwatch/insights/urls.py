from django.urls import URLPattern, URLResolver, path

from heatwatch.insights import views

app_name = "insights"

# /staff/insights/
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("partner/", views.partner, name="partner"),
    path("snapshots/", views.snapshots, name="snapshots"),
    path("snapshots/refresh/", views.refresh, name="refresh"),
    path("snapshots/<int:pk>/", views.snapshot, name="snapshot"),
    path("snapshots/<int:pk>/publish/", views.publish, name="publish"),
    path("snapshots/<int:pk>/discard/", views.discard, name="discard"),
    path("reports/", views.grant_reports, name="reports"),
    path("reports/export.<str:fmt>", views.grant_report_export, name="report_export"),
]

# Public pages (English at /, Spanish under /es/), namespace insights_public: under /data/
public_urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.data_page, name="data"),
    path("data.csv", views.data_csv, name="csv"),
    path("tables/<str:table>.csv", views.table_csv, name="table_csv"),
    path("charts/<int:snapshot_id>/<str:table>.svg", views.chart, name="chart"),
]
