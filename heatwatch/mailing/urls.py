from django.urls import path

from heatwatch.mailing import views

app_name = "mailing"

urlpatterns = [
    path("", views.newsletters, name="newsletters"),
    path("<int:pk>/", views.newsletter, name="newsletter"),
    path("<int:pk>/send/", views.newsletter_send, name="send"),
    path("<int:pk>/pause/", views.newsletter_pause, name="pause"),
    path("<int:pk>/resume/", views.newsletter_resume, name="resume"),
    path("<int:pk>/schedule/", views.newsletter_schedule, name="schedule"),
    path("<int:pk>/unschedule/", views.newsletter_unschedule, name="unschedule"),
    path("<int:pk>/test/", views.newsletter_test, name="test"),
    path("<int:pk>/preview/", views.newsletter_preview, name="preview"),
    path("notices/<int:event_pk>/", views.notice_create, name="notice"),
    path("subscribers/", views.subscribers, name="subscribers"),
    path("subscribers/import/", views.subscribers_import, name="import"),
    path("subscribers/export/", views.subscribers_export, name="export"),
    path("subscribers/<int:pk>/unsuppress/", views.subscriber_unsuppress, name="unsuppress"),
]

public_urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("subscribe/preferences/<str:token>/", views.preferences, name="preferences"),
    path("subscribe/preferences/<str:token>/data/", views.download, name="download"),
    path("subscribe/preferences/<str:token>/erase/", views.erase, name="erase"),
    path("unsubscribe/one-click/<str:token>/", views.one_click, name="one_click"),
    path("newsletter/", views.archive, name="archive"),
    path("newsletter/<int:pk>/", views.archive_issue, name="archive_issue"),
]
