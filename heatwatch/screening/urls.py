from django.urls import URLPattern, URLResolver, path

from heatwatch.screening import views

app_name = "screening"

# /staff/screening/
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("new/", views.start, name="start"),
    path("referrals/", views.referrals, name="referrals"),
    path("<int:pk>/", views.result, name="result"),
    path("<int:pk>/save/", views.save, name="save"),
    path("<int:pk>/complete/", views.complete, name="complete"),
    path("<int:pk>/refer/", views.refer, name="refer"),
    path("<int:pk>/intake/", views.intake, name="intake"),
    path("<int:pk>/attach/", views.attach, name="attach"),
]

# Public pages (English at /, Spanish under /es/), namespace screening_public
public_urlpatterns: list[URLPattern | URLResolver] = []
