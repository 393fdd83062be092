"""Writes of the events app: events, registrations, the waitlist and check-in (docs/events.md).

No overbooking: ``registration_create`` locks the event row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite has no row locks, and its write lock makes a second concurrent writer fail
rather than overbook) and counts the confirmed places
in the same transaction, so two people can never both take the last seat. Cancelling a
confirmed place gives it to the person who has waited longest, under the same lock.

Every write is audited in the same transaction as the change; e-mails go out with
``transaction.on_commit``. Registrants are anonymous (no account): their entries are audited
without an actor, and the audit entry never holds their name or e-mail.

By concept: ``_base`` (limits, errors, input records), this module (events, series,
registrations, the waitlist and holds, check-in, their e-mails), ``survey_questions`` (an
event's own follow-up questions), ``materials`` and ``training_requests``;
``from heatwatch.events import services`` gives them all.
"""

from __future__ import annotations

import uuid
from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Sum
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
    Cadence,
    Event,
    EventSeries,
    Kind,
    Registration,
    Sector,
)
from heatwatch.events.models import RegistrationStatus as Status
from heatwatch.events.services._base import (
    CALENDAR_FIELDS,
    EMAIL_INDEX_CONTEXT,
    MANAGE_SALT,
    MAX_CUTOFF_HOURS,
    MAX_SURVEY_QUESTIONS,
    REQUEST_LIMITS,
    REQUEST_SALT,
    RESERVED_SLUGS,
    SURVEY_QUESTION_LIMIT,
    TEXT_LIMITS,
    EventError,
    EventInput,
    MaterialInput,
    RegistrationClosed,
    RegistrationInput,
    RegistrationResult,
    RegistrationThrottled,
    StaleEvent,
    SurveyQuestionInput,
)
from heatwatch.events.services.materials import material_add, material_remove
from heatwatch.events.services.survey_questions import (
    _questions_of,
    _set_survey_questions,
    _stripped,
    _validate_questions,
)
from heatwatch.events.services.training_requests import (
    StaleRequest,
    TrainingRequestInput,
    notify_coordinators_of_request,
    request_for_key,
    request_key,
    send_request_mail,
    training_request_accept,
    training_request_decline,
    training_request_submit,
    training_request_withdraw,
)
from heatwatch.lib.crypto import blind_index
from heatwatch.lib.links import absolute_url
from heatwatch.lib.versioning import StaleEdit, assign, bump, locked

# Re-exported: callers use ``services.<name>`` for the whole package.
__all__ = [
    "material_add",
    "material_remove",
    "CALENDAR_FIELDS",
    "EMAIL_INDEX_CONTEXT",
    "EventError",
    "EventInput",
    "MANAGE_SALT",
    "MAX_CUTOFF_HOURS",
    "MAX_SURVEY_QUESTIONS",
    "MaterialInput",
    "REQUEST_LIMITS",
    "REQUEST_SALT",
    "RESERVED_SLUGS",
    "RegistrationClosed",
    "RegistrationInput",
    "RegistrationResult",
    "RegistrationThrottled",
    "StaleEvent",
    "StaleRequest",
    "SURVEY_QUESTION_LIMIT",
    "SurveyQuestionInput",
    "TEXT_LIMITS",
    "TrainingRequestInput",
    "notify_coordinators_of_request",
    "request_for_key",
    "request_key",
    "send_request_mail",
    "training_request_accept",
    "training_request_decline",
    "training_request_submit",
    "training_request_withdraw",
]

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
    if not 0 <= data.cancel_cutoff_hours <= MAX_CUTOFF_HOURS:
        raise EventError(
            _("The cancellation cut-off must be between 0 and %(most)d hours before the start.")
            % {"most": MAX_CUTOFF_HOURS}
        )
    most = settings.HEATWATCH_EVENT_MAX_PLACES
    if not 1 <= data.max_places <= min(most, data.capacity):
        raise EventError(
            _("Places per registration: from 1 to %(most)d, and not above the capacity.")
            % {"most": most}
        )
    _validate_questions(data.survey_questions)
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
        "city": data.city.strip(),
        "presenter_names": data.presenter_names.strip(),
        "cancel_cutoff_hours": data.cancel_cutoff_hours,
        "max_places": data.max_places,
    }


