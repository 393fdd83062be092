"""The e-mails of the mailing list, built in the recipient's language.

Every message to a subscriber carries a visible unsubscribe link and a preference-centre link;
every newsletter also carries ``List-Unsubscribe`` (an HTTPS one-click URL holding the
subscriber's opaque token) with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
(RFC 8058), a Message-ID fixed per send record (so a resend after a crash can be recognised),
a plain-text part and an HTML part whose CSS is inlined with css-inline. No tracking pixels, no
rewritten links. Absolute links come from HEATWATCH_BASE_URL (lib.links).
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

import css_inline
import dkim
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.html import escape

from heatwatch.lib.links import absolute_url
from heatwatch.mailing import content, services
from heatwatch.mailing.models import Delivery, Newsletter, Subscriber

VERP_SALT = "heatwatch.mailing.verp"
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def _mail_domain() -> str:
    return urlsplit(str(settings.HEATWATCH_BASE_URL)).hostname or "localhost"


def message_id_for(delivery: Delivery) -> str:
    """The one Message-ID of a send record: the same on every attempt (docs/mailing.md)."""
    tag = hmac.new(
        settings.SECRET_KEY.encode(),
        f"mailing.delivery:{delivery.pk}".encode(),
        hashlib.sha256,
    ).hexdigest()[:16]
    return f"<newsletter-{delivery.newsletter_id}.{delivery.pk}.{tag}@{_mail_domain()}>"


def links_for(subscriber: Subscriber) -> dict[str, str]:
    """The subscriber's own links, in their language."""
    with translation.override(subscriber.language):
        return {
            "unsubscribe": absolute_url(
                reverse("mailing_public:one_click", args=[subscriber.unsubscribe_token])
            ),
            "preferences": absolute_url(
                reverse("mailing_public:preferences", args=[services.preferences_token(subscriber)])
            ),
        }


def _build(
    *,
    subscriber: Subscriber,
    template: str,
    subject: str,
    context: dict[str, Any],
    list_headers: bool,
    message_id: str = "",
) -> EmailMultiAlternatives:
    with translation.override(subscriber.language):
        context = {
            **context,
            "program": settings.HEATWATCH_PROGRAM,
            "links": links_for(subscriber),
            "LANGUAGE_CODE": subscriber.language,
        }
        text = render_to_string(f"mailing/email/{template}.txt", context)
        html = _INLINER.inline(render_to_string(f"mailing/email/{template}.html", context))
    headers: dict[str, str] = {}
    if message_id:
        headers["Message-ID"] = message_id
    if list_headers:
        headers["List-Unsubscribe"] = f"<{context['links']['unsubscribe']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[subscriber.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message


# --- newsletters ------------------------------------------------------------------------------

# Stand-ins for the reader's own links in a newsletter rendered once per language: plain
# letters, so no escaping or CSS inlining changes them.
_UNSUBSCRIBE_MARK = "HWLINKUNSUBSCRIBE0000"
_PREFERENCES_MARK = "HWLINKPREFERENCES0000"


_ADDRESS_MARK = "hwrecipient0000@recipient.invalid"
_MESSAGE_ID_MARK = "<hwmessageid0000@message.invalid>"
_DATE_MARK = "HWDATE0000"
_LINK_ARG_MARK = "HWTOKEN0000"


@dataclass(frozen=True)
class _Skeleton:
    subject: str
    text: str
    html: str
    head: bytes  # the message's headers, with marks where each reader's values go
    boundary: bytes


