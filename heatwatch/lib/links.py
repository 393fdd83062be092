"""Absolute links to the platform's own pages, for e-mails (which have no request to build them
from). The base is the platform's public address, ``HEATWATCH_BASE_URL`` (settings), read when
used so a changed setting applies."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse()``, starting with "/") under the platform's public address."""
    return str(settings.HEATWATCH_BASE_URL).rstrip("/") + path
