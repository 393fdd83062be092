"""Events views: the public list, event pages, registration and calendars; the staff screens.

The public pages set no cookie: the registration form carries a signed form token
(heatwatch.core.csrf) instead of Django's cookie-bound CSRF token, and a post the browser says
came from another site is refused. Registering twice with the same e-mail is idempotent, so a
double click makes one registration. Nothing about a registrant is shown on a public page
except to the registrant, on their personal link (their status, no name or e-mail).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heatwatch.accounts.models import Role
from heatwatch.accounts.permissions import role_required, staff_user
from heatwatch.core import ratelimit
from heatwatch.core.actions import invalid_status, run_form_action
from heatwatch.core.csrf import (
    FORM_TOKEN_FIELD,
    FormTokenError,
    FormTokenExpired,
    form_token_issue,
    form_token_read,
    posted_from_another_site,
)
from heatwatch.events import ical, selectors, services
from heatwatch.events.forms import (
    CheckInForm,
    DeclineForm,
    EventForm,
    RegistrationForm,
    TrainedRangeForm,
    TrainingRequestForm,
    accept_initial,
)
from heatwatch.events.models import Event, Kind, RequestStatus, TrainingRequest
from heatwatch.events.models import RegistrationStatus as Status

REGISTER_FORM = "events.register"
MANAGE_FORM = "events.manage"
REQUEST_FORM = "events.training_request"
REQUEST_MANAGE_FORM = "events.training_request.manage"

# --- public -----------------------------------------------------------------------------------


def _post_refused(request: HttpRequest, *, purpose: str) -> str:
    """Why a public post is refused ("" when it is not): ``cross-site``, ``expired`` or
    ``invalid`` (missing, forged or for another form), as the tip form checks it."""
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


def _calendar_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Public events: upcoming first, then past ones; filter by kind."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    events = selectors.public_events(kind=kind)
    return render(
        request,
        "events/list.html",
        {"upcoming": events.upcoming, "past": events.past, "kind": kind, "kinds": Kind.choices},
    )


def _detail(
    request: HttpRequest,
    event: Event,
    *,
    form: Form | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    seats_left = max(event.capacity - event.confirmed_count, 0)  # type: ignore[attr-defined]
    context = {
        "event": event,
        "form": form or RegistrationForm(),
        "form_token": form_token_issue(purpose=REGISTER_FORM),
        "form_token_field": FORM_TOKEN_FIELD,
        "open": services.registration_open(event),
        "seats_left": seats_left,
        "waitlist": event.waitlist_count,  # type: ignore[attr-defined]
        "place": ical.place_text(event),
        "time_zone": settings.TIME_ZONE,
        **extra,
    }
    return render(request, "events/detail.html", context, status=status)


@csrf_exempt  # checked by _post_refused: a form token and the origin, no cookie needed
@require_http_methods(["GET", "POST"])
def event_detail(request: HttpRequest, key: str) -> HttpResponse:
    """An event's page, with its registration form."""
    event = selectors.event_for_public(key=key)
    if request.method == "GET":
        return _detail(request, event)
    form = RegistrationForm(request.POST)
    refused = _post_refused(request, purpose=REGISTER_FORM)
    if refused:
        return _detail(request, event, form=form, status=403, refused_post=refused)
    if not form.is_valid():
        return _detail(request, event, form=form, status=400)
    if form.cleaned_data["website"]:
        # A filled honeypot: refused out loud (never silently dropped), with what was typed.
        form.add_error(
            None,
            _("We could not accept this registration. Please check the form and send it again."),
        )
        return _detail(request, event, form=form, status=400)
    try:
        result = services.registration_create(
            event_id=event.pk,
            data=form.to_input(language=get_language() or "en"),
            source_key=ratelimit.source_key(request),
        )
    except services.RegistrationThrottled as exc:
        form.add_error(None, str(exc))
        return _detail(request, event, form=form, status=429)
    except services.EventError as exc:
        form.add_error(None, str(exc))
        return _detail(request, event, form=form, status=400)
    # One answer for a new and a repeated registration: it reveals nothing about the e-mail.
    return render(
        request,
        "events/registered.html",
        {"event": event, "email": result.registration.email},
    )


