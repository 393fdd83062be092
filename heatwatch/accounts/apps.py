from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "heatwatch.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        from heatwatch.accounts import receivers  # noqa: F401  (connects auth signals)
