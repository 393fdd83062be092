"""``heatwatch demo-code USER``: the current two-factor code of a demo login."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from heatwatch.accounts.models import TOTPAuthenticator
from heatwatch.accounts.seed import is_demo_account


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo user's authenticator (never in production)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo-code is disabled in production.")
        device = (
            TOTPAuthenticator.objects.filter(
                user__username=options["username"], name="default", confirmed=True
            )
            .select_related("user")
            .order_by("pk")
            .first()
        )
        # Only the seeded, synthetic accounts: never a code for anybody else's authenticator.
        if device is None or not is_demo_account(device.user):
            raise CommandError(
                f"No demo authenticator for {options['username']!r}; "
                "run `heatwatch seed --demo` first."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
