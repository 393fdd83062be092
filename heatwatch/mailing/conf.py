"""The mailing settings added with sending at scale, bounces and notifications.

They belong in heatwatch/settings.py (read from the environment; docs/configuration.md lists
them). Until the lead adds them there, :func:`get` falls back to the documented defaults
below, which are the same values settings.py is asked to use; once they are there this
fallback is never used.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Messages per second a worker hands to SMTP (0: as fast as the server takes them).
    "HEATWATCH_MAILING_RATE_PER_SECOND": 0.0,
    # The envelope sender's base, e.g. bounces@bayview.example: each message is sent from
    # bounces+<delivery>-<hmac>@bayview.example (VERP). Empty: the From address, no VERP.
    "HEATWATCH_MAILING_BOUNCE_ADDRESS": "",
    # DKIM signing (all three, or none): the domain (d=), the selector (s=), the PEM key.
    "HEATWATCH_MAILING_DKIM_DOMAIN": "",
    "HEATWATCH_MAILING_DKIM_SELECTOR": "",
    "HEATWATCH_MAILING_DKIM_PRIVATE_KEY": "",
    # Soft bounces within the window (days) that suppress an address.
    "HEATWATCH_MAILING_SOFT_BOUNCE_LIMIT": 3,
    "HEATWATCH_MAILING_SOFT_BOUNCE_WINDOW_DAYS": 30,
    # E-mail the coordinators when someone confirms a subscription.
    "HEATWATCH_MAILING_NOTIFY_COORDINATORS": False,
}


def get(name: str) -> Any:
    """The setting ``name`` (read when called, never at import)."""
    return getattr(settings, name, DEFAULTS[name])
