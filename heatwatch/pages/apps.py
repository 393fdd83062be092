from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "heatwatch.pages"
    label = "pages"
    verbose_name = "Public pages"
