from django.urls import path

from heatwatch.mailing import views

app_name = "mailing"

urlpatterns = [
    path("", views.newsletters, name="newsletters"),
    path("<int:pk>/", views.newsletter, name="newsletter"),
    path("<int:pk>/send/", views.newsletter_send, name="send"),
]

public_urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("subscribe/preferences/<str:token>/", views.preferences, name="preferences"),
    path("subscribe/preferences/<str:token>/data/", views.download, name="download"),
    path("subscribe/preferences/<str:token>/erase/", views.erase, name="erase"),
    path("unsubscribe/one-click/<str:token>/", views.one_click, name="one_click"),
]
