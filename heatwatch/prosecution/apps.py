from django.apps import AppConfig


class ProsecutionConfig(AppConfig):
    name = "heatwatch.prosecution"
    label = "prosecution"
    verbose_name = "Prosecution and youth court"

    def ready(self) -> None:
        # Prosecution builds on cases: the case page's docket section and the youth-court
        # status of the case page and the MDT briefing go through cases.extensions, so cases
        # and meetings never import prosecution.
        from heatwatch.cases import extensions
        from heatwatch.prosecution import selectors

        extensions.register_case_section(
            "prosecution",
            template="prosecution/_case_docket.html",
            context=selectors.case_section_context,
        )
        extensions.register_court_status(
            "prosecution", lambda case: selectors.youth_court_status(case=case)
        )