def _presenters(data: EventInput) -> list[User]:
    ids = set(data.presenter_ids)
    users = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(users) != len(ids):
        raise EventError(_("Choose presenters from the list."))
    return users


def _set_presenters(event: Event, users: list[User]) -> bool:
    """Link the event's presenters; True when they changed."""
    before = set(event.presenters.values_list("pk", flat=True))
    after = {u.pk for u in users}
    if before == after:
        return False
    event.presenters.set(users)
    return True


def _unique_slug(title: str, starts_at: datetime) -> str:
    local = timezone.localtime(starts_at).date().isoformat()
    base = f"{slugify(title)[:60].strip('-') or 'event'}-{local}"
    slug, n = base, 2
    while Event.objects.filter(slug=slug).exists() or slug in RESERVED_SLUGS:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def event_create(*, data: EventInput, by: User | None, series: EventSeries | None = None) -> Event:
    """Create an event (coordinators); raises EventError for a bad date, capacity or place."""
    _validate(data, creating=True)
    presenters = _presenters(data)
    event = Event(**_values(data), created_by=by, series=series)
    event.slug = _unique_slug(event.title, event.starts_at)
    event.save()
    _set_presenters(event, presenters)
    _set_survey_questions(event, data.survey_questions)
    audit_log(action=Action.CREATE, actor=by, obj=event)
    return event


def confirmed_places(event_id: int) -> int:
    """The places an event has given: confirmed ones and those held for someone on the
    waitlist (walk-ins, added at the door, are not bookings and not counted). Call it under
    the event's lock to act on the count."""
    total = Registration.objects.filter(
        event_id=event_id, status__in=[Status.CONFIRMED, Status.OFFERED], walk_in=False
    ).aggregate(total=Sum("places"))["total"]
    return int(total or 0)


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
    presenters = _presenters(data)
    changed = assign(current, _values(data))
    same_presenters = {u.pk for u in presenters} == set(
        current.presenters.values_list("pk", flat=True)
    )
    same_questions = _stripped(data.survey_questions) == _questions_of(current)
    if current.is_cancelled and (changed or not same_presenters or not same_questions):
        raise EventError(_("This event is cancelled; it can no longer be changed."))
    if _set_presenters(current, presenters):
        changed.append("presenters")
    if _set_survey_questions(current, data.survey_questions):
        changed.append("survey_questions")
    if not changed:
        return current
    bump(current, [f for f in changed if f not in ("presenters", "survey_questions")])
    audit_log(action=Action.UPDATE, actor=by, obj=current, fields=changed)
    promoted: list[Registration] = []
    if "capacity" in changed:
        promoted = _promote(current)
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


# --- series -------------------------------------------------------------------------------------

MAX_SERIES_WEEKS = 26
QUARTERLY_DATES = 4


