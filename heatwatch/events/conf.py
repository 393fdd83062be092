"""The events settings added by the second slice of issue 12, read when code runs.

They belong in heatwatch/settings.py (from the environment, docs/configuration.md) with the
other ``HEATWATCH_EVENT_*`` settings; until the lead moves them there, the defaults live here
and only here (one default per setting), and settings.py overrides them when it has them.
"""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # How long a place freed for the next person on the waitlist is held for them.
    "HEATWATCH_EVENT_HOLD_HOURS": 48,
    # How long after an event its registrants' names, e-mails and needs are erased.
    "HEATWATCH_EVENT_PURGE_DAYS": 365,
    # How long a follow-up survey link works after it is sent.
    "HEATWATCH_EVENT_SURVEY_LINK_DAYS": 30,
    # The most places an event may let one registration take.
    "HEATWATCH_EVENT_MAX_PLACES": 20,
}


def get(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))
