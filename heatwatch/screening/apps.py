from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "heatwatch.screening"
    label = "screening"
    verbose_name = "Screening"