@require_GET
def event_ics(request: HttpRequest, key: str) -> HttpResponse:
    """One event's calendar entry (public fields only)."""
    event = selectors.event_for_public(key=key)
    return _calendar_response(ical.events_calendar([event]), f"{event.slug}.ics")


@require_GET
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """The site-wide feed of public events, for calendar clients to subscribe to."""
    name = _("%(program)s events") % {"program": settings.HEATWATCH_PROGRAM["name"]}
    return _calendar_response(
        ical.events_calendar(selectors.feed_events(), name=name), "calendar.ics"
    )


@csrf_exempt  # checked by _post_refused, as the registration form
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, key: str) -> HttpResponse:
    """A registrant's personal link: their status, and cancelling."""
    registration = services.registration_for_manage_key(key)
    if registration is None:
        return render(request, "events/manage.html", {"unknown": True}, status=404)
    context: dict[str, Any] = {
        "registration": registration,
        "event": registration.event,
        "form_token": form_token_issue(purpose=MANAGE_FORM),
        "form_token_field": FORM_TOKEN_FIELD,
        "started": registration.event.starts_at <= timezone.now(),
    }
    if request.method == "POST":
        refused = _post_refused(request, purpose=MANAGE_FORM)
        if refused:
            return render(
                request, "events/manage.html", {**context, "refused_post": refused}, status=403
            )
        if context["started"]:
            return render(request, "events/manage.html", context, status=400)
        registration = services.registration_cancel(registration=registration)
        context.update(registration=registration, cancelled_now=True)
    return render(request, "events/manage.html", context)


# --- staff --------------------------------------------------------------------------------------

coordinator_only = role_required(Role.COORDINATOR)


@coordinator_only
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    events = selectors.events_for_staff(user=request.user)[:200]
    return render(request, "events/staff/list.html", {"events": events, "now": timezone.now()})


def _form_page(
    request: HttpRequest, form: Form, event: Event | None, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "events/staff/form.html",
        {"form": form, "event": event, "time_zone": settings.TIME_ZONE},
        status=status,
    )


@coordinator_only
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, EventForm(), None)
    created: list[Event] = []

    def action(data: dict[str, Any]) -> str:
        form_input = form.to_input()
        created.append(services.event_create(data=form_input, by=staff_user(request)))
        return _("Event created.")

    form = EventForm(request.POST)
    response = run_form_action(
        request,
        form=form,
        action=action,
        errors=services.EventError,
        success_url=reverse("events:list"),
        render_invalid=lambda f: _form_page(request, f, None, status=400),
    )
    if created:
        return redirect("events:detail", pk=created[0].pk)
    return response


@coordinator_only
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get_for_staff(user=request.user, pk=pk)
    if request.method == "GET":
        return _form_page(request, EventForm(initial=EventForm.initial_from(event)), event)
    form = EventForm(request.POST)

    def action(data: dict[str, Any]) -> str:
        services.event_update(
            event=event, data=form.to_input(), by=staff_user(request), version=data["version"]
        )
        return _("Event saved.")

    return run_form_action(
        request,
        form=form,
        action=action,
        errors=services.EventError,
        success_url=reverse("events:detail", args=[event.pk]),
        render_invalid=lambda f: _form_page(request, f, event, status=400),
    )


def _staff_detail(
    request: HttpRequest, event: Event, *, status: int = 200, error: str = ""
) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    registrations = selectors.registrations_for_staff(user=request.user, event=event, query=query)
    return render(
        request,
        "events/staff/detail.html",
        {
            "event": event,
            "registrations": registrations,
            "query": query,
            "error": error,
            "public_url": event.get_absolute_url(),
            "private_url": reverse("events_public:detail", args=[str(event.uid)]),
            "checked_in": sum(1 for r in registrations if r.checked_in_at),
            "Status": Status,
        },
        status=status,
    )


