"""Training requests: the public form, the coordinator's answer, the requester's link."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heatwatch.accounts.models import Role, User
from heatwatch.accounts.selectors import users_with_role
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.core import ratelimit
from heatwatch.events.models import (
    DeliveryFormat,
    Event,
    Language,
    RequestStatus,
    Sector,
    Topic,
    TrainingRequest,
)
from heatwatch.events.services._base import (
    REQUEST_LIMITS,
    REQUEST_SALT,
    EventError,
    EventInput,
    RegistrationThrottled,
)
from heatwatch.lib.links import absolute_url
from heatwatch.lib.versioning import StaleEdit, bump, locked

# --- training requests --------------------------------------------------------------------------


class StaleRequest(EventError, StaleEdit):
    """Someone else decided the request since this page was loaded."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this request while you were looking at it. Nothing was "
                "saved; review it again."
            )
        )


@dataclass
class TrainingRequestInput:
    """What a requester types on /training/request/."""

    organisation: str
    sector: str
    contact_name: str
    contact_email: str
    approximate_size: int
    contact_phone: str = ""
    audience: str = ""
    preferred_dates: str = ""
    topics: list[str] = field(default_factory=list)
    other_topics: str = ""
    language: str = Language.ENGLISH
    delivery: str = DeliveryFormat.EITHER
    location: str = ""
    request_language: str = "en"


def request_key(request: TrainingRequest) -> str:
    """The secret of a requester's personal link (signed; nothing extra is stored)."""
    return signing.Signer(salt=REQUEST_SALT).sign(str(request.uid))


def request_for_key(key: str) -> TrainingRequest | None:
    """The training request of a personal link, or None for a forged or unknown key."""
    try:
        uid = uuid.UUID(signing.Signer(salt=REQUEST_SALT).unsign(key))
    except (signing.BadSignature, ValueError):
        return None
    return TrainingRequest.objects.select_related("event").filter(uid=uid).first()


@transaction.atomic
def training_request_submit(*, data: TrainingRequestInput, source_key: str = "") -> TrainingRequest:
    """Record a training request (pending) and e-mail the requester a confirmation with
    their personal link. RegistrationThrottled when the source has sent too many this hour."""
    if source_key:
        count = ratelimit.hit(scope="training-request", key=source_key, window=timedelta(hours=1))
        if count > settings.HEATWATCH_TRAINING_REQUESTS_PER_HOUR:
            raise RegistrationThrottled(
                _("Too many requests from this connection. Please try again in an hour.")
            )
    if data.sector not in Sector.values or data.delivery not in DeliveryFormat.values:
        raise EventError(_("Choose from the lists."))
    if set(data.topics) - set(Topic.values) or data.language not in Language.values:
        raise EventError(_("Choose from the lists."))
    if data.approximate_size < 1:
        raise EventError(_("About how many people? At least 1."))
    for name, limit in REQUEST_LIMITS.items():
        text = getattr(data, name, None)
        if isinstance(text, str) and len(text) > limit:
            raise EventError(
                _("%(field)s is too long (at most %(limit)d characters).")
                % {"field": name, "limit": limit}
            )
    request = TrainingRequest.objects.create(
        organisation=data.organisation.strip(),
        sector=data.sector,
        contact_name=data.contact_name.strip(),
        contact_email=data.contact_email.strip(),
        contact_phone=data.contact_phone.strip(),
        audience=data.audience.strip(),
        approximate_size=data.approximate_size,
        preferred_dates=data.preferred_dates.strip(),
        topics=sorted(set(data.topics)),
        other_topics=data.other_topics.strip(),
        language=data.language,
        delivery=data.delivery,
        location=data.location.strip(),
        request_language=data.request_language,
    )
    audit_log(action=Action.CREATE, obj=request)
    transaction.on_commit(partial(send_request_mail, request.pk))
    transaction.on_commit(partial(notify_coordinators_of_request, request.pk))
    return request


def notify_coordinators_of_request(request_id: int) -> None:
    """E-mail the coordinators that a training request arrived: the organisation, its sector
    and size and a link to the queue; never the contact's name, e-mail or phone (mailboxes
    are less protected than the platform)."""
    request = TrainingRequest.objects.filter(pk=request_id).first()
    if request is None:
        return
    recipients = sorted({u.email for u in users_with_role(role=Role.COORDINATOR) if u.email})
    if not recipients:
        return
    program = settings.HEATWATCH_PROGRAM["name"]
    with translation.override(settings.LANGUAGE_CODE):
        link = absolute_url(reverse("events:request_detail", args=[request.pk]))
        lines = [
            _("A training request arrived."),
            "",
            _("Organisation: %(name)s (%(sector)s)")
            % {"name": request.organisation, "sector": request.get_sector_display()},
            _("About %(count)d people") % {"count": request.approximate_size},
            "",
            _("Open it in the queue: %(url)s") % {"url": link},
        ]
        EmailMessage(
            subject=_("[%(program)s] New training request") % {"program": program},
            body="\n".join(lines) + "\n",
            to=recipients,
        ).send()


