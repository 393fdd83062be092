from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "heatwatch.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        from two_factor.plugins.registry import GeneratorMethod, registry

        from heatwatch.accounts import receivers  # noqa: F401  (connects auth signals)
        from heatwatch.accounts.models import TOTPAuthenticator

        class EncryptedGeneratorMethod(GeneratorMethod):
            """The authenticator-app method, with devices whose seeds are encrypted."""

            def get_devices(self, user: Any) -> Any:
                return TOTPAuthenticator.objects.filter(user=user)

            def recognize_device(self, device: Any) -> bool:
                return isinstance(device, TOTPAuthenticator)

        # The setup wizard's form is still two_factor's TOTPDeviceForm; the setup view
        # (accounts.views.EnrolSetupView) stores the device through accounts.services.
        registry.unregister("generator")
        registry.register(EncryptedGeneratorMethod())

        from datetime import timedelta

        from heatwatch.accounts import tasks
        from heatwatch.core import scheduling

        scheduling.register(
            "accounts.purge_sign_in_attempts",
            every=timedelta(hours=1),
            task=tasks.purge_sign_in_attempts,
        )
