"""Events views: the public list, event pages, registration and calendars; the staff screens
(the training requests are in ``training_requests``).

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
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
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
    form_token_issue,
)
from heatwatch.events import attendance, ical, permissions, reports, selectors, services, surveys
from heatwatch.events.forms import (
    CheckInForm,
    EventForm,
    MaterialForm,
    RegistrationForm,
    ReportForm,
    SeriesEditForm,
    SeriesForm,
    SurveyForm,
    TrainedRangeForm,
    WalkInForm,
)
from heatwatch.events.models import (
    Audience,
    Cadence,
    Event,
    EventSeries,
    Kind,
)
from heatwatch.events.models import RegistrationStatus as Status
from heatwatch.events.views._common import (
    ACCEPT_FORM,
    MANAGE_FORM,
    REGISTER_FORM,
    SURVEY_FORM,
    _post_refused,
)

# --- public -----------------------------------------------------------------------------------


def _calendar_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _page_number(value: str) -> int:
    try:
        return max(1, min(int(value[:6]), 10_000))
    except ValueError:
        return 1


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Public events: upcoming first, then past ones (paginated); filter by kind and audience.
    A plain GET form and links: no script needed."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    audience = request.GET.get("audience", "")
    audience = audience if audience in Audience.values else ""
    events = selectors.public_events(
        kind=kind,
        audience=audience,
        past_page=_page_number(request.GET.get("page", "1")),
        upcoming_page=_page_number(request.GET.get("upcoming", "1")),
    )
    query = "&".join(f"{k}={v}" for k, v in (("kind", kind), ("audience", audience)) if v)
    # Each pager's links keep the other list where it was.
    soon = events.upcoming_page.number if events.upcoming_page else 1
    past = events.past_page.number if events.past_page else 1
    upcoming_query = "&".join(part for part in (query, f"page={past}" if past > 1 else "") if part)
    past_query = "&".join(part for part in (query, f"upcoming={soon}" if soon > 1 else "") if part)
    return render(
        request,
        "events/list.html",
        {
            "upcoming": events.upcoming,
            "past": events.past,
            "past_page": events.past_page,
            "upcoming_page": events.upcoming_page,
            "upcoming_query": upcoming_query,
            "past_query": past_query,
            "kind": kind,
            "kinds": Kind.choices,
            "audience": audience,
            "audiences": Audience.choices,
            "filter_query": query,
        },
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
        "form": form or RegistrationForm(event=event),
        "materials": list(event.materials.select_related("page")),
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
    form = RegistrationForm(request.POST, event=event)
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
        "can_cancel": services.cancel_allowed(registration),
        "accept_url": reverse("events_public:accept", args=[key]),
    }
    if request.method == "POST":
        refused = _post_refused(request, purpose=MANAGE_FORM)
        if refused:
            return render(
                request, "events/manage.html", {**context, "refused_post": refused}, status=403
            )
        if not context["can_cancel"]:
            return render(request, "events/manage.html", context, status=400)
        try:
            registration = services.registration_cancel(registration=registration)
        except services.EventError as exc:
            context["error"] = str(exc)
            return render(request, "events/manage.html", context, status=400)
        context.update(registration=registration, cancelled_now=True, can_cancel=False)
    return render(request, "events/manage.html", context)


@csrf_exempt  # checked by _post_refused, as the registration form
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, key: str) -> HttpResponse:
    """The one-click link of a held place: a GET shows the offer and a button (link scanners
    take nothing), the POST takes the place."""
    registration = services.registration_for_manage_key(key)
    if registration is None:
        return render(request, "events/accept.html", {"unknown": True}, status=404)
    context: dict[str, Any] = {
        "registration": registration,
        "event": registration.event,
        "form_token": form_token_issue(purpose=ACCEPT_FORM),
        "form_token_field": FORM_TOKEN_FIELD,
        "manage_url": reverse("events_public:manage", args=[key]),
    }
    status = 200
    if request.method == "POST":
        refused = _post_refused(request, purpose=ACCEPT_FORM)
        if refused:
            context["refused_post"] = refused
            status = 403
        else:
            try:
                context["registration"] = services.hold_accept(registration=registration)
                context["accepted_now"] = True
            except services.HoldUnavailable as exc:
                context["error"] = str(exc)
                status = 409
    elif (
        registration.status == Status.OFFERED
        and registration.hold_expires_at
        and (registration.hold_expires_at <= timezone.now())
    ):
        context["error"] = _(
            "This place is no longer held for you: the offer expired or was passed on."
        )
        status = 409
    return render(request, "events/accept.html", context, status=status)


@csrf_exempt  # checked by _post_refused, as the registration form
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, key: str) -> HttpResponse:
    """The follow-up survey of an attendee (a signed link that expires), answered once."""
    registration = surveys.registration_for_survey_key(key)
    if registration is None:
        return render(request, "events/survey.html", {"unknown": True}, status=404)
    event = registration.event
    answered = hasattr(registration, "survey_response")
    form = SurveyForm(request.POST or None, questions=list(event.survey_questions.all()))
    context: dict[str, Any] = {
        "event": event,
        "form": form,
        "answered": answered,
        "form_token": form_token_issue(purpose=SURVEY_FORM),
        "form_token_field": FORM_TOKEN_FIELD,
    }
    if request.method == "GET" or answered:
        return render(request, "events/survey.html", context)
    refused = _post_refused(request, purpose=SURVEY_FORM)
    if refused:
        return render(
            request, "events/survey.html", {**context, "refused_post": refused}, status=403
        )
    if not form.is_valid():
        return render(request, "events/survey.html", context, status=400)
    d = form.cleaned_data
    try:
        surveys.survey_submit(
            registration=registration,
            usefulness=d["usefulness"],
            confidence=d["confidence"],
            learn_next=d["learn_next"],
            answers=form.answers(),
        )
    except services.EventError as exc:
        form.add_error(None, str(exc))
        return render(request, "events/survey.html", context, status=400)
    return render(request, "events/survey.html", {**context, "thanks": True})


# --- staff --------------------------------------------------------------------------------------

# Any staff role reaches the event pages; what each sees is scoped when the event is fetched
# (permissions.events_worked_by / events_run_by: 404 otherwise).
any_role = role_required(*Role.values)
creators_only = role_required(Role.COORDINATOR, Role.YOUTH_LEAD)
report_readers = role_required(*permissions.REPORT_READERS)


def _nav(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "nav_create": permissions.can_create_events(user),
        "nav_requests": permissions.can_run_events(user),
        "nav_reports": permissions.can_read_reports(user),
    }


@any_role
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    """The events the user runs or presents (403 for a role with none of either)."""
    events = list(selectors.events_for_staff(user=request.user)[:200])
    if not events and not permissions.can_create_events(request.user):
        raise PermissionDenied
    return render(
        request,
        "events/staff/list.html",
        {"events": events, "now": timezone.now(), **_nav(request)},
    )


def _form_page(
    request: HttpRequest,
    form: Form,
    event: Event | None,
    *,
    status: int = 200,
    template: str = "events/staff/form.html",
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        template,
        {"form": form, "event": event, "time_zone": settings.TIME_ZONE, **_nav(request), **extra},
        status=status,
    )


def _kind_refused(request: HttpRequest, form: Form) -> bool:
    """A youth lead may only make youth events (the form offers no other kind)."""
    kinds = permissions.kinds_user_may_run(request.user)
    if form.is_valid() and form.cleaned_data["kind"] not in kinds:
        form.add_error("kind", _("You may not run this kind of event."))
        return True
    return False


@creators_only
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    kinds = permissions.kinds_user_may_run(request.user)
    if request.method == "GET":
        return _form_page(request, EventForm(kinds=kinds), None)
    created: list[Event] = []

    def action(data: dict[str, Any]) -> str:
        created.append(services.event_create(data=form.to_input(), by=staff_user(request)))
        return _("Event created.")

    form = EventForm(request.POST, kinds=kinds)
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


@creators_only
@require_http_methods(["GET", "POST"])
def staff_series_create(request: HttpRequest) -> HttpResponse:
    """Create a series in one step: the four quarterly dates, or a weekly event."""
    kinds = permissions.kinds_user_may_run(request.user)
    template = "events/staff/series_form.html"
    if request.method == "GET":
        initial = {"cadence": Cadence.QUARTERLY, "kind": kinds[0] if len(kinds) == 1 else ""}
        return _form_page(
            request, SeriesForm(kinds=kinds, initial=initial), None, template=template
        )
    form = SeriesForm(request.POST, kinds=kinds)
    made: list[EventSeries] = []

    def action(data: dict[str, Any]) -> str:
        made.append(
            services.series_create(
                data=form.to_input(),
                cadence=data["cadence"],
                count=data["count"] or 0,
                by=staff_user(request),
            )
        )
        return _("Series created.")

    response = run_form_action(
        request,
        form=form,
        action=action,
        errors=services.EventError,
        success_url=reverse("events:list"),
        render_invalid=lambda f: _form_page(request, f, None, status=400, template=template),
    )
    if made:
        return redirect("events:series_edit", pk=made[0].pk)
    return response


@creators_only
@require_http_methods(["GET", "POST"])
def staff_series_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit every date still to come of a series (versioned: a stale edit saves nothing)."""
    series = selectors.series_get_for_staff(user=request.user, pk=pk)
    events = list(selectors.events_for_staff(user=request.user).filter(series=series))
    template = "events/staff/series_edit.html"
    upcoming = [e for e in events if e.starts_at > timezone.now()]
    if request.method == "GET":
        first = upcoming[0] if upcoming else (events[0] if events else None)
        initial: dict[str, Any] = {"version": series.version, "title": series.title}
        if first is not None:
            local = timezone.localtime(first.starts_at)
            initial.update(
                description=first.description,
                venue_address=first.venue_address,
                venue_room=first.venue_room,
                online_url=first.online_url,
                capacity=first.capacity,
                start_time=local.time().replace(second=0, microsecond=0),
                duration_minutes=int((first.ends_at - first.starts_at).total_seconds() // 60),
            )
        return _form_page(
            request,
            SeriesEditForm(initial=initial),
            None,
            template=template,
            series=series,
            events=events,
        )
    form = SeriesEditForm(request.POST)

    def action(data: dict[str, Any]) -> str:
        services.series_update(
            series=series,
            change=services.SeriesChange(
                title=data["title"],
                description=data["description"],
                venue_address=data["venue_address"],
                venue_room=data["venue_room"],
                online_url=data["online_url"] or "",
                capacity=data["capacity"],
                start_time=data["start_time"],
                duration_minutes=data["duration_minutes"],
            ),
            by=staff_user(request),
            version=data["version"],
        )
        return _("Every date to come is saved.")

    return run_form_action(
        request,
        form=form,
        action=action,
        errors=services.EventError,
        success_url=reverse("events:series_edit", args=[series.pk]),
        render_invalid=lambda f: _form_page(
            request, f, None, status=400, template=template, series=series, events=events
        ),
    )


@creators_only
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get_for_staff(user=request.user, pk=pk, edit=True)
    kinds = permissions.kinds_user_may_run(request.user)
    if request.method == "GET":
        return _form_page(
            request, EventForm(initial=EventForm.initial_from(event), kinds=kinds), event
        )
    form = EventForm(request.POST, kinds=kinds)

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
    request: HttpRequest,
    event: Event,
    *,
    status: int = 200,
    error: str = "",
    walk_in_form: Form | None = None,
    material_form: Form | None = None,
) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    registrations = selectors.registrations_for_staff(user=request.user, event=event, query=query)
    may_edit = selectors.may_edit_event(user=request.user, event=event)
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
            "checked_in": sum(r.places for r in registrations if r.checked_in_at),
            "Status": Status,
            "may_edit": may_edit,
            "walk_in_form": walk_in_form or WalkInForm(),
            "material_form": material_form or (MaterialForm() if may_edit else None),
            "materials": list(event.materials.select_related("page")),
            **_nav(request),
        },
        status=status,
    )


