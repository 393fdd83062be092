from django.urls import URLPattern, URLResolver

app_name = "screening"

# /staff/screening/
urlpatterns: list[URLPattern | URLResolver] = []

# Public pages (English at /, Spanish under /es/), namespace screening_public
public_urlpatterns: list[URLPattern | URLResolver] = []
