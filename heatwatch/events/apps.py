from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "heatwatch.events"
    label = "events"
    verbose_name = "Trainings and events"
