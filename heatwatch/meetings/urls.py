from django.urls import path

from heatwatch.meetings import views

app_name = "meetings"

# Mounted at /staff/meetings/.
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("actions/", views.my_actions, name="actions"),
    path("actions/<int:action_pk>/done/", views.action_done, name="action_done"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/briefing/", views.briefing_all, name="briefing"),
    path("<int:pk>/agenda/propose/", views.agenda_propose, name="agenda_propose"),
    path("<int:pk>/agenda/add/", views.agenda_add, name="agenda_add"),
    path("<int:pk>/agenda/<int:item_pk>/remove/", views.agenda_remove, name="agenda_remove"),
    path("<int:pk>/agenda/<int:item_pk>/move/", views.agenda_move, name="agenda_move"),
    path("<int:pk>/agenda/<int:item_pk>/notes/", views.agenda_notes, name="agenda_notes"),
    path("<int:pk>/agenda/<int:item_pk>/briefing/", views.briefing_item, name="briefing_item"),
    path("<int:pk>/attendees/", views.invite, name="invite"),
    path(
        "<int:pk>/attendees/<int:attendee_pk>/attendance/",
        views.attendance,
        name="attendance",
    ),
    path(
        "<int:pk>/attendees/<int:attendee_pk>/acknowledge/",
        views.acknowledge,
        name="acknowledge",
    ),
    path("<int:pk>/actions/", views.action_create, name="action_create"),
    path("<int:pk>/actions/<int:action_pk>/cancel/", views.action_cancel, name="action_cancel"),
]
