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
        # The audit app stands below core, so its periodic job is registered here.
        from heatwatch.audit import tasks as audit_tasks

        scheduling.register(
            "audit.write_checkpoint", every=timedelta(hours=1), task=audit_tasks.write_checkpoint
        )
