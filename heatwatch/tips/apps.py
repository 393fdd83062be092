from django.apps import AppConfig


class TipsConfig(AppConfig):
    name = "heatwatch.tips"
    label = "tips"
    verbose_name = "Tip line"
