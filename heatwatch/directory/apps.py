from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "heatwatch.directory"
    label = "directory"
    verbose_name = "Partner service directory"
