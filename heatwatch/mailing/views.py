"""Mailing-list pages: the public sign-up, confirmation, preference centre and one-click
unsubscribe, and the coordinators' newsletter pages.

The public pages set no cookie. Their forms carry the signed form token of heatwatch.core.csrf
(checked with the browser's origin headers) instead of Django's cookie-bound CSRF token. Pages
reached from an e-mail are authorised by the signed or opaque token in their URL alone; a GET
never changes anything (link scanners open every link in a message).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import role_required, staff_user
from heatwatch.core import ratelimit
from heatwatch.core.csrf import (
    FORM_TOKEN_FIELD,
    FormTokenError,
    FormTokenExpired,
    form_token_read,
    posted_from_another_site,
)
from heatwatch.mailing import selectors, services
from heatwatch.mailing.forms import NewsletterForm, PreferencesForm, SubscribeForm
from heatwatch.mailing.models import Subscriber, SubscriberStatus

SUBSCRIBE_FORM = "mailing.subscribe"
PREFERENCES_FORM = "mailing.preferences"
MAX_TOKEN_CHARS = 300  # longer than any token we issue; anything longer is refused unread


def _post_refused(request: HttpRequest, *, purpose: str) -> str:
    """Why a public form's post is refused ("" when it is not), in place of the cookie check.

    The form token is signed, bound to the form and expires; it is not single-use here, since
    every mailing-list post is idempotent (a replay changes nothing) and sign-ups are limited
    per source.
    """
    if getattr(request, "_dont_enforce_csrf_checks", False):
        return ""  # Django's test client without enforce_csrf_checks, as CsrfViewMiddleware
    if posted_from_another_site(request):
        return "cross-site"
    try:
        form_token_read(str(request.POST.get(FORM_TOKEN_FIELD, "")), purpose=purpose)
    except FormTokenExpired:
        return "expired"
    except FormTokenError:
        return "invalid"
    return ""


def _link_problem(request: HttpRequest, exc: services.MailingError) -> HttpResponse:
    expired = isinstance(exc, services.LinkExpired)
    return render(
        request,
        "mailing/link_problem.html",
        {"expired": expired, "message": str(exc)},
        status=410 if expired else 404,
    )


def _bounded(token: str) -> str:
    if len(token) > MAX_TOKEN_CHARS:
        raise services.LinkInvalid(_("This link is not valid."))
    return token


# --- public -----------------------------------------------------------------------------------


@csrf_exempt  # checked by _post_refused: a form token and the origin, no cookie needed
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    """The sign-up form. The answer is the same whether or not the address was on the list."""
    if request.method == "GET":
        initial = {"language": get_language() or "en"}
        return render(request, "mailing/subscribe.html", {"form": SubscribeForm(initial=initial)})
    form = SubscribeForm(request.POST)
    refused = _post_refused(request, purpose=SUBSCRIBE_FORM)
    if refused:
        return render(
            request, "mailing/subscribe.html", {"form": form, "refused_post": refused}, status=403
        )
    if not form.is_valid():
        return render(request, "mailing/subscribe.html", {"form": form}, status=400)
    if not form.cleaned_data["website"]:
        try:
            services.subscribe(data=form.to_input(), source_key=ratelimit.source_key(request))
        except services.SubscribeThrottled as exc:
            return render(
                request, "mailing/subscribe.html", {"form": form, "error": str(exc)}, status=429
            )
    return render(request, "mailing/check_your_inbox.html")


@csrf_exempt  # authorised by the signed token in the URL alone; it only confirms
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation link: a GET shows a button (scanners must not confirm), a POST confirms."""
    try:
        subscriber = services.subscriber_from_confirm_token(_bounded(token))
    except services.MailingError as exc:
        return _link_problem(request, exc)
    if request.method == "GET":
        return render(request, "mailing/confirm.html", {"subscriber": subscriber})
    try:
        subscriber = services.confirm(subscriber=subscriber)
    except services.MailingError as exc:
        return render(request, "mailing/link_problem.html", {"message": str(exc)}, status=409)
    return render(
        request,
        "mailing/confirmed.html",
        {"preferences_token": services.preferences_token(subscriber)},
    )


def _preferences_page(
    request: HttpRequest,
    subscriber: Subscriber,
    token: str,
    *,
    form: PreferencesForm | None = None,
    saved: bool = False,
    status: int = 200,
    refused_post: str = "",
) -> HttpResponse:
    form = form or PreferencesForm(
        initial={"interests": subscriber.interests, "language": subscriber.language}
    )
    return render(
        request,
        "mailing/preferences.html",
        {
            "subscriber": subscriber,
            "token": token,
            "form": form,
            "saved": saved,
            "refused_post": refused_post,
            "subscribed": subscriber.status == SubscriberStatus.CONFIRMED,
        },
        status=status,
    )


