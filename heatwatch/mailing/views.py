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

from csp.decorators import csp_update
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
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
from heatwatch.lib.versioning import StaleEdit
from heatwatch.mailing import bounces, content, csvio, emails, notices, selectors, services
from heatwatch.mailing.forms import (
    ExportForm,
    ImportForm,
    NewsletterForm,
    PreferencesForm,
    ScheduleForm,
    SubscribeForm,
    TestCopyForm,
    UnsuppressForm,
    VersionForm,
)
from heatwatch.mailing.models import Language, Newsletter, Subscriber, SubscriberStatus

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
    """The coordinator's list of newsletters, coalition trainings to announce, and a form to
    compose a short plain-text newsletter (full issues are composed in the CMS)."""
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
        "trainings": selectors.trainings_without_notice(),
    }
    return render(
        request,
        "mailing/staff/newsletters.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def _newsletter_page(
    request: HttpRequest,
    item: Newsletter,
    *,
    status: int = 200,
    schedule_form: ScheduleForm | None = None,
    test_form: TestCopyForm | None = None,
    error: str = "",
) -> HttpResponse:
    return render(
        request,
        "mailing/staff/newsletter.html",
        {
            "newsletter": item,
            "audience": selectors.audience_size(newsletter=item),
            "counts": selectors.delivery_counts(newsletter=item),
            "log": selectors.send_log(newsletter=item)[:500],
            "schedule_form": schedule_form or ScheduleForm(initial={"version": item.version}),
            "test_form": test_form or TestCopyForm(),
            "has_spanish": content.has_spanish(item),
            "error": error,
        },
        status=status,
    )


@coordinator_only
def newsletter(request: HttpRequest, pk: int) -> HttpResponse:
    """One newsletter: preview, test copy, schedule or send, pause or resume, the send log."""
    return _newsletter_page(request, selectors.newsletter_get(pk=pk))


