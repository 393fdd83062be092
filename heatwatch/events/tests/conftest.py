"""Helpers for the events tests: events made through the service, registrations through the
public form."""

from __future__ import annotations

import datetime as dt
import email
import re
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from heatwatch.events import services

ZONE = ZoneInfo("America/Los_Angeles")
# The shared ``clock`` fixture freezes time at 2026-11-23 12:00 UTC.
START = dt.datetime(2026, 12, 10, 9, 0, tzinfo=ZONE)

PERSON = {
    "name": "Riley Sample",
    "email": "riley@example.test",
    "organisation": "Bayview Middle School",
    "audience": "school",
    "accessibility_needs": "",
    "website": "",
}


def event_input(**overrides) -> services.EventInput:
    values = {
        "kind": "training",
        "title": "Recognising the red flags",
        "starts_at": START,
        "ends_at": START + dt.timedelta(hours=3),
        "capacity": 2,
        "description": "What exploitation looks like, and what to do.",
        "audiences": ["school", "police"],
        "venue_address": "1 Civic Center Plaza, Bayview",
        "venue_room": "Room 4",
    }
    values.update(overrides)
    return services.EventInput(**values)


@pytest.fixture
def make_event(clock, personas):
    def make(**overrides):
        return services.event_create(data=event_input(**overrides), by=personas.coordinator)

    return make


@pytest.fixture
def register(client, clock):
    """POST the public registration form of ``event`` with PERSON overridden."""

    def post(event, *, path: str = "", **overrides):
        data = {**PERSON, **overrides}
        return client.post(path or f"/events/{event.public_key}/", data)

    return post


MANAGE_RE = re.compile(r"(/(?:es/)?events/registration/[^/\s]+/)")


def manage_path(message) -> str:
    match = MANAGE_RE.search(message.body)
    assert match, "no personal link in the e-mail"
    return match.group(1)


@dataclass
class Sink:
    """An aiosmtpd handler that keeps every message it is sent (a real local SMTP server)."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.received if address in rcpts]


@pytest.fixture
def smtp_sink():
    """A real SMTP server on 127.0.0.1 (an ephemeral port) that Django's SMTP backend uses."""
    sink = Sink()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=10,
        ):
            yield sink
    finally:
        controller.stop()