@coordinator_only
@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An event's registrations (names and e-mails: audited), with check-in."""
    event = selectors.event_get_for_staff(user=request.user, pk=pk)
    return _staff_detail(request, event)


@coordinator_only
@require_POST
def staff_check_in(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    event = selectors.event_get_for_staff(user=request.user, pk=pk)
    registration = selectors.registration_get_for_staff(
        user=request.user, event=event, pk=registration_pk
    )
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            services.registration_check_in(
                registration=registration,
                by=staff_user(request),
                checked_in=form.cleaned_data["checked_in"],
            )
        except services.EventError as exc:
            messages.error(request, str(exc))
    url = reverse("events:detail", args=[event.pk])
    query = str(request.POST.get("q", ""))[:100]
    return redirect(f"{url}?q={query}" if query else url)


@coordinator_only
@require_POST
def staff_cancel(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    event = selectors.event_get_for_staff(user=request.user, pk=pk)
    registration = selectors.registration_get_for_staff(
        user=request.user, event=event, pk=registration_pk
    )
    services.registration_cancel(registration=registration, by=staff_user(request))
    messages.success(request, _("Registration cancelled."))
    return redirect("events:detail", pk=event.pk)


@coordinator_only
@require_POST
def staff_cancel_event(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the event: registrants are sent METHOD:CANCEL. Loaded from an older version of
    the event, nothing is done and the page says so (409)."""
    event = selectors.event_get_for_staff(user=request.user, pk=pk)
    try:
        version = int(str(request.POST.get("version", "")))
    except ValueError:
        version = -1
    try:
        services.event_cancel(event=event, by=staff_user(request), version=version)
    except services.StaleEvent as exc:
        return _staff_detail(request, event, status=invalid_status(exc), error=str(exc))
    messages.success(request, _("Event cancelled; registrants are told."))
    return redirect("events:detail", pk=event.pk)


@coordinator_only
@require_GET
def staff_trained(request: HttpRequest) -> HttpResponse:
    """People trained, counted from check-ins, by audience type, for a date range."""
    today = timezone.localdate()
    form = TrainedRangeForm(request.GET or {"start": today.replace(month=1, day=1), "end": today})
    rows: list[selectors.TrainedRow] = []
    status = 200
    if form.is_valid():
        zone = timezone.get_current_timezone()
        start = datetime.combine(form.cleaned_data["start"], time.min, tzinfo=zone)
        end = datetime.combine(form.cleaned_data["end"] + timedelta(days=1), time.min, tzinfo=zone)
        rows = selectors.people_trained(user=request.user, start=start, end=end)
    else:
        status = 400
    return render(
        request,
        "events/staff/trained.html",
        {"form": form, "rows": rows, "total": sum(r.people for r in rows)},
        status=status,
    )


# --- training requests --------------------------------------------------------------------------


def _request_page(
    request: HttpRequest, form: Form, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "form": form,
        "form_token": form_token_issue(purpose=REQUEST_FORM),
        "form_token_field": FORM_TOKEN_FIELD,
        **extra,
    }
    return render(request, "events/training_request.html", context, status=status)


@csrf_exempt  # checked by _post_refused: a form token and the origin, no cookie needed
@require_http_methods(["GET", "POST"])
def training_request(request: HttpRequest) -> HttpResponse:
    """The public form to ask for a training."""
    if request.method == "GET":
        return _request_page(request, TrainingRequestForm())
    form = TrainingRequestForm(request.POST)
    refused = _post_refused(request, purpose=REQUEST_FORM)
    if refused:
        return _request_page(request, form, status=403, refused_post=refused)
    if not form.is_valid():
        return _request_page(request, form, status=400)
    if form.cleaned_data["website"]:
        form.add_error(
            None, _("We could not accept this request. Please check the form and send it again.")
        )
        return _request_page(request, form, status=400)
    try:
        services.training_request_submit(
            data=form.to_input(language=get_language() or "en"),
            source_key=ratelimit.source_key(request),
        )
    except services.RegistrationThrottled as exc:
        form.add_error(None, str(exc))
        return _request_page(request, form, status=429)
    except services.EventError as exc:
        form.add_error(None, str(exc))
        return _request_page(request, form, status=400)
    return render(
        request, "events/training_request_sent.html", {"email": form.cleaned_data["contact_email"]}
    )


@csrf_exempt  # checked by _post_refused, as the request form
@require_http_methods(["GET", "POST"])
def training_request_manage(request: HttpRequest, key: str) -> HttpResponse:
    """The requester's personal link: where the request stands, and withdrawing it."""
    training = services.request_for_key(key)
    if training is None:
        return render(request, "events/training_request_manage.html", {"unknown": True}, status=404)
    context: dict[str, Any] = {
        "training": training,
        "form_token": form_token_issue(purpose=REQUEST_MANAGE_FORM),
        "form_token_field": FORM_TOKEN_FIELD,
    }
    status = 200
    if request.method == "POST":
        refused = _post_refused(request, purpose=REQUEST_MANAGE_FORM)
        if refused:
            context["refused_post"] = refused
            status = 403
        else:
            try:
                context["training"] = services.training_request_withdraw(request=training)
                context["withdrawn_now"] = True
            except services.EventError as exc:
                context["error"] = str(exc)
                status = 400
    return render(request, "events/training_request_manage.html", context, status=status)


@coordinator_only
@require_GET
def staff_requests(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    requests = selectors.training_requests_for_staff(user=request.user, status=status)[:200]
    return render(
        request,
        "events/staff/requests.html",
        {"requests": requests, "status": status, "statuses": RequestStatus.choices},
    )


def _request_detail(
    request: HttpRequest,
    training: TrainingRequest,
    *,
    accept_form: Form | None = None,
    decline_form: Form | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "events/staff/request_detail.html",
        {
            "training": training,
            "accept_form": accept_form or EventForm(initial=accept_initial(training)),
            "decline_form": decline_form or DeclineForm(initial={"version": training.version}),
            "time_zone": settings.TIME_ZONE,
            "pending": training.status == RequestStatus.PENDING,
        },
        status=status,
    )


@coordinator_only
@require_GET
def staff_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    training = selectors.training_request_get_for_staff(user=request.user, pk=pk)
    return _request_detail(request, training)


@coordinator_only
@require_POST
def staff_request_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a request: the event form, filled from it, creates the event."""
    training = selectors.training_request_get_for_staff(user=request.user, pk=pk, audit=False)
    form = EventForm(request.POST)
    created: list[Event] = []

    def action(data: dict[str, Any]) -> str:
        created.append(
            services.training_request_accept(
                request=training,
                data=form.to_input(),
                by=staff_user(request),
                version=data["version"],
            )
        )
        return _("Request accepted; the event is created.")

    response = run_form_action(
        request,
        form=form,
        action=action,
        errors=services.EventError,
        success_url=reverse("events:requests"),
        render_invalid=lambda f: _request_detail(request, training, accept_form=f, status=400),
    )
    if created:
        return redirect("events:detail", pk=created[0].pk)
    return response


@coordinator_only
@require_POST
def staff_request_decline(request: HttpRequest, pk: int) -> HttpResponse:
    training = selectors.training_request_get_for_staff(user=request.user, pk=pk, audit=False)

    def action(data: dict[str, Any]) -> str:
        services.training_request_decline(
            request=training, reason=data["reason"], by=staff_user(request), version=data["version"]
        )
        return _("Request declined; the requester is told why.")

    return run_form_action(
        request,
        form=DeclineForm(request.POST),
        action=action,
        errors=services.EventError,
        success_url=reverse("events:request_detail", args=[training.pk]),
        render_invalid=lambda f: _request_detail(request, training, decline_form=f, status=400),
    )
