from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "heatwatch.community"
    label = "community"
    verbose_name = "Community programs"
