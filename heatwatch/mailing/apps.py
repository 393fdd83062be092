from datetime import timedelta

from django.apps import AppConfig


class MailingConfig(AppConfig):
    name = "heatwatch.mailing"
    label = "mailing"
    verbose_name = "Mailing list"

    def ready(self) -> None:
        from heatwatch.core import scheduling
        from heatwatch.mailing import tasks

        scheduling.register(
            "mailing.purge_unconfirmed", every=timedelta(hours=6), task=tasks.purge_unconfirmed
        )
        scheduling.register(
            "mailing.resume_sending", every=timedelta(minutes=5), task=tasks.resume_sending
        )
        scheduling.register(
            "mailing.send_scheduled", every=timedelta(minutes=1), task=tasks.send_scheduled
        )