def _versioned_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    item = selectors.newsletter_get(pk=pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _newsletter_page(request, item, status=400, error=_("Reload the page and retry."))
    try:
        action(newsletter=item, by=staff_user(request), version=form.cleaned_data["version"])
    except services.MailingError as exc:
        item.refresh_from_db()
        status = 409 if isinstance(exc, StaleEdit) else 400
        return _newsletter_page(request, item, status=status, error=str(exc))
    messages.success(request, done)
    return redirect(reverse("mailing:newsletter", args=[item.pk]))


@coordinator_only
@require_POST
def newsletter_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Send now (a draft, a scheduled one, or a notice the coordinator confirms)."""
    if "version" not in request.POST:  # the first slice's form posted without a version
        item = selectors.newsletter_get(pk=pk)
        try:
            services.newsletter_send(newsletter=item, by=staff_user(request))
        except services.MailingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Sending has started. The send log below fills as it goes.")
            )
        return redirect(reverse("mailing:newsletter", args=[item.pk]))
    return _versioned_action(
        request,
        pk,
        services.newsletter_send,
        _("Sending has started. The send log below fills as it goes."),
    )


@coordinator_only
@require_POST
def newsletter_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _versioned_action(
        request,
        pk,
        services.newsletter_pause,
        _("Paused. Nobody else is sent it until you resume."),
    )


@coordinator_only
@require_POST
def newsletter_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _versioned_action(
        request, pk, services.newsletter_resume, _("Resumed where it stopped.")
    )


@coordinator_only
@require_POST
def newsletter_unschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _versioned_action(
        request, pk, services.newsletter_unschedule, _("No longer scheduled: it is a draft again.")
    )


@coordinator_only
@require_POST
def newsletter_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.newsletter_get(pk=pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return _newsletter_page(request, item, status=400, schedule_form=form)
    try:
        services.newsletter_schedule(
            newsletter=item,
            by=staff_user(request),
            at=form.cleaned_data["at"],
            version=form.cleaned_data["version"],
        )
    except services.MailingError as exc:
        form.add_error(None, str(exc))
        item.refresh_from_db()
        status = 409 if isinstance(exc, StaleEdit) else 400
        return _newsletter_page(request, item, status=status, schedule_form=form)
    messages.success(request, _("Scheduled."))
    return redirect(reverse("mailing:newsletter", args=[item.pk]))


@coordinator_only
@require_POST
def newsletter_test(request: HttpRequest, pk: int) -> HttpResponse:
    """A test copy to the coordinator's own address."""
    item = selectors.newsletter_get(pk=pk)
    form = TestCopyForm(request.POST)
    if not form.is_valid():
        return _newsletter_page(request, item, status=400, test_form=form)
    try:
        services.newsletter_test_send(
            newsletter=item, by=staff_user(request), language=form.cleaned_data["language"]
        )
    except services.MailingError as exc:
        form.add_error(None, str(exc))
        return _newsletter_page(request, item, status=400, test_form=form)
    messages.success(request, _("A test copy is on its way to your address."))
    return redirect(reverse("mailing:newsletter", args=[item.pk]))


@coordinator_only
@csp_update({"style-src": ["'self'", "'unsafe-inline'"], "img-src": ["'self'", "data:", "*"]})  # type: ignore[arg-type]
def newsletter_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The newsletter as readers of a language will get it (the e-mail's own HTML)."""
    item = selectors.newsletter_get(pk=pk)
    language = request.GET.get("language", "en")
    if language not in Language.values:
        language = Language.EN
    return HttpResponse(emails.preview_html(newsletter=item, language=language))


@coordinator_only
@require_POST
def notice_create(request: HttpRequest, event_pk: int) -> HttpResponse:
    """Draft the notice of a published coalition training (the coordinator then confirms)."""
    event = get_object_or_404(notices.trainings_without_notice(), pk=event_pk)
    item = services.event_notice_create(event=event, by=staff_user(request))
    messages.success(
        request, _("The notice is ready. Check it, edit it in the CMS if needed, then send it.")
    )
    return redirect(reverse("mailing:newsletter", args=[item.pk]))


@coordinator_only
def subscribers(request: HttpRequest) -> HttpResponse:
    """Suppressions (with the reason, and un-suppress), CSV import and export."""
    return _subscribers_page(request)


def _subscribers_page(
    request: HttpRequest,
    *,
    import_form: ImportForm | None = None,
    report: csvio.ImportReport | None = None,
    unsuppress: tuple[int, UnsuppressForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "mailing/staff/subscribers.html",
        {
            "suppressed": selectors.suppressions(by=staff_user(request)),
            "counts": selectors.subscriber_counts(),
            "import_form": import_form or ImportForm(),
            "export_form": ExportForm(),
            "report": report,
            "unsuppress_pk": unsuppress[0] if unsuppress else None,
            "unsuppress_form": unsuppress[1] if unsuppress else UnsuppressForm(),
        },
        status=status,
    )


@coordinator_only
@require_POST
def subscriber_unsuppress(request: HttpRequest, pk: int) -> HttpResponse:
    subscriber = selectors.suppressed_get(pk=pk)
    form = UnsuppressForm(request.POST)
    if not form.is_valid():
        return _subscribers_page(request, unsuppress=(pk, form), status=400)
    bounces.unsuppress(
        subscriber=subscriber, by=staff_user(request), reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("The address may receive our e-mails again."))
    return redirect("mailing:subscribers")


@coordinator_only
@require_POST
def subscribers_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _subscribers_page(request, import_form=form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > csvio.MAX_BYTES:
        form.add_error("file", _("The file is larger than 5 MB."))
        return _subscribers_page(request, import_form=form, status=400)
    report = csvio.subscribers_import(
        data=upload.read(),
        consent_note=form.cleaned_data["consent"],
        by=staff_user(request),
        dry_run=form.cleaned_data["dry_run"],
    )
    return _subscribers_page(
        request, import_form=form, report=report, status=200 if report.ok else 400
    )


@coordinator_only
@require_POST
def subscribers_export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _subscribers_page(request, status=400)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mailing-list.csv"'
    csvio.subscribers_export(
        out=response, by=staff_user(request), statuses=form.cleaned_data["statuses"]
    )
    return response


# --- public archive -----------------------------------------------------------------------------


def archive(request: HttpRequest) -> HttpResponse:
    """Every sent issue of the newsletter, newest first, in the page's language."""
    language = get_language() or "en"
    issues = [
        (item, content.frozen_or_render(item, language))
        for item in selectors.archive_issues()[:200]
    ]
    return render(request, "mailing/archive.html", {"issues": issues})


def archive_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """One sent issue as its readers got it (their own links left out)."""
    item = selectors.archive_issue(pk=pk)
    version = content.frozen_or_render(item, get_language() or "en")
    return render(request, "mailing/archive_issue.html", {"issue": item, "version": version})
