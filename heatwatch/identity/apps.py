from datetime import timedelta

from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "heatwatch.identity"
    label = "identity"
    verbose_name = "Identity matching"

    def ready(self) -> None:
        from heatwatch.core import scheduling
        from heatwatch.identity import tasks

        # Incremental: each run compares only the records changed since the last one.
        scheduling.register(
            "identity.scan_duplicates", every=timedelta(hours=1), task=tasks.scan_duplicates
        )
