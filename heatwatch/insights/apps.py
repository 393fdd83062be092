from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "heatwatch.insights"
    label = "insights"
    verbose_name = "Data and insights"
