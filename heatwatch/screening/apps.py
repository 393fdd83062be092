from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "heatwatch.screening"
    label = "screening"
    verbose_name = "Screening"

    def ready(self) -> None:
        # Screening builds on cases: its results reach the case page and the coordinators'
        # case list through cases.extensions, so cases never imports screening.
        from heatwatch.cases import extensions
        from heatwatch.screening import selectors

        extensions.register_case_section(
            "screening",
            template="screening/_case_section.html",
            context=selectors.case_section_context,
        )
        extensions.register_case_list_section(
            "screening",
            template="screening/_case_list_section.html",
            context=selectors.case_list_section_context,
        )
