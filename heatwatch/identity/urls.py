from django.urls import path

from heatwatch.identity import views

app_name = "identity"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("people/<int:person_id>/compare/<int:other_id>/", views.compare, name="compare"),
    path("duplicates/", views.duplicate_queue, name="queue"),
    path("duplicates/<int:candidate_id>/", views.duplicate_review, name="duplicate"),
    path("merges/", views.merge_history, name="merges"),
    path("merges/<int:merge_id>/undo/", views.merge_undo, name="merge_undo"),
]
