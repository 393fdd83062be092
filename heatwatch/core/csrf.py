"""CSRF protection that works with ``Referrer-Policy: no-referrer``, and without cookies.

With that policy browsers send ``Origin: null`` on form posts (Fetch standard, "serializing a
request origin"), which Django's origin check rejects. Browsers also send ``Sec-Fetch-Site``,
a header pages cannot forge: a ``null`` origin is accepted when the browser itself says the
request comes from our own origin. The CSRF token is still required, as always.

The public tip forms must work for someone whose browser blocks cookies, so they do not use
Django's cookie-bound token (docs/tips.md, "Sending without cookies"): each form carries a
signed, short-lived *form token* bound to that form (``form_token_issue``), the view checks it
(``form_token_read``; the caller makes it single-use) and refuses a post the browser says came
from another site (``posted_from_another_site``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrfViewMiddleware

FORM_TOKEN_FIELD = "form_token"  # noqa: S105 - a field name, not a secret
FORM_TOKEN_MAX_AGE = timedelta(hours=12)


class CsrfViewMiddleware(DjangoCsrfViewMiddleware):
    def _origin_verified(self, request: HttpRequest) -> bool:
        if (
            request.META.get("HTTP_ORIGIN") == "null"
            and request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin"
        ):
            return True
        return bool(super()._origin_verified(request))  # type: ignore[misc]


class FormTokenError(Exception):
    """The form token is missing, forged, for another form, or expired."""


class FormTokenExpired(FormTokenError):
    """A genuine token, too old: the form was open for longer than FORM_TOKEN_MAX_AGE."""


def _signer(purpose: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"heatwatch.core.csrf.form-token:{purpose}")


def form_token_issue(*, purpose: str) -> str:
    """A new token for one form (``purpose`` names it): a random nonce, signed with a time."""
    return _signer(purpose).sign(secrets.token_urlsafe(18))


def form_token_read(token: str, *, purpose: str) -> str:
    """The token's nonce (for the caller's single-use check), or raise FormTokenError."""
    if not token:
        raise FormTokenError("missing")
    try:
        return str(_signer(purpose).unsign(token, max_age=FORM_TOKEN_MAX_AGE))
    except signing.SignatureExpired:
        raise FormTokenExpired("expired") from None
    except signing.BadSignature:
        raise FormTokenError("bad signature") from None


def _no_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


_origin_checker = CsrfViewMiddleware(_no_response)


def posted_from_another_site(request: HttpRequest) -> bool:
    """True when the browser says this post was sent from another site (or from no site).

    ``Sec-Fetch-Site`` must say ``same-origin`` (or ``none``: the person themselves, not a
    page) and ``Origin``, when sent, must be ours (``null`` only as vouched for above). A client
    that sends neither header (an old browser) is judged by the form token alone.
    """
    site = request.META.get("HTTP_SEC_FETCH_SITE")
    if site is not None and site not in ("same-origin", "none"):
        return True
    if "HTTP_ORIGIN" in request.META:
        return not _origin_checker._origin_verified(request)
    return False
