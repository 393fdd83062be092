from django.urls import path

from heatwatch.audit import views

app_name = "audit"

# Mounted at /staff/audit/.
urlpatterns = [
    path("", views.log, name="log"),
    path("export.csv", views.export, name="export"),
]
