from django.urls import URLPattern, URLResolver

app_name = "insights"

# /staff/insights/
urlpatterns: list[URLPattern | URLResolver] = []

# Public pages (English at /, Spanish under /es/), namespace insights_public
public_urlpatterns: list[URLPattern | URLResolver] = []
