from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "heatwatch.core"
    label = "core"
    verbose_name = "Heatwatch core"

    def ready(self) -> None:
        # Malformed field or index keys stop every process at start-up with a clear message,
        # rather than at the first encrypted read.
        from heatwatch.lib.crypto import check_keys

        check_keys()

        from datetime import timedelta

        from heatwatch.core import scheduling, tasks

        scheduling.register(
            "core.prune_rate_limits", every=timedelta(hours=1), task=tasks.prune_rate_limits
        )
