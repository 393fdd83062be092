"""Writes of the events app: events, registrations, the waitlist and check-in (docs/events.md).

No overbooking: ``registration_create`` locks the event row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite has no row locks, and its write lock makes a second concurrent writer fail
rather than overbook) and counts the confirmed places
in the same transaction, so two people can never both take the last seat. Cancelling a
confirmed place gives it to the person who has waited longest, under the same lock.

Every write is audited in the same transaction as the change; e-mails go out with
``transaction.on_commit``. Registrants are anonymous (no account): their entries are audited
without an actor, and the audit entry never holds their name or e-mail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.core import ratelimit
from heatwatch.events import ical, tasks
from heatwatch.events.models import (
    Audience,
    DeliveryFormat,
    Event,
    Kind,
    Language,
    Registration,
    RequestStatus,
    Sector,
    Topic,
    TrainingRequest,
)
from heatwatch.events.models import RegistrationStatus as Status
from heatwatch.lib.crypto import blind_index
from heatwatch.lib.links import absolute_url
from heatwatch.lib.versioning import StaleEdit, assign, bump, locked

EMAIL_INDEX_CONTEXT = "events.registration.email"
MANAGE_SALT = "heatwatch.events.registration.manage"
REQUEST_SALT = "heatwatch.events.training-request.manage"
# Slugs the public URLs use for other pages.
RESERVED_SLUGS = frozenset({"calendar", "registration"})
# A change of these re-sends registrants the event's calendar entry (a higher SEQUENCE).
CALENDAR_FIELDS = frozenset(
    {"title", "starts_at", "ends_at", "venue_address", "venue_room", "online_url"}
)

TEXT_LIMITS = {
    "title": 200,
    "description": 5000,
    "venue_address": 300,
    "venue_room": 120,
    "accessibility_notes": 1000,
    "online_url": 500,
    "name": 120,
    "email": 254,
    "organisation": 200,
    "accessibility_needs": 1000,
}

REQUEST_LIMITS = {
    "organisation": 200,
    "contact_name": 120,
    "contact_email": 254,
    "contact_phone": 40,
    "audience": 300,
    "preferred_dates": 500,
    "other_topics": 500,
    "location": 300,
    "decline_reason": 2000,
}


class EventError(ValueError):
    """A change that breaks an events rule; the message is safe to show."""


class StaleEvent(EventError, StaleEdit):
    """Someone else changed the event since this form was loaded (no lost update)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this event while you were editing it. Your changes were "
                "not saved; review the event and make them again."
            )
        )


class RegistrationClosed(EventError):
    """Registration is not open for this event (not yet, no longer, or it has started)."""


class RegistrationThrottled(EventError):
    """Too many registrations from this source in the last hour."""


@dataclass
class EventInput:
    """What a coordinator sets on an event (one form, one API body)."""

    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    description: str = ""
    audiences: list[str] = field(default_factory=list)
    language: str = Language.ENGLISH
    venue_address: str = ""
    venue_room: str = ""
    accessibility_notes: str = ""
    online_url: str = ""
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    is_public: bool = True


@dataclass
class RegistrationInput:
    """What a registrant types on the public form."""

    name: str
    email: str
    organisation: str = ""
    audience: str = Audience.OTHER
    accessibility_needs: str = ""
    language: str = "en"


@dataclass
class RegistrationResult:
    registration: Registration
    created: bool  # False: this e-mail was already registered (nothing new was made)


# --- events -------------------------------------------------------------------------------------


def _validate(data: EventInput, *, creating: bool) -> None:
    for name, value in (("starts_at", data.starts_at), ("ends_at", data.ends_at)):
        if timezone.is_naive(value):
            raise EventError(f"{name} must be timezone-aware")
    if data.kind not in Kind.values:
        raise EventError(_("Choose the kind of event."))
    if not data.title.strip():
        raise EventError(_("Give the event a title."))
    if data.ends_at <= data.starts_at:
        raise EventError(_("The event must end after it starts."))
    if creating and data.starts_at <= timezone.now():
        raise EventError(_("The start is in the past. Choose a date and time to come."))
    if data.capacity < 1:
        raise EventError(_("The capacity must be at least 1."))
    if not (data.venue_address.strip() or data.online_url.strip()):
        raise EventError(_("Give the address of the place, or the online link, or both."))
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if opens and closes and closes <= opens:
        raise EventError(_("Registration must close after it opens."))
    if closes and closes > data.ends_at:
        raise EventError(_("Registration must close before the event ends."))
    unknown = set(data.audiences) - set(Audience.values)
    if unknown:
        raise EventError(_("Unknown audience type."))
    for name, limit in TEXT_LIMITS.items():
        text = getattr(data, name, None)
        if isinstance(text, str) and len(text) > limit:
            raise EventError(
                _("%(field)s is too long (at most %(limit)d characters).")
                % {"field": name, "limit": limit}
            )


