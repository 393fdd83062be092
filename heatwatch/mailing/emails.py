"""The e-mails of the mailing list, built in the recipient's language.

Every message to a subscriber carries a visible unsubscribe link and a preference-centre link;
every newsletter also carries ``List-Unsubscribe`` (an HTTPS one-click URL holding the
subscriber's opaque token) with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
(RFC 8058), a Message-ID fixed per send record (so a resend after a crash can be recognised),
a plain-text part and an HTML part whose CSS is inlined with css-inline. No tracking pixels, no
rewritten links. Absolute links come from HEATWATCH_BASE_URL (lib.links).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from heatwatch.lib.links import absolute_url
from heatwatch.mailing import services
from heatwatch.mailing.models import Delivery, Newsletter, Subscriber

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


def newsletter_message(*, delivery: Delivery) -> EmailMultiAlternatives:
    """One newsletter to one subscriber (the send record must have its subscriber)."""
    subscriber = delivery.subscriber
    if subscriber is None:
        raise ValueError("the subscriber of this send record was erased")
    newsletter: Newsletter = delivery.newsletter
    return _build(
        subscriber=subscriber,
        template="newsletter",
        subject=newsletter.subject,
        context={"newsletter": newsletter},
        list_headers=True,
        message_id=delivery.message_id or message_id_for(delivery),
    )


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
