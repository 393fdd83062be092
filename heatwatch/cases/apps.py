from datetime import timedelta

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "heatwatch.cases"
    label = "cases"
    verbose_name = "Coordinated case response"

    def ready(self) -> None:
        from heatwatch.cases import tasks
        from heatwatch.core import scheduling

        scheduling.register(
            "cases.refresh_alerts", every=timedelta(minutes=15), task=tasks.refresh_alerts
        )
