from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "heatwatch.api"
    label = "api"
    verbose_name = "REST API"
