from django.urls import URLPattern, URLResolver

app_name = "prosecution"

# /staff/prosecution/
urlpatterns: list[URLPattern | URLResolver] = []

# Public pages (English at /, Spanish under /es/), namespace prosecution_public
public_urlpatterns: list[URLPattern | URLResolver] = []
