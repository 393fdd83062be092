from django.urls import path

from heatwatch.events import views
from heatwatch.events.views import training_requests

app_name = "events"

# /staff/events/
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("new/", views.staff_create, name="create"),
    path("series/new/", views.staff_series_create, name="series_create"),
    path("series/<int:pk>/", views.staff_series_edit, name="series_edit"),
    path("trained/", views.staff_trained, name="trained"),
    path("reports/", views.staff_reports, name="reports"),
    path("reports.csv", views.staff_reports_csv, name="reports_csv"),
    path("requests/", training_requests.staff_requests, name="requests"),
    path("requests/<int:pk>/", training_requests.staff_request_detail, name="request_detail"),
    path(
        "requests/<int:pk>/accept/", training_requests.staff_request_accept, name="request_accept"
    ),
    path(
        "requests/<int:pk>/decline/",
        training_requests.staff_request_decline,
        name="request_decline",
    ),
    path("<int:pk>/", views.staff_detail, name="detail"),
    path("<int:pk>/edit/", views.staff_edit, name="edit"),
    path("<int:pk>/cancel/", views.staff_cancel_event, name="cancel_event"),
    path("<int:pk>/walk-in/", views.staff_walk_in, name="walk_in"),
    path("<int:pk>/attendance/", views.staff_attendance, name="attendance"),
    path("<int:pk>/survey/", views.staff_survey, name="survey"),
    path("<int:pk>/sign-in-sheet.pdf", views.staff_sign_in_sheet, name="sign_in_sheet"),
    path("<int:pk>/materials/", views.staff_material_add, name="material_add"),
    path(
        "<int:pk>/materials/<int:material_pk>/remove/",
        views.staff_material_remove,
        name="material_remove",
    ),
    path(
        "<int:pk>/registrations/<int:registration_pk>/check-in/",
        views.staff_check_in,
        name="check_in",
    ),
    path(
        "<int:pk>/registrations/<int:registration_pk>/cancel/",
        views.staff_cancel,
        name="cancel",
    ),
]

# /events/ (and /es/events/), namespace events_public
public_urlpatterns = [
    path("", views.event_list, name="list"),
    path("calendar.ics", views.calendar_feed, name="calendar"),
    path("registration/<str:key>/", views.manage, name="manage"),
    path("registration/<str:key>/accept/", views.accept, name="accept"),
    path("survey/<str:key>/", views.survey, name="survey"),
    path("<slug:key>/", views.event_detail, name="detail"),
    path("<slug:key>/event.ics", views.event_ics, name="ics"),
]

# /training/ (and /es/training/), namespace training_public
training_urlpatterns = [
    path("request/", training_requests.training_request, name="request"),
    path("request/<str:key>/", training_requests.training_request_manage, name="manage"),
]
