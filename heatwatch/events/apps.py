from datetime import timedelta

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "heatwatch.events"
    label = "events"
    verbose_name = "Trainings and events"

    def ready(self) -> None:
        from heatwatch.core import scheduling
        from heatwatch.events import tasks

        scheduling.register(
            "events.expire_holds", every=timedelta(minutes=5), task=tasks.expire_holds
        )
        scheduling.register(
            "events.send_surveys", every=timedelta(hours=1), task=tasks.send_surveys
        )
        scheduling.register(
            "events.purge_personal_data", every=timedelta(hours=24), task=tasks.purge_personal_data
        )
