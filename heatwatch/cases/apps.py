from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "heatwatch.cases"
    label = "cases"
    verbose_name = "Coordinated case response"