def _values(data: EventInput) -> dict[str, object]:
    return {
        "kind": data.kind,
        "title": data.title.strip(),
        "description": data.description.strip(),
        "audiences": sorted(set(data.audiences)),
        "language": data.language,
        "venue_address": data.venue_address.strip(),
        "venue_room": data.venue_room.strip(),
        "accessibility_notes": data.accessibility_notes.strip(),
        "online_url": data.online_url.strip(),
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "capacity": data.capacity,
        "registration_opens_at": data.registration_opens_at,
        "registration_closes_at": data.registration_closes_at,
        "is_public": data.is_public,
    }


def _unique_slug(title: str, starts_at: datetime) -> str:
    local = timezone.localtime(starts_at).date().isoformat()
    base = f"{slugify(title)[:60].strip('-') or 'event'}-{local}"
    slug, n = base, 2
    while Event.objects.filter(slug=slug).exists() or slug in RESERVED_SLUGS:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def event_create(*, data: EventInput, by: User | None) -> Event:
    """Create an event (coordinators); raises EventError for a bad date, capacity or place."""
    _validate(data, creating=True)
    event = Event(**_values(data), created_by=by)
    event.slug = _unique_slug(event.title, event.starts_at)
    event.save()
    audit_log(action=Action.CREATE, actor=by, obj=event)
    return event


def confirmed_places(event_id: int) -> int:
    """Confirmed places of an event (call it under the event's lock to act on the count)."""
    return Registration.objects.filter(event_id=event_id, status=Status.CONFIRMED).count()


@transaction.atomic
def event_update(*, event: Event, data: EventInput, by: User | None, version: int | None) -> Event:
    """Change an event; ``version`` is the one the form loaded (StaleEvent when it moved on).

    Every saved change moves the version on, which is the SEQUENCE of its calendar entries.
    A larger capacity gives the new seats to the waitlist, longest waiting first; a capacity
    below the places already confirmed is refused.
    """
    current = locked(Event, event.pk, version=version, stale=StaleEvent)
    _validate(data, creating=False)
    confirmed = confirmed_places(current.pk)
    if data.capacity < confirmed:
        raise EventError(
            _("%(count)d places are already confirmed: the capacity cannot be lower.")
            % {"count": confirmed}
        )
    changed = assign(current, _values(data))
    if not changed:
        return current
    if current.is_cancelled:
        raise EventError(_("This event is cancelled; it can no longer be changed."))
    bump(current, changed)
    audit_log(action=Action.UPDATE, actor=by, obj=current, fields=changed)
    promoted: list[Registration] = []
    if "capacity" in changed:
        promoted = _promote(current, seats=current.capacity - confirmed)
    if set(changed) & CALENDAR_FIELDS:
        # Those just promoted get the new entry with their confirmation.
        _announce(current, skip=[person.pk for person in promoted])
    return current


def _announce(event: Event, *, skip: list[int] | None = None) -> None:
    """After commit, send every registrant concerned (but ``skip``) the event's new entry."""
    event_id, version, skipped = event.pk, event.version, skip or []
    transaction.on_commit(
        lambda: tasks.send_event_update.enqueue(event_id=event_id, version=version, skip=skipped)
    )


