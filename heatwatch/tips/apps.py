from datetime import timedelta

from django.apps import AppConfig


class TipsConfig(AppConfig):
    name = "heatwatch.tips"
    label = "tips"
    verbose_name = "Tip line"

    def ready(self) -> None:
        from heatwatch.core import scheduling
        from heatwatch.tips import tasks

        scheduling.register(
            "tips.escalate_untriaged", every=timedelta(minutes=1), task=tasks.escalate_untriaged
        )
        scheduling.register(
            "tips.escalate_unacknowledged_referrals",
            every=timedelta(minutes=1),
            task=tasks.escalate_unacknowledged_referrals,
        )
        scheduling.register(
            "tips.alert_overdue_replies",
            every=timedelta(minutes=15),
            task=tasks.alert_overdue_replies,
        )
        scheduling.register(
            "tips.purge_closed_tips", every=timedelta(hours=6), task=tasks.purge_closed_tips
        )