@csrf_exempt  # checked by _post_refused: a form token and the origin, no cookie needed
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """The preference centre: interests, language, and links to unsubscribe, download, erase."""
    try:
        subscriber = services.subscriber_from_preferences_token(_bounded(token))
    except services.MailingError as exc:
        return _link_problem(request, exc)
    if request.method == "GET":
        return _preferences_page(request, subscriber, token)
    form = PreferencesForm(request.POST)
    refused = _post_refused(request, purpose=PREFERENCES_FORM)
    if refused:
        return _preferences_page(
            request, subscriber, token, form=form, status=403, refused_post=refused
        )
    if not form.is_valid():
        return _preferences_page(request, subscriber, token, form=form, status=400)
    subscriber = services.preferences_update(
        subscriber=subscriber,
        interests=list(form.cleaned_data["interests"]),
        language=form.cleaned_data["language"],
    )
    return _preferences_page(request, subscriber, token, saved=True)


@csrf_exempt  # checked by _post_refused
@require_POST
def download(request: HttpRequest, token: str) -> HttpResponse:
    """Download my data: everything held about the subscriber, as JSON (audited)."""
    try:
        subscriber = services.subscriber_from_preferences_token(_bounded(token))
    except services.MailingError as exc:
        return _link_problem(request, exc)
    if _post_refused(request, purpose=PREFERENCES_FORM):
        return _preferences_page(request, subscriber, token, status=403, refused_post="invalid")
    data = services.subscriber_export(subscriber=subscriber)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-mailing-list-data.json"'
    return response


@csrf_exempt  # checked by _post_refused
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest, token: str) -> HttpResponse:
    """Erase my data: a GET asks to confirm; the POST deletes the subscriber."""
    try:
        subscriber = services.subscriber_from_preferences_token(_bounded(token))
    except services.MailingError as exc:
        return _link_problem(request, exc)
    if request.method == "GET":
        return render(request, "mailing/erase.html", {"token": token})
    refused = _post_refused(request, purpose=PREFERENCES_FORM)
    if refused:
        return render(
            request, "mailing/erase.html", {"token": token, "refused_post": refused}, status=403
        )
    services.subscriber_erase(subscriber=subscriber)
    return render(request, "mailing/erased.html")


@csrf_exempt  # RFC 8058: the mail client's POST carries no cookie and no CSRF token
@require_http_methods(["GET", "POST"])
def one_click(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058). A POST unsubscribes at once, taking nothing but the
    token in the URL (the body is never read); a GET only shows a page with the button."""
    try:
        subscriber = services.subscriber_from_unsubscribe_token(_bounded(token))
    except services.MailingError as exc:
        return _link_problem(request, exc)
    if request.method == "GET":
        return render(
            request,
            "mailing/unsubscribe.html",
            {"token": token, "already": subscriber.status != SubscriberStatus.CONFIRMED},
        )
    services.unsubscribe(subscriber=subscriber, how="one-click")
    return render(request, "mailing/unsubscribed.html")


# --- staff ------------------------------------------------------------------------------------

coordinator_only = role_required(Role.COORDINATOR)


@coordinator_only
@require_http_methods(["GET", "POST"])
def newsletters(request: HttpRequest) -> HttpResponse:
    """The coordinator's list of newsletters, with a form to compose a new one."""
    form = NewsletterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        newsletter = services.newsletter_create(
            subject=d["subject"],
            body=d["body"],
            interest=d["interest"],
            language=d["language"],
            by=staff_user(request),
        )
        return redirect("mailing:newsletter", pk=newsletter.pk)
    context: dict[str, Any] = {
        "form": form,
        "newsletters": selectors.newsletters_with_counts(),
        "subscribers": selectors.subscriber_counts(),
    }
    return render(
        request,
        "mailing/staff/newsletters.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@coordinator_only
def newsletter(request: HttpRequest, pk: int) -> HttpResponse:
    """One newsletter: its audience, counts and send log."""
    item = selectors.newsletter_get(pk=pk)
    return render(
        request,
        "mailing/staff/newsletter.html",
        {
            "newsletter": item,
            "audience": selectors.audience_size(newsletter=item),
            "counts": selectors.delivery_counts(newsletter=item),
            "log": selectors.send_log(newsletter=item)[:500],
        },
    )


@coordinator_only
@require_POST
def newsletter_send(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.newsletter_get(pk=pk)
    try:
        services.newsletter_send(newsletter=item, by=staff_user(request))
    except services.MailingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Sending has started. The send log below fills as it goes."))
    return redirect(reverse("mailing:newsletter", args=[item.pk]))