@transaction.atomic
def event_cancel(*, event: Event, by: User | None, version: int | None) -> Event:
    """Cancel an event: registration closes, it stays listed as cancelled and in the feed
    with STATUS:CANCELLED, and every registrant is sent METHOD:CANCEL (its SEQUENCE moves on)."""
    current = locked(Event, event.pk, version=version, stale=StaleEvent)
    if current.is_cancelled:
        return current
    current.cancelled_at = timezone.now()
    bump(current, ["cancelled_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=current, fields=["cancelled_at"])
    _announce(current)
    return current


# --- registrations ------------------------------------------------------------------------------


def registration_open(event: Event, *, now: datetime | None = None) -> bool:
    """Is registration open now (inside the window, and before the event starts)?"""
    now = now or timezone.now()
    if event.is_cancelled:
        return False
    if event.registration_opens_at and now < event.registration_opens_at:
        return False
    closes = event.registration_closes_at or event.starts_at
    return now < min(closes, event.starts_at)


def manage_key(registration: Registration) -> str:
    """The secret of a registrant's personal link (signed; nothing extra is stored)."""
    return signing.Signer(salt=MANAGE_SALT).sign(str(registration.uid))


def registration_for_manage_key(key: str) -> Registration | None:
    """The registration of a personal link, or None for a forged or unknown key."""
    try:
        value = signing.Signer(salt=MANAGE_SALT).unsign(key)
        uid = uuid.UUID(value)
    except (signing.BadSignature, ValueError):
        return None
    return Registration.objects.select_related("event").filter(uid=uid).first()


def manage_url(registration: Registration) -> str:
    with translation.override(registration.language):
        return absolute_url(reverse("events_public:manage", args=[manage_key(registration)]))


@transaction.atomic
def registration_create(
    *,
    event_id: int,
    data: RegistrationInput,
    source_key: str = "",
    now: datetime | None = None,
) -> RegistrationResult:
    """Register someone for an event: a confirmed place if one is left, else the waitlist.

    The event row is locked and the confirmed places counted in this transaction, so the
    capacity is never exceeded however many people register at once. The same e-mail
    registering again gets the registration it already has (``created`` False) and the
    confirmation is sent again to that address only, so the answer on the page reveals
    nothing. Raises RegistrationClosed outside the window and RegistrationThrottled when the
    source has registered too often in the last hour.
    """
    now = now or timezone.now()
    if source_key:
        count = ratelimit.hit(scope="event-register", key=source_key, window=timedelta(hours=1))
        if count > settings.HEATWATCH_EVENT_REGISTRATIONS_PER_HOUR:
            raise RegistrationThrottled(
                _("Too many registrations from this connection. Please try again in an hour.")
            )
    event = locked(Event, event_id, version=None)
    if not registration_open(event, now=now):
        raise RegistrationClosed(_("Registration for this event is closed."))
    if data.audience not in Audience.values:
        raise EventError(_("Choose who you are registering as."))
    email = data.email.strip()
    index = blind_index(email, context=EMAIL_INDEX_CONTEXT)
    existing = Registration.objects.filter(event=event, email_index=index).first()
    if existing is not None and existing.status != Status.CANCELLED:
        transaction.on_commit(lambda: send_confirmation(existing.pk))
        return RegistrationResult(registration=existing, created=False)
    has_seat = confirmed_places(event.pk) < event.capacity
    registration = existing or Registration(event=event, email_index=index)
    registration.name = data.name.strip()
    registration.email = email
    registration.organisation = data.organisation.strip()
    registration.audience = data.audience
    registration.accessibility_needs = data.accessibility_needs.strip()
    registration.language = data.language
    registration.status = Status.CONFIRMED if has_seat else Status.WAITLISTED
    registration.waitlisted_at = None if has_seat else now
    registration.checked_in_at = None
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        # Another request registered this e-mail a moment ago (the unique constraint).
        registration = Registration.objects.get(event=event, email_index=index)
        return RegistrationResult(registration=registration, created=False)
    audit_log(
        action=Action.CREATE if existing is None else Action.UPDATE,
        obj=registration,
        reason=registration.status,
    )
    registration_id = registration.pk
    transaction.on_commit(lambda: send_confirmation(registration_id))
    return RegistrationResult(registration=registration, created=True)


def _promote(event: Event, *, seats: int) -> list[Registration]:
    """Confirm up to ``seats`` people from the waitlist, longest waiting first (under the
    event's lock, held by the caller)."""
    if seats <= 0:
        return []
    waiting = list(
        Registration.objects.filter(event=event, status=Status.WAITLISTED).order_by(
            "waitlisted_at", "pk"
        )[:seats]
    )
    for person in waiting:
        person.status = Status.CONFIRMED
        person.waitlisted_at = None
        person.save(update_fields=["status", "waitlisted_at", "updated_at"])
        audit_log(action=Action.UPDATE, obj=person, fields=["status"], reason="promoted")
        transaction.on_commit(partial(send_confirmation, person.pk, promoted=True))
    return waiting


@transaction.atomic
def registration_cancel(*, registration: Registration, by: User | None = None) -> Registration:
    """Cancel a registration (the registrant's link, or a coordinator). A freed confirmed
    place goes at once to the first person on the waitlist, who is e-mailed. Cancelling twice
    changes nothing."""
    event = locked(Event, registration.event_id, version=None)
    current = Registration.objects.select_for_update().get(pk=registration.pk)
    if current.status == Status.CANCELLED:
        return current
    was_confirmed = current.status == Status.CONFIRMED
    current.status = Status.CANCELLED
    current.waitlisted_at = None
    current.save(update_fields=["status", "waitlisted_at", "updated_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=current, fields=["status"], reason="cancelled")
    if was_confirmed:
        _promote(event, seats=event.capacity - confirmed_places(event.pk))
        # Their calendar entry is withdrawn (METHOD:CANCEL for their UID).
        transaction.on_commit(partial(send_change, current.pk, kind="cancelled"))
    return current


@transaction.atomic
def registration_check_in(
    *, registration: Registration, by: User, checked_in: bool = True
) -> Registration:
    """Tick (or untick) a confirmed registration as present; people trained are counted
    from these ticks."""
    current = Registration.objects.select_for_update().get(pk=registration.pk)
    if current.status != Status.CONFIRMED:
        raise EventError(_("Only confirmed registrations can be checked in."))
    if checked_in == (current.checked_in_at is not None):
        return current
    current.checked_in_at = timezone.now() if checked_in else None
    current.checked_in_by = by if checked_in else None
    current.save(update_fields=["checked_in_at", "checked_in_by", "updated_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=current, fields=["checked_in_at"])
    return current


# --- mail ---------------------------------------------------------------------------------------


def send_confirmation(registration_id: int, *, promoted: bool = False) -> None:
    """E-mail a registrant their status, the event's link, their personal link and the
    event's calendar entry (.ics); runs after the registration's transaction commits."""
    registration = Registration.objects.select_related("event").get(pk=registration_id)
    event = registration.event
    with translation.override(registration.language):
        program = settings.HEATWATCH_PROGRAM["name"]
        when = timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")
        if registration.status == Status.CONFIRMED:
            subject = _("[%(program)s] You have a place: %(title)s") % {
                "program": program,
                "title": event.title,
            }
            if promoted:
                status_line = _("A place became free and it is yours: you are registered.")
            else:
                status_line = _("You are registered.")
        else:
            subject = _("[%(program)s] You are on the waitlist: %(title)s") % {
                "program": program,
                "title": event.title,
            }
            status_line = _(
                "The event is full, so you are on the waitlist. If a place becomes free it "
                "goes to the person who has waited longest, and we will e-mail you."
            )
        lines = [
            status_line,
            "",
            f"{event.title}",
            _("When: %(when)s (%(zone)s)") % {"when": when, "zone": settings.TIME_ZONE},
        ]
        if event.venue_address:
            lines.append(_("Where: %(place)s") % {"place": ical.place_text(event)})
        if event.online_url and registration.status == Status.CONFIRMED:
            lines.append(_("Online link: %(url)s") % {"url": event.online_url})
        lines += [
            "",
            _("The event's page: %(url)s") % {"url": absolute_url(event.get_absolute_url())},
            _("See or cancel your registration: %(url)s") % {"url": manage_url(registration)},
        ]
        message = EmailMessage(
            subject=subject, body="\n".join(lines) + "\n", to=[registration.email]
        )
        if registration.status == Status.CONFIRMED:
            message.attach(
                "event.ics",
                ical.registration_calendar(registration),
                "text/calendar; method=REQUEST; charset=utf-8",
            )
        message.send()


def send_change(registration_id: int, *, kind: str) -> None:
    """Tell one registrant the event ``kind`` ("updated", "event_cancelled") or their
    registration ("cancelled") changed, with the calendar entry their client applies: the new
    one (METHOD:REQUEST, higher SEQUENCE) or a withdrawal (METHOD:CANCEL)."""
    registration = Registration.objects.select_related("event").get(pk=registration_id)
    event = registration.event
    confirmed = registration.status == Status.CONFIRMED
    with translation.override(registration.language):
        program = settings.HEATWATCH_PROGRAM["name"]
        when = timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")
        if kind == "event_cancelled":
            subject = _("[%(program)s] Cancelled: %(title)s")
            intro = _("We are sorry: this event is cancelled.")
        elif kind == "cancelled":
            subject = _("[%(program)s] Registration cancelled: %(title)s")
            intro = _("Your registration is cancelled.")
        else:
            subject = _("[%(program)s] Changed: %(title)s")
            intro = _("The event has changed. Your calendar entry is updated below.")
        lines = [
            intro,
            "",
            event.title,
            _("When: %(when)s (%(zone)s)") % {"when": when, "zone": settings.TIME_ZONE},
        ]
        if event.venue_address:
            lines.append(_("Where: %(place)s") % {"place": ical.place_text(event)})
        if event.online_url and confirmed and kind == "updated":
            lines.append(_("Online link: %(url)s") % {"url": event.online_url})
        lines += [
            "",
            _("The event's page: %(url)s") % {"url": absolute_url(event.get_absolute_url())},
        ]
        if kind == "updated":
            lines.append(
                _("See or cancel your registration: %(url)s") % {"url": manage_url(registration)}
            )
        message = EmailMessage(
            subject=subject % {"program": program, "title": event.title},
            body="\n".join(lines) + "\n",
            to=[registration.email],
        )
        if kind != "updated" or confirmed:
            cancel = kind != "updated"
            message.attach(
                "event.ics",
                ical.registration_calendar(registration, cancel=cancel),
                f"text/calendar; method={'CANCEL' if cancel else 'REQUEST'}; charset=utf-8",
            )
        message.send()


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
    return request


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
