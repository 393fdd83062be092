from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "heatwatch.meetings"
    label = "meetings"
    verbose_name = "MDT meetings"