def _qp(body: str) -> bytes:
    """``body`` as a quoted-printable MIME part body (CRLF lines of at most 76 characters)."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").encode()
    return binascii.b2a_qp(lines, istext=True).replace(b"\n", b"\r\n")


class NewsletterRenderer:
    """Renders a newsletter once per (version, reader language) and fills in each reader's
    address, Message-ID and links: the worker's cost per message is string replacement and a
    quoted-printable encoding (and DKIM, when on), not templates, CSS inlining and the
    ``email`` package's serialiser.

    ``message`` gives the same newsletter as an ``EmailMultiAlternatives`` (for e-mail backends
    that are not SMTP, and as the reference ``message_bytes`` is tested against)."""

    def __init__(self, newsletter: Newsletter) -> None:
        self.newsletter = newsletter
        self._skeletons: dict[str, _Skeleton] = {}
        self._link_frames: dict[str, dict[str, str]] = {}

    def _links(self, subscriber: Subscriber) -> dict[str, str]:
        """``links_for(subscriber)``, with each language's addresses reversed once: the tokens
        (URL-safe Base64 and Django's signed values) need no quoting."""
        frames = self._link_frames.get(subscriber.language)
        if frames is None:
            with translation.override(subscriber.language):
                frames = {
                    name: absolute_url(reverse(f"mailing_public:{name}", args=[_LINK_ARG_MARK]))
                    for name in ("one_click", "preferences")
                }
            self._link_frames[subscriber.language] = frames
        return {
            "unsubscribe": frames["one_click"].replace(
                _LINK_ARG_MARK, subscriber.unsubscribe_token
            ),
            "preferences": frames["preferences"].replace(
                _LINK_ARG_MARK, services.preferences_token(subscriber)
            ),
        }

    def _skeleton(self, reader_language: str) -> _Skeleton:
        cached = self._skeletons.get(reader_language)
        if cached is not None:
            return cached
        version = content.frozen_or_render(self.newsletter, reader_language)
        marks = {"unsubscribe": _UNSUBSCRIBE_MARK, "preferences": _PREFERENCES_MARK}
        with translation.override(reader_language):
            context = {
                "newsletter": self.newsletter,
                "version": version,
                "program": settings.HEATWATCH_PROGRAM,
                "links": marks,
                "LANGUAGE_CODE": version["language"],
            }
            text = render_to_string("mailing/email/newsletter.txt", context)
            html = _INLINER.inline(render_to_string("mailing/email/newsletter.html", context))
        # The headers, built and checked by Django once (a subject with a line break fails
        # here, for every reader of the language); the body parts are written per reader.
        frame = EmailMultiAlternatives(
            subject=version["subject"],
            body="",
            to=[_ADDRESS_MARK],
            headers={
                "Date": _DATE_MARK,
                "Message-ID": _MESSAGE_ID_MARK,
                "List-Unsubscribe": f"<{_UNSUBSCRIBE_MARK}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        frame.attach_alternative("", "text/html")
        mime = frame.message()
        head = mime.as_bytes(linesep="\r\n").split(b"\r\n\r\n", 1)[0] + b"\r\n"
        skeleton = _Skeleton(
            subject=version["subject"],
            text=text,
            html=html,
            head=head,
            boundary=mime.get_boundary().encode(),
        )
        self._skeletons[reader_language] = skeleton
        return skeleton

    def _bodies(self, skeleton: _Skeleton, links: dict[str, str]) -> tuple[str, str]:
        text = skeleton.text.replace(_UNSUBSCRIBE_MARK, links["unsubscribe"]).replace(
            _PREFERENCES_MARK, links["preferences"]
        )
        html = skeleton.html.replace(_UNSUBSCRIBE_MARK, escape(links["unsubscribe"])).replace(
            _PREFERENCES_MARK, escape(links["preferences"])
        )
        return text, html

    def message(self, *, delivery: Delivery) -> EmailMultiAlternatives:
        """The newsletter to the subscriber of ``delivery``, with its fixed Message-ID."""
        subscriber = delivery.subscriber
        if subscriber is None:
            raise ValueError("the subscriber of this send record was erased")
        skeleton = self._skeleton(subscriber.language)
        links = self._links(subscriber)
        text, html = self._bodies(skeleton, links)
        message = EmailMultiAlternatives(
            subject=skeleton.subject,
            body=text,
            to=[subscriber.email],
            headers={
                "Message-ID": delivery.message_id or message_id_for(delivery),
                "List-Unsubscribe": f"<{links['unsubscribe']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(html, "text/html")
        return message

    def message_bytes(self, *, delivery: Delivery) -> bytes:
        """The same message, serialised for SMTP (CRLF line ends)."""
        subscriber = delivery.subscriber
        if subscriber is None:
            raise ValueError("the subscriber of this send record was erased")
        address = subscriber.email
        if not address.isascii() or "\n" in address or "\r" in address:
            # An internationalised address needs the email package's header encoding.
            return self.message(delivery=delivery).message().as_bytes(linesep="\r\n")
        skeleton = self._skeleton(subscriber.language)
        links = self._links(subscriber)
        text, html = self._bodies(skeleton, links)
        head = (
            skeleton.head.replace(_ADDRESS_MARK.encode(), address.encode())
            .replace(
                _MESSAGE_ID_MARK.encode(),
                (delivery.message_id or message_id_for(delivery)).encode(),
            )
            .replace(
                _DATE_MARK.encode(), formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode()
            )
            .replace(_UNSUBSCRIBE_MARK.encode(), links["unsubscribe"].encode())
        )
        part = b'Content-Type: text/%s; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        part += b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        line = b"--" + skeleton.boundary + b"\r\n"
        return b"".join(
            (
                head,
                b"\r\n",
                line,
                part % b"plain",
                _qp(text),
                b"\r\n",
                line,
                part % b"html",
                _qp(html),
                b"\r\n--" + skeleton.boundary + b"--\r\n",
            )
        )


def newsletter_message(*, delivery: Delivery) -> EmailMultiAlternatives:
    """One newsletter to one subscriber (the send record must have its subscriber)."""
    return NewsletterRenderer(delivery.newsletter).message(delivery=delivery)


def preview_message(*, newsletter: Newsletter, to: str, language: str) -> EmailMultiAlternatives:
    """A test copy of a newsletter for the coordinator's own address, in ``language``.

    Its links are stand-ins pointing at the subscription page (the coordinator is not a
    subscriber), and it carries no List-Unsubscribe header.
    """
    version = content.frozen_or_render(newsletter, language)
    with translation.override(language):
        subscribe = absolute_url(reverse("mailing_public:subscribe"))
        context = {
            "newsletter": newsletter,
            "version": version,
            "program": settings.HEATWATCH_PROGRAM,
            "links": {"unsubscribe": subscribe, "preferences": subscribe},
            "LANGUAGE_CODE": version["language"],
            "test_copy": True,
        }
        text = render_to_string("mailing/email/newsletter.txt", context)
        html = _INLINER.inline(render_to_string("mailing/email/newsletter.html", context))
        subject = translation.gettext("[Test] %(subject)s") % {"subject": version["subject"]}
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def preview_html(*, newsletter: Newsletter, language: str) -> str:
    """The newsletter as its readers of ``language`` would see it, for the browser preview."""
    return str(
        preview_message(
            newsletter=newsletter, to="preview@invalid", language=language
        ).alternatives[0][0]
    )


# --- envelope: VERP and DKIM --------------------------------------------------------------------

_VERP = re.compile(r"^(?P<local>[^@+]+)\+(?P<pk>\d{1,12})-(?P<sig>[0-9a-f]{20})@(?P<domain>.+)$")


def _verp_signature(pk: int) -> str:
    return salted_hmac(VERP_SALT, str(pk), algorithm="sha256").hexdigest()[:20]


def envelope_sender(delivery: Delivery) -> str:
    """The envelope sender (Return-Path) of one send record: with a bounce address set, a
    VERP address carrying the record's number and an HMAC of it, so a bounce names its
    subscriber and cannot be forged; otherwise the From address."""
    base = str(settings.HEATWATCH_MAILING_BOUNCE_ADDRESS or "")
    if not base or "@" not in base:
        return str(settings.DEFAULT_FROM_EMAIL)
    local, domain = base.rsplit("@", 1)
    return f"{local}+{delivery.pk}-{_verp_signature(delivery.pk)}@{domain}"


def delivery_from_verp(address: str) -> int | None:
    """The send-record number a VERP address carries, or None when it is not one of ours or
    its signature is wrong (forged or altered)."""
    match = _VERP.match(address.strip().strip("<>").lower())
    if not match:
        return None
    pk = int(match["pk"])
    if not hmac.compare_digest(match["sig"], _verp_signature(pk)):
        return None
    return pk


DKIM_HEADERS = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
]


def dkim_sign(data: bytes) -> bytes:
    """``data`` with a DKIM-Signature header in front when DKIM is configured (RFC 8058 asks
    that it cover List-Unsubscribe and List-Unsubscribe-Post); unchanged otherwise."""
    domain = str(settings.HEATWATCH_MAILING_DKIM_DOMAIN or "")
    selector = str(settings.HEATWATCH_MAILING_DKIM_SELECTOR or "")
    key = str(settings.HEATWATCH_MAILING_DKIM_PRIVATE_KEY or "")
    if not (domain and selector and key):
        return data
    signature = dkim.sign(
        data,
        selector.encode(),
        domain.encode(),
        key.encode(),
        include_headers=DKIM_HEADERS,
        linesep=b"\r\n",
    )
    return bytes(signature) + data


def signup_message(*, subscriber: Subscriber) -> EmailMultiAlternatives:
    """The answer to a sign-up: a confirmation link, or (already confirmed) the preference link."""
    with translation.override(subscriber.language):
        if subscriber.status == "confirmed":
            subject = translation.gettext("You are already on our mailing list")
            template = "already_subscribed"
            context: dict[str, Any] = {}
        else:
            subject = translation.gettext("Please confirm your subscription")
            template = "confirm"
            token = services.confirm_token(subscriber)
            context = {
                "confirm_url": absolute_url(reverse("mailing_public:confirm", args=[token])),
                "days": settings.HEATWATCH_MAILING_CONFIRM_LINK_DAYS,
            }
    return _build(
        subscriber=subscriber,
        template=template,
        subject=subject,
        context=context,
        list_headers=False,
    )


def welcome_message(*, subscriber: Subscriber) -> EmailMultiAlternatives:
    """The welcome e-mail after confirmation."""
    with translation.override(subscriber.language):
        subject = translation.gettext("Welcome to our mailing list")
    return _build(
        subscriber=subscriber,
        template="welcome",
        subject=subject,
        context={"interests": subscriber.get_interest_labels()},
        list_headers=True,
    )


def new_subscriber_notice(*, subscriber: Subscriber, to: list[str]) -> EmailMultiAlternatives:
    """To the coordinators: someone confirmed a subscription (interests and language only; the
    address is on the staff page for those who need it, not in a coordinator's inbox)."""
    staff_url = absolute_url(reverse("mailing:newsletters"))
    subject = translation.gettext("New mailing-list subscriber")
    body = render_to_string(
        "mailing/email/new_subscriber.txt",
        {
            "interests": subscriber.get_interest_labels(),
            "language": subscriber.get_language_display(),
            "source": subscriber.get_consent_source_display(),
            "url": staff_url,
            "program": settings.HEATWATCH_PROGRAM,
        },
    )
    return EmailMultiAlternatives(subject=subject, body=body, to=to)
