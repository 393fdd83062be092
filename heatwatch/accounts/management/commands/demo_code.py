"""``heatwatch demo-code USER``: the current two-factor code of a demo login."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from heatwatch.accounts.seed import PERSONAS


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo user's authenticator (never in production)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo-code is disabled in production.")
        # Only the demo personas: never a code for anybody else's authenticator.
        demo_users = {persona[0] for persona in PERSONAS}
        device = None
        if options["username"] in demo_users:
            device = (
                TOTPDevice.objects.filter(
                    user__username=options["username"], name="default", confirmed=True
                )
                .order_by("pk")
                .first()
            )
        if device is None:
            raise CommandError(
                f"No demo authenticator for {options['username']!r}; "
                "run `heatwatch seed --demo` first."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
