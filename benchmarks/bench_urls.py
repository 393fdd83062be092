"""URLs for benchmarks: the project's own plus ``/bench/bare``, a view that does nothing.

The bare view runs through the same middleware stack on the same server, so the ratio of a real
endpoint to it is what the endpoint itself costs.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from heatwatch.urls import handler400, handler403, handler404, handler500
from heatwatch.urls import urlpatterns as project_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), *project_urlpatterns]
