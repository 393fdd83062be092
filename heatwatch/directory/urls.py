from django.urls import path

from heatwatch.directory import views

app_name = "directory"

# Staff pages, mounted at /staff/directory/.
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/capacity/", views.capacity, name="capacity"),
    path("<int:pk>/active/", views.set_active, name="set_active"),
]

# The public list of services, mounted at /directory/ (and /es/directory/).
public_urlpatterns = [
    path("", views.public_list, name="list"),
]
