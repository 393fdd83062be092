from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "heatwatch.meetings"
    label = "meetings"
    verbose_name = "MDT meetings"

    def ready(self) -> None:
        # Meetings builds on cases: it adds to case pages and alerts through cases.extensions,
        # so cases never imports meetings.
        from heatwatch.cases import extensions
        from heatwatch.meetings import selectors

        extensions.register_alert_conditions("meetings", selectors.action_item_conditions)
        extensions.register_case_section(
            "meetings",
            template="meetings/_case_action_items.html",
            context=selectors.case_section_context,
        )
        extensions.register_case_list_section(
            "meetings",
            template="meetings/_case_list_action_items.html",
            context=selectors.case_list_section_context,
        )
