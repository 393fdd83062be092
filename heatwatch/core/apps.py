from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "heatwatch.core"
    label = "core"
    verbose_name = "Heatwatch core"
