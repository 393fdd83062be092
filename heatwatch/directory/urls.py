from django.urls import path  # noqa: F401

app_name = "directory"

urlpatterns: list = []  # staff pages, mounted at /staff/directory/

public_urlpatterns: list = []  # the public list of services, mounted at /directory/