@any_role
@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An event's registrations (names and e-mails: audited), with check-in."""
    event = selectors.event_get_for_staff(user=request.user, pk=pk)
    return _staff_detail(request, event)


@any_role
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


@any_role
@require_POST
def staff_walk_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a walk-in at the door (checked in at once)."""
    event = selectors.event_get_for_staff(user=request.user, pk=pk)
    form = WalkInForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            attendance.walk_in_add(
                event=event,
                data=attendance.WalkInInput(
                    name=d["name"],
                    email=d["email"],
                    organisation=d["organisation"],
                    audience=d["audience"],
                    sector=d["sector"],
                ),
                by=staff_user(request),
            )
        except services.EventError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Walk-in added and checked in."))
            return redirect("events:detail", pk=event.pk)
    return _staff_detail(request, event, status=400, walk_in_form=form)


@any_role
@require_http_methods(["GET", "POST"])
def staff_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter attendance from the printed sign-in sheet: tick who came."""
    event = selectors.event_get_for_staff(user=request.user, pk=pk)
    registrations = [
        r
        for r in selectors.registrations_for_staff(user=request.user, event=event)
        if r.status == Status.CONFIRMED
    ]
    error = ""
    if request.method == "POST":
        try:
            present = [int(v) for v in request.POST.getlist("present")[:10_000]]
        except ValueError:
            present = []
            error = _("The list could not be read; tick the people again.")
        if not error:
            try:
                changed = attendance.attendance_record(
                    event=event, present=present, by=staff_user(request)
                )
            except services.EventError as exc:
                error = str(exc)
            else:
                messages.success(
                    request, _("Attendance saved (%(count)d changed).") % {"count": changed}
                )
                return redirect("events:detail", pk=event.pk)
    return render(
        request,
        "events/staff/attendance.html",
        {"event": event, "registrations": registrations, "error": error, **_nav(request)},
        status=400 if error else 200,
    )


