"""Training requests: the public form and the requester's link, the coordinator's queue,
accept (which creates the event) and decline."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heatwatch.accounts.permissions import staff_user
from heatwatch.core import ratelimit
from heatwatch.core.actions import run_form_action
from heatwatch.core.csrf import (
    FORM_TOKEN_FIELD,
    form_token_issue,
)
from heatwatch.events import selectors, services
from heatwatch.events.forms import (
    DeclineForm,
    EventForm,
    TrainingRequestForm,
    accept_initial,
)
from heatwatch.events.models import (
    Event,
    RequestStatus,
    TrainingRequest,
)
from heatwatch.events.views._common import (
    REQUEST_FORM,
    REQUEST_MANAGE_FORM,
    _post_refused,
    coordinator_only,
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
