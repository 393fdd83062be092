from datetime import timedelta

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "heatwatch.cases"
    label = "cases"
    verbose_name = "Coordinated case response"

    def ready(self) -> None:
        from heatwatch.cases import selectors, tasks
        from heatwatch.core import scheduling
        from heatwatch.tips import extensions as tip_extensions

        scheduling.register(
            "cases.refresh_alerts", every=timedelta(minutes=15), task=tasks.refresh_alerts
        )
        # Tips never import cases: the tip page's link to its case goes through tips.extensions.
        tip_extensions.register_case_links(
            existing=selectors.case_reference_existing, visible=selectors.case_linked_from_tip
        )
