"""Attendance: walk-ins added at the door, attendance entered after the event from the
printed sign-in sheet, and that sheet as a PDF (weasyprint).

People trained are counted from check-ins (``Registration.checked_in_at``), whichever way
they were made: ticked at the door, a walk-in, or entered from the sheet.

The sheet's HTML comes from our own template with every value escaped; weasyprint is given a
URL fetcher that refuses everything, so the sheet never loads a remote (or local) resource.
Its metadata names the event, never a registrant.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.events.models import Audience, Event, Registration, Sector
from heatwatch.events.models import RegistrationStatus as Status
from heatwatch.events.services import EMAIL_INDEX_CONTEXT, TEXT_LIMITS, EventError
from heatwatch.lib.crypto import blind_index
from heatwatch.lib.versioning import locked

STYLESHEET = (Path(__file__).parent / "sign_in_sheet.css").read_text(encoding="utf-8")


@dataclass
class WalkInInput:
    name: str
    email: str = ""
    organisation: str = ""
    audience: str = Audience.OTHER
    sector: str = ""


@transaction.atomic
def walk_in_add(*, event: Event, data: WalkInInput, by: User) -> Registration:
    """Add someone who came without registering, checked in at once. A walk-in is not a
    booking: it does not take one of the places (the door is past booking), so it never
    turns a booked person away. Someone already registered with that e-mail is refused (tick
    them on the list instead)."""
    current = locked(Event, event.pk, version=None)
    if current.is_cancelled:
        raise EventError(_("This event is cancelled."))
    name = data.name.strip()
    if not name:
        raise EventError(_("Give the person's name."))
    for label, value in (
        ("name", name),
        ("email", data.email),
        ("organisation", data.organisation),
    ):
        if len(value) > TEXT_LIMITS[label]:
            raise EventError(_("%(field)s is too long.") % {"field": label})
    if data.audience not in Audience.values or (data.sector and data.sector not in Sector.values):
        raise EventError(_("Choose from the lists."))
    email = data.email.strip()
    # Without an e-mail the index only has to be unique: nobody can register "as" it.
    index = blind_index(email, context=EMAIL_INDEX_CONTEXT) if email else f"walk-in:{uuid.uuid4()}"
    now = timezone.now()
    registration = Registration(
        event=current,
        email_index=index,
        name=name,
        email=email,
        organisation=data.organisation.strip(),
        audience=data.audience,
        sector=data.sector,
        status=Status.CONFIRMED,
        walk_in=True,
        checked_in_at=now,
        checked_in_by=by,
    )
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise EventError(
            _("Someone with this e-mail is already registered: check them in on the list.")
        ) from None
    audit_log(action=Action.CREATE, actor=by, obj=registration, reason="walk-in")
    return registration


@transaction.atomic
def attendance_record(*, event: Event, present: Iterable[int], by: User) -> int:
    """Enter attendance from the sign-in sheet: the confirmed registrations in ``present``
    are checked in, every other confirmed one is not. Returns how many changed."""
    locked(Event, event.pk, version=None)
    wanted = set(present)
    rows = list(
        Registration.objects.select_for_update().filter(event=event, status=Status.CONFIRMED)
    )
    unknown = wanted - {r.pk for r in rows}
    if unknown:
        raise EventError(_("Only confirmed registrations of this event can be ticked."))
    now = timezone.now()
    changed = 0
    for row in rows:
        here = row.pk in wanted
        if here == (row.checked_in_at is not None):
            continue
        row.checked_in_at = now if here else None
        row.checked_in_by = by if here else None
        row.save(update_fields=["checked_in_at", "checked_in_by", "updated_at"])
        audit_log(action=Action.UPDATE, actor=by, obj=row, fields=["checked_in_at"], reason="sheet")
        changed += 1
    return changed


class ExternalResourceRefused(ValueError):
    """The sheet tried to load a URL."""


class RefusingURLFetcher(URLFetcher):
    """Fetches nothing (every URL is refused); ``refused`` lists what was asked for."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        self.refused.append(url)
        raise ExternalResourceRefused("the sign-in sheet loads no external resources")


def sign_in_sheet_pdf(
    *, event: Event, registrations: list[Registration], fetcher: URLFetcher | None = None
) -> bytes:
    """The printable sign-in sheet: confirmed registrants (name, organisation, a box to tick
    and sign) and empty rows for walk-ins."""
    fetcher = fetcher or RefusingURLFetcher()
    confirmed = [r for r in registrations if r.status == Status.CONFIRMED]
    html = render_to_string(
        "events/staff/sign_in_sheet.html",
        {
            "event": event,
            "registrations": confirmed,
            "blank_rows": range(max(8, len(confirmed) // 4)),
            "printed_at": timezone.localtime(),
            "title": f"Sign-in sheet: {event.title} "
            f"({timezone.localdate(event.starts_at).isoformat()})",
        },
    )
    document = HTML(string=html, base_url="about:blank", url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[CSS(string=STYLESHEET, url_fetcher=fetcher)])
    return pdf
