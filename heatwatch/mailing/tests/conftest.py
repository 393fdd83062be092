"""Fixtures of the mailing tests: a real local SMTP sink, signed-up subscribers, form posts."""

from __future__ import annotations

import email
import re
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings

from heatwatch.mailing import services
from heatwatch.mailing.models import Subscriber

TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes = b""


@dataclass
class Sink:
    """An aiosmtpd handler that keeps every message; ``refuse`` names addresses it rejects."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    defer: set[str] = field(default_factory=set)  # answered 451 (try again later)
    # Refused after the message's final dot (a content filter): 554, or 452 when also in defer.
    refuse_data: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: No such user here"
        if address in self.defer:
            return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.refuse_data & set(envelope.rcpt_tos):
            return "554 5.7.1 Message refused by the content filter"
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        self.received.append(
            Received(
                envelope.mail_from, list(envelope.rcpt_tos), message, envelope.original_content
            )
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.rcpt_tos]

    def per_recipient(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.received:
            for rcpt in r.rcpt_tos:
                counts[rcpt] = counts.get(rcpt, 0) + 1
        return counts


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_sink():
    """A real SMTP server on 127.0.0.1 (an ephemeral port) that Django's SMTP backend sends to."""
    sink = Sink()
    port = _free_port()
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


@pytest.fixture
def visitor() -> Client:
    """A client that enforces CSRF checks and keeps no cookie (like a cookie-blocking browser)."""
    return Client(enforce_csrf_checks=True)


def form_token(response) -> str:
    match = TOKEN_RE.search(response.content.decode())
    assert match, "no form token on the page"
    return match.group(1)


SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"}


def make_subscriber(
    email_address: str,
    *,
    interests: tuple[str, ...] = ("newsletter",),
    language: str = "en",
    confirm: bool = True,
) -> Subscriber:
    """A subscriber signed up through the service (and confirmed, unless told not to)."""
    services.subscribe(
        data=services.SubscribeInput(
            email=email_address, interests=list(interests), language=language
        ),
        source_key=f"test-{email_address}",
    )
    subscriber = Subscriber.objects.get(email_index=services.email_index(email_address))
    if confirm:
        subscriber = services.confirm(subscriber=subscriber)
    return subscriber
