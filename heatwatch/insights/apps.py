from datetime import timedelta

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "heatwatch.insights"
    label = "insights"
    verbose_name = "Data and insights"

    def ready(self) -> None:
        from heatwatch.core import scheduling
        from heatwatch.insights import tasks

        scheduling.register("insights.refresh", every=timedelta(days=1), task=tasks.refresh)