@any_role
@require_GET
def staff_sign_in_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable sign-in sheet (PDF; names are read: audited as the list is)."""
    event = selectors.event_get_for_staff(user=request.user, pk=pk)
    registrations = selectors.registrations_for_staff(user=request.user, event=event)
    pdf = attendance.sign_in_sheet_pdf(event=event, registrations=registrations)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="sign-in-{event.slug}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@any_role
@require_GET
def staff_survey(request: HttpRequest, pk: int) -> HttpResponse:
    """The follow-up survey's answers, question by question (they name nobody)."""
    event = selectors.event_get_for_staff(user=request.user, pk=pk)
    results = surveys.survey_results(event=event, user=staff_user(request))
    return render(
        request,
        "events/staff/survey.html",
        {"event": event, "results": results, **_nav(request)},
    )


@creators_only
@require_POST
def staff_cancel(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    event = selectors.event_get_for_staff(user=request.user, pk=pk, edit=True)
    registration = selectors.registration_get_for_staff(
        user=request.user, event=event, pk=registration_pk
    )
    services.registration_cancel(registration=registration, by=staff_user(request))
    messages.success(request, _("Registration cancelled."))
    return redirect("events:detail", pk=event.pk)


@creators_only
@require_POST
def staff_cancel_event(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the event: registrants are sent METHOD:CANCEL. Loaded from an older version of
    the event, nothing is done and the page says so (409)."""
    event = selectors.event_get_for_staff(user=request.user, pk=pk, edit=True)
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


@creators_only
@require_POST
def staff_material_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get_for_staff(user=request.user, pk=pk, edit=True)
    form = MaterialForm(request.POST)
    if form.is_valid():
        try:
            services.material_add(event=event, data=form.to_input(), by=staff_user(request))
        except services.EventError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Material added."))
            return redirect("events:detail", pk=event.pk)
    return _staff_detail(request, event, status=400, material_form=form)


@creators_only
@require_POST
def staff_material_remove(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    event = selectors.event_get_for_staff(user=request.user, pk=pk, edit=True)
    material = get_object_or_404(event.materials, pk=material_pk)
    services.material_remove(material=material, by=staff_user(request))
    messages.success(request, _("Material removed."))
    return redirect("events:detail", pk=event.pk)


def _range(form: Form) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(form.cleaned_data["start"], time.min, tzinfo=zone)
    end = datetime.combine(form.cleaned_data["end"] + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _default_range() -> dict[str, Any]:
    today = timezone.localdate()
    return {"start": today.replace(month=1, day=1), "end": today}


@report_readers
@require_GET
def staff_trained(request: HttpRequest) -> HttpResponse:
    """People trained, counted from check-ins, by audience type, for a date range."""
    form = TrainedRangeForm(request.GET or _default_range())
    rows: list[selectors.TrainedRow] = []
    status = 200
    if form.is_valid():
        start, end = _range(form)
        rows = selectors.people_trained(user=request.user, start=start, end=end)
    else:
        status = 400
    return render(
        request,
        "events/staff/trained.html",
        {"form": form, "rows": rows, "total": sum(r.people for r in rows), **_nav(request)},
        status=status,
    )


def _report_form(request: HttpRequest) -> ReportForm:
    data = request.GET.copy() if request.GET else None
    if data is None:
        return ReportForm({**_default_range(), "period": "quarter", "by": "audience"})
    data.setdefault("period", "quarter")
    data.setdefault("by", "audience")
    return ReportForm(data)


@report_readers
@require_GET
def staff_reports(request: HttpRequest) -> HttpResponse:
    """Events held and people trained by audience type, sector or city, by month, quarter or
    year: a chart drawn on the server beside the table of the same numbers."""
    form = _report_form(request)
    context: dict[str, Any] = {"form": form, **_nav(request)}
    if not form.is_valid():
        return render(request, "events/staff/reports.html", context, status=400)
    start, end = _range(form)
    report = reports.build(
        start=start, end=end, period=form.cleaned_data["period"], by=form.cleaned_data["by"]
    )
    context.update(
        report=report,
        chart=mark_safe(reports.chart_svg(report)),  # noqa: S308 - drawn here; text escaped
        by_label=reports.dimension_title(report.by),
        csv_query=request.GET.urlencode(),
    )
    return render(request, "events/staff/reports.html", context)


@report_readers
@require_GET
def staff_reports_csv(request: HttpRequest) -> HttpResponse:
    """The report as CSV (audited as an export)."""
    form = _report_form(request)
    if not form.is_valid():
        return HttpResponse(_("Check the dates."), status=400, content_type="text/plain")
    start, end = _range(form)
    report = reports.build(
        start=start, end=end, period=form.cleaned_data["period"], by=form.cleaned_data["by"]
    )
    content = reports.export_csv(report=report, user=staff_user(request))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="events-report.csv"'
    response["Cache-Control"] = "no-store"
    return response