def _locked_pending(request: TrainingRequest, version: int | None) -> TrainingRequest:
    current = locked(TrainingRequest, request.pk, version=version, stale=StaleRequest)
    if current.status != RequestStatus.PENDING:
        raise EventError(_("This request has already been answered."))
    return current


@transaction.atomic
def training_request_accept(
    *, request: TrainingRequest, data: EventInput, by: User, version: int | None
) -> Event:
    """Accept a pending request: create its event (as event_create does) and link them; the
    requester is e-mailed."""
    # The package's __init__ imports this module, so its event writes are imported here.
    from heatwatch.events.services import event_create

    current = _locked_pending(request, version)
    event = event_create(data=data, by=by)
    current.status = RequestStatus.ACCEPTED
    current.event = event
    current.decided_by = by
    bump(current, ["status", "event", "decided_by"])
    audit_log(action=Action.UPDATE, actor=by, obj=current, fields=["status", "event"])
    transaction.on_commit(partial(send_request_mail, current.pk))
    return event


@transaction.atomic
def training_request_decline(
    *, request: TrainingRequest, reason: str, by: User, version: int | None
) -> TrainingRequest:
    """Decline a pending request with a reason the requester reads in their e-mail."""
    current = _locked_pending(request, version)
    reason = reason.strip()
    if not reason:
        raise EventError(_("Give the requester a reason."))
    if len(reason) > REQUEST_LIMITS["decline_reason"]:
        raise EventError(_("The reason is too long."))
    current.status = RequestStatus.DECLINED
    current.decline_reason = reason
    current.decided_by = by
    bump(current, ["status", "decline_reason", "decided_by"])
    audit_log(action=Action.UPDATE, actor=by, obj=current, fields=["status", "decline_reason"])
    transaction.on_commit(partial(send_request_mail, current.pk))
    return current


@transaction.atomic
def training_request_withdraw(*, request: TrainingRequest) -> TrainingRequest:
    """The requester withdraws their pending request (through their personal link)."""
    current = _locked_pending(request, None)
    current.status = RequestStatus.WITHDRAWN
    bump(current, ["status"])
    audit_log(action=Action.UPDATE, obj=current, fields=["status"], reason="withdrawn")
    transaction.on_commit(partial(send_request_mail, current.pk))
    return current


def send_request_mail(request_id: int) -> None:
    """Tell the requester where their request stands (after each step commits)."""
    request = TrainingRequest.objects.select_related("event").get(pk=request_id)
    with translation.override(request.request_language):
        program = settings.HEATWATCH_PROGRAM["name"]
        link = absolute_url(reverse("training_public:manage", args=[request_key(request)]))
        if request.status == RequestStatus.ACCEPTED and request.event is not None:
            subject = _("[%(program)s] Your training request is accepted") % {"program": program}
            when = timezone.localtime(request.event.starts_at).strftime("%Y-%m-%d %H:%M")
            lines = [
                _("We will deliver the training you asked for."),
                "",
                request.event.title,
                _("When: %(when)s (%(zone)s)") % {"when": when, "zone": settings.TIME_ZONE},
                _("The event's page: %(url)s")
                % {"url": absolute_url(request.event.get_absolute_url())},
            ]
        elif request.status == RequestStatus.DECLINED:
            subject = _("[%(program)s] About your training request") % {"program": program}
            lines = [
                _("We are sorry: we cannot deliver this training."),
                "",
                request.decline_reason,
            ]
        elif request.status == RequestStatus.WITHDRAWN:
            subject = _("[%(program)s] Your training request is withdrawn") % {"program": program}
            lines = [_("You withdrew your training request. Thank you for letting us know.")]
        else:
            subject = _("[%(program)s] We received your training request") % {"program": program}
            lines = [
                _("Thank you. A coordinator will read your request and write to you."),
                "",
                _("See or withdraw your request: %(url)s") % {"url": link},
            ]
        EmailMessage(
            subject=subject, body="\n".join(lines) + "\n", to=[request.contact_email]
        ).send()