class StaleSeries(EventError, StaleEdit):
    """Someone else changed the series since this form was loaded."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this series while you were editing it. Nothing was saved; "
                "review it and make your changes again."
            )
        )


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


def series_dates(
    *, starts_at: datetime, ends_at: datetime, cadence: str, count: int
) -> list[tuple[datetime, datetime]]:
    """The dates of a series: every three months (four dates) or every week (``count``), at
    the same local time of day whatever the daylight-saving change in between."""
    zone = timezone.get_current_timezone()
    local = timezone.localtime(starts_at, zone)
    length = ends_at - starts_at
    n = QUARTERLY_DATES if cadence == Cadence.QUARTERLY else count
    dates = []
    for i in range(n):
        if cadence == Cadence.QUARTERLY:
            day = _add_months(local.date(), 3 * i)
        else:
            day = local.date() + timedelta(days=7 * i)
        start = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
        dates.append((start, start + length))
    return dates


@transaction.atomic
def series_create(*, data: EventInput, cadence: str, count: int, by: User | None) -> EventSeries:
    """Create a series in one step: the four quarterly dates or ``count`` weekly ones (2 to
    MAX_SERIES_WEEKS), each an event of its own (its own page, registrations and calendar
    entry), with the registration window moved along with each date."""
    if cadence not in Cadence.values:
        raise EventError(_("Choose the dates of the series."))
    if cadence == Cadence.WEEKLY and not 2 <= count <= MAX_SERIES_WEEKS:
        raise EventError(_("A weekly series has 2 to %(most)d dates.") % {"most": MAX_SERIES_WEEKS})
    _validate(data, creating=True)
    series = EventSeries.objects.create(title=data.title.strip(), cadence=cadence, created_by=by)
    for start, end in series_dates(
        starts_at=data.starts_at, ends_at=data.ends_at, cadence=cadence, count=count
    ):
        shift = start - data.starts_at
        event_create(
            data=replace(
                data,
                starts_at=start,
                ends_at=end,
                registration_opens_at=data.registration_opens_at + shift
                if data.registration_opens_at
                else None,
                registration_closes_at=data.registration_closes_at + shift
                if data.registration_closes_at
                else None,
            ),
            by=by,
            series=series,
        )
    audit_log(action=Action.CREATE, actor=by, obj=series)
    return series


def event_input_from(event: Event) -> EventInput:
    """The input that would save ``event`` unchanged (to change a few fields of it)."""
    return EventInput(
        kind=event.kind,
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        capacity=event.capacity,
        description=event.description,
        audiences=list(event.audiences),
        language=event.language,
        venue_address=event.venue_address,
        venue_room=event.venue_room,
        accessibility_notes=event.accessibility_notes,
        online_url=event.online_url,
        registration_opens_at=event.registration_opens_at,
        registration_closes_at=event.registration_closes_at,
        is_public=event.is_public,
        city=event.city,
        presenter_names=event.presenter_names,
        presenter_ids=list(event.presenters.values_list("pk", flat=True)),
        cancel_cutoff_hours=event.cancel_cutoff_hours,
        max_places=event.max_places,
        survey_questions=_questions_of(event),
    )


@dataclass
class SeriesChange:
    """What an edit of "all dates" sets on every date of a series still to come."""

    title: str
    capacity: int
    start_time: time
    duration_minutes: int
    description: str = ""
    venue_address: str = ""
    venue_room: str = ""
    online_url: str = ""


@transaction.atomic
def series_update(
    *, series: EventSeries, change: SeriesChange, by: User | None, version: int | None
) -> list[Event]:
    """Change every date of a series that has not started (and is not cancelled): each is
    saved as event_update saves one (its SEQUENCE moves on and registrants get the new
    entry). A change one date refuses (a capacity below its confirmed places) saves none.
    Stale (``version``): StaleSeries. Past dates keep what they were."""
    current = locked(EventSeries, series.pk, version=version, stale=StaleSeries)
    if change.duration_minutes < 15:
        raise EventError(_("An event lasts at least 15 minutes."))
    zone = timezone.get_current_timezone()
    changed: list[Event] = []
    for event in Event.objects.filter(
        series=current, starts_at__gt=timezone.now(), cancelled_at__isnull=True
    ).order_by("starts_at"):
        day = timezone.localtime(event.starts_at, zone).date()
        start = datetime.combine(day, change.start_time, tzinfo=zone)
        shift = start - event.starts_at
        data = replace(
            event_input_from(event),
            title=change.title,
            description=change.description,
            venue_address=change.venue_address,
            venue_room=change.venue_room,
            online_url=change.online_url,
            capacity=change.capacity,
            starts_at=start,
            ends_at=start + timedelta(minutes=change.duration_minutes),
            registration_opens_at=event.registration_opens_at + shift
            if event.registration_opens_at
            else None,
            registration_closes_at=event.registration_closes_at + shift
            if event.registration_closes_at
            else None,
        )
        try:
            changed.append(event_update(event=event, data=data, by=by, version=None))
        except EventError as exc:
            when = timezone.localtime(event.starts_at).strftime("%Y-%m-%d")
            raise EventError(
                _("The date of %(when)s: %(error)s") % {"when": when, "error": exc}
            ) from exc
    current.title = change.title.strip()
    bump(current, ["title"])
    audit_log(action=Action.UPDATE, actor=by, obj=current, fields=["title", "events"])
    return changed


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


def accept_url(registration: Registration) -> str:
    """The one-click link to take a held place (a page with a button: a GET accepts nothing,
    so mail scanners that follow links do not take the place)."""
    with translation.override(registration.language):
        return absolute_url(reverse("events_public:accept", args=[manage_key(registration)]))


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
        # Counted in its own short transaction, before the event's lock is taken: the
        # counter's row would otherwise stay locked until the registration commits and
        # serialise everyone registering from one address (an office behind one NAT). Every
        # attempt counts, refused ones too.
        count = ratelimit.hit(scope="event-register", key=source_key, window=timedelta(hours=1))
        if count > settings.HEATWATCH_EVENT_REGISTRATIONS_PER_HOUR:
            raise RegistrationThrottled(
                _("Too many registrations from this connection. Please try again in an hour.")
            )
    return _register(event_id=event_id, data=data, now=now)


@transaction.atomic
def _register(*, event_id: int, data: RegistrationInput, now: datetime) -> RegistrationResult:
    """registration_create's transaction: the seat check and the booking under the event's
    lock."""
    event = locked(Event, event_id, version=None)
    if not registration_open(event, now=now):
        raise RegistrationClosed(_("Registration for this event is closed."))
    if data.audience not in Audience.values:
        raise EventError(_("Choose who you are registering as."))
    if data.sector and data.sector not in Sector.values:
        raise EventError(_("Choose your sector from the list."))
    if not 1 <= data.places <= event.max_places:
        raise EventError(
            _("You can register for 1 to %(most)d places.") % {"most": event.max_places}
        )
    email = data.email.strip()
    index = blind_index(email, context=EMAIL_INDEX_CONTEXT)
    existing = Registration.objects.filter(event=event, email_index=index).first()
    if existing is not None and existing.status != Status.CANCELLED:
        transaction.on_commit(lambda: send_confirmation(existing.pk))
        return RegistrationResult(registration=existing, created=False)
    has_seat = confirmed_places(event.pk) + data.places <= event.capacity
    registration = existing or Registration(event=event, email_index=index)
    registration.name = data.name.strip()
    registration.email = email
    registration.organisation = data.organisation.strip()
    registration.audience = data.audience
    registration.sector = data.sector
    registration.accessibility_needs = data.accessibility_needs.strip()
    registration.language = data.language
    registration.places = data.places
    registration.status = Status.CONFIRMED if has_seat else Status.WAITLISTED
    registration.waitlisted_at = None if has_seat else now
    registration.hold_expires_at = None
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


def _promote(event: Event, *, now: datetime | None = None) -> list[Registration]:
    """Offer the free places to the waitlist, longest waiting first (under the event's lock,
    held by the caller): each person is held a place for ``HEATWATCH_EVENT_HOLD_HOURS`` (never
    past the start) and e-mailed a link to accept it. A held place counts as taken, so nobody
    else can book it. The waitlist is served in order: someone who asked for more places than
    are free waits, and so do those behind them. With a hold of 0 hours the place is given at
    once. Returns those confirmed at once (they were sent their calendar entry)."""
    now = now or timezone.now()
    if event.is_cancelled or now >= event.starts_at:
        return []
    free = event.capacity - confirmed_places(event.pk)
    if free <= 0:
        return []
    hours = settings.HEATWATCH_EVENT_HOLD_HOURS
    waiting = Registration.objects.filter(event=event, status=Status.WAITLISTED).order_by(
        "waitlisted_at", "pk"
    )
    confirmed: list[Registration] = []
    for person in waiting.iterator():
        if person.places > free:
            break
        if hours <= 0:
            person.status = Status.CONFIRMED
            person.waitlisted_at = None
            person.save(update_fields=["status", "waitlisted_at", "updated_at"])
            audit_log(action=Action.UPDATE, obj=person, fields=["status"], reason="promoted")
            transaction.on_commit(partial(send_confirmation, person.pk, promoted=True))
            confirmed.append(person)
        else:
            person.status = Status.OFFERED
            person.hold_expires_at = min(now + timedelta(hours=hours), event.starts_at)
            person.save(update_fields=["status", "hold_expires_at", "updated_at"])
            audit_log(action=Action.UPDATE, obj=person, fields=["status"], reason="offered")
            transaction.on_commit(partial(send_hold_offer, person.pk))
        free -= person.places
        if free <= 0:
            break
    return confirmed


class HoldUnavailable(EventError):
    """The place offered is no longer held (the hold expired, or was passed on)."""


def cancel_allowed(registration: Registration, *, now: datetime | None = None) -> bool:
    """May the registrant cancel on their link now? A confirmed place until the event's
    cut-off; the waitlist and a held place until the start."""
    now = now or timezone.now()
    event = registration.event
    if registration.status == Status.CONFIRMED:
        return now < event.cancel_until
    return now < event.starts_at


@transaction.atomic
def registration_cancel(
    *, registration: Registration, by: User | None = None, now: datetime | None = None
) -> Registration:
    """Cancel a registration (the registrant's link, or a coordinator; the registrant only
    until the event's cut-off). A freed place (confirmed or held) is offered to the next
    person on the waitlist. Cancelling twice changes nothing."""
    now = now or timezone.now()
    event = locked(Event, registration.event_id, version=None)
    current = Registration.objects.select_for_update().get(pk=registration.pk)
    if current.status == Status.CANCELLED:
        return current
    current.event = event
    if by is None and not cancel_allowed(current, now=now):
        raise EventError(
            _("Cancelling closed %(when)s. Please write to the program if you cannot come.")
            % {"when": timezone.localtime(event.cancel_until).strftime("%Y-%m-%d %H:%M")}
        )
    was_confirmed = current.status == Status.CONFIRMED
    frees_place = current.status in (Status.CONFIRMED, Status.OFFERED) and not current.walk_in
    current.status = Status.CANCELLED
    current.waitlisted_at = None
    current.hold_expires_at = None
    current.save(update_fields=["status", "waitlisted_at", "hold_expires_at", "updated_at"])
    audit_log(action=Action.UPDATE, actor=by, obj=current, fields=["status"], reason="cancelled")
    if frees_place:
        _promote(event, now=now)
    if was_confirmed:
        # Their calendar entry is withdrawn (METHOD:CANCEL for their UID).
        transaction.on_commit(partial(send_change, current.pk, kind="cancelled"))
    return current


@transaction.atomic
def hold_accept(*, registration: Registration, now: datetime | None = None) -> Registration:
    """Take the place held for a registrant (the one-click link, by POST): it becomes a
    confirmed place and the calendar entry is sent. Accepting twice changes nothing; an
    expired hold raises HoldUnavailable (the periodic job passes it on)."""
    now = now or timezone.now()
    event = locked(Event, registration.event_id, version=None)
    current = Registration.objects.select_for_update().get(pk=registration.pk)
    if current.status == Status.CONFIRMED:
        return current
    if (
        current.status != Status.OFFERED
        or current.hold_expires_at is None
        or current.hold_expires_at <= now
        or event.is_cancelled
    ):
        raise HoldUnavailable(
            _("This place is no longer held for you: the offer expired or was passed on.")
        )
    current.status = Status.CONFIRMED
    current.waitlisted_at = None
    current.hold_expires_at = None
    current.save(update_fields=["status", "waitlisted_at", "hold_expires_at", "updated_at"])
    audit_log(action=Action.UPDATE, obj=current, fields=["status"], reason="hold accepted")
    transaction.on_commit(partial(send_confirmation, current.pk, promoted=True))
    return current


def holds_expire(*, now: datetime | None = None) -> int:
    """Pass on every hold that has expired: the person loses it (and is told) and the place
    is offered to the next one. Each event in its own transaction under its lock; safe to
    run twice. Returns how many holds expired."""
    now = now or timezone.now()
    event_ids = set(
        Registration.objects.filter(status=Status.OFFERED, hold_expires_at__lte=now).values_list(
            "event_id", flat=True
        )
    )
    expired = 0
    for event_id in sorted(event_ids):
        with transaction.atomic():
            event = locked(Event, event_id, version=None)
            rows = list(
                Registration.objects.select_for_update().filter(
                    event=event, status=Status.OFFERED, hold_expires_at__lte=now
                )
            )
            for person in rows:
                person.status = Status.CANCELLED
                person.hold_expires_at = None
                person.waitlisted_at = None
                person.save(
                    update_fields=["status", "hold_expires_at", "waitlisted_at", "updated_at"]
                )
                audit_log(
                    action=Action.UPDATE, obj=person, fields=["status"], reason="hold expired"
                )
                transaction.on_commit(partial(send_hold_expired, person.pk))
            expired += len(rows)
            _promote(event, now=now)
    return expired


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
        if registration.places > 1:
            lines.append(_("Places: %(count)d") % {"count": registration.places})
        if event.cancel_cutoff_hours and registration.status == Status.CONFIRMED:
            until = timezone.localtime(event.cancel_until).strftime("%Y-%m-%d %H:%M")
            lines.append(_("You can cancel until %(when)s.") % {"when": until})
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


def send_hold_offer(registration_id: int) -> None:
    """Tell the next person on the waitlist that a place is held for them, until when, with
    the one-click link to take it."""
    registration = Registration.objects.select_related("event").get(pk=registration_id)
    if registration.status != Status.OFFERED or registration.hold_expires_at is None:
        return
    event = registration.event
    with translation.override(registration.language):
        program = settings.HEATWATCH_PROGRAM["name"]
        when = timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")
        until = timezone.localtime(registration.hold_expires_at).strftime("%Y-%m-%d %H:%M")
        lines = [
            _("A place became free and we are holding it for you until %(until)s (%(zone)s).")
            % {"until": until, "zone": settings.TIME_ZONE},
            "",
            event.title,
            _("When: %(when)s (%(zone)s)") % {"when": when, "zone": settings.TIME_ZONE},
            "",
            _("Take the place (one click on the page): %(url)s")
            % {"url": accept_url(registration)},
            _("If you cannot come, leave the waitlist here: %(url)s")
            % {"url": manage_url(registration)},
            "",
            _("If you do nothing, the place goes to the next person after %(until)s.")
            % {"until": until},
        ]
        EmailMessage(
            subject=_("[%(program)s] A place is held for you: %(title)s")
            % {"program": program, "title": event.title},
            body="\n".join(lines) + "\n",
            to=[registration.email],
        ).send()


def send_hold_expired(registration_id: int) -> None:
    """Tell someone whose held place was passed on."""
    registration = Registration.objects.select_related("event").get(pk=registration_id)
    event = registration.event
    with translation.override(registration.language):
        program = settings.HEATWATCH_PROGRAM["name"]
        lines = [
            _("The place we held for you was not taken in time, so it went to the next person."),
            "",
            event.title,
            _("You can register again on the event's page (you would join the waitlist): %(url)s")
            % {"url": absolute_url(event.get_absolute_url())},
        ]
        EmailMessage(
            subject=_("[%(program)s] The place held for you has gone: %(title)s")
            % {"program": program, "title": event.title},
            body="\n".join(lines) + "\n",
            to=[registration.email],
        ).send()
