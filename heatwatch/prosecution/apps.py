from django.apps import AppConfig


class ProsecutionConfig(AppConfig):
    name = "heatwatch.prosecution"
    label = "prosecution"
    verbose_name = "Prosecution and youth court"
