from django.urls import URLPattern, URLResolver

app_name = "community"

# /staff/community/
urlpatterns: list[URLPattern | URLResolver] = []

# Public pages (English at /, Spanish under /es/), namespace community_public
public_urlpatterns: list[URLPattern | URLResolver] = []
