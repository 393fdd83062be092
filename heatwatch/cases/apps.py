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
        # An officer's "youth recovered": the coordinators open the case intake from the tip's
        # page with this form and service (identity matching, the tip linked, the officer's
        # agency as referrer); the case list shows the recoveries waiting for it.
        from django.urls import reverse

        from heatwatch.cases import extensions
        from heatwatch.cases.forms import IntakeForm
        from heatwatch.cases.services import CaseError, IdentityCheckRequired
        from heatwatch.cases.services import intake as intake_services
        from heatwatch.tips import selectors as tip_selectors

        tip_extensions.register_recovery_intake(
            tip_extensions.RecoveryIntake(
                form=IntakeForm,
                open_case=intake_services.case_open_from_recovery,
                case_url=lambda case: reverse("cases:detail", args=[case.pk]),
                initial=intake_services.recovery_intake_initial,
                identity_check=IdentityCheckRequired,
                error=CaseError,
            )
        )
        # The possible-duplicates queue puts pairs where a youth has an open case first.
        from heatwatch.identity import extensions as identity_extensions

        identity_extensions.register_open_cases("cases", selectors.people_with_open_cases)
        extensions.register_case_list_section(
            "tips_recoveries",
            template="tips/_recoveries_waiting.html",
            context=tip_selectors.recoveries_waiting_context,
        )
