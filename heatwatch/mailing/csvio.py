"""CSV import and export of subscribers (coordinators; ``heatwatch mailing import|export``).

An import reads ``email,name,organisation,interests,language`` (a header line first; only
``email`` is required; interests separated by ``;`` or spaces, empty meaning the newsletter;
language ``en`` or ``es``, empty meaning English). It is all or nothing: every bad line is
reported by its line number and, if there is any, nothing is imported; a dry run reports the
same without writing. It never sends an e-mail, never re-subscribes an address that is
unsubscribed or suppressed (an address already on the list is left exactly as it is), and
records where the consent came from on every subscriber it adds (``consent_source`` "import"
and the coordinator's note). The export writes through lib.csvsafe and is audited.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.accounts.models import User
from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.lib import csvsafe
from heatwatch.mailing import services
from heatwatch.mailing.models import (
    INTEREST_FIELDS,
    ConsentSource,
    Interest,
    Language,
    Subscriber,
    SubscriberStatus,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
COLUMNS = ("email", "name", "organisation", "interests", "language")
EXPORT_COLUMNS = (
    "email",
    "name",
    "organisation",
    "interests",
    "language",
    "status",
    "consent_source",
    "consent_note",
    "subscribed_at",
    "confirmed_at",
)
LIMITS = {"email": 254, "name": 120, "organisation": 160}


@dataclass
class ImportRow:
    line: int
    email: str
    name: str
    organisation: str
    interests: list[str]
    language: str


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    added: int = 0
    already: int = 0  # on the list already (any status): left as it is
    kept_out: int = 0  # of those, unsubscribed or suppressed: never re-subscribed
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_interests(value: str) -> list[str] | None:
    names = [n for n in value.replace(";", " ").replace(",", " ").split() if n]
    if not names:
        return [Interest.NEWSLETTER.value]
    if any(n not in INTEREST_FIELDS for n in names):
        return None
    return list(dict.fromkeys(names))


def parse(data: bytes) -> tuple[list[ImportRow], list[str]]:
    """The good rows and the errors ("line N: ...") of an import file."""
    if len(data) > MAX_BYTES:
        return [], [_("The file is larger than %(n)s MB.") % {"n": MAX_BYTES // (1024 * 1024)}]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [_("line %(line)s: not UTF-8 text") % {"line": line}]
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[str] = []
    rows: list[ImportRow] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [_("The file is empty.")]
    except csv.Error as exc:
        return [], [_("line 1: %(error)s") % {"error": exc}]
    unknown = [h for h in header if h not in COLUMNS]
    if "email" not in header or unknown:
        return [], [
            _("line 1: the header must name the columns %(columns)s (only email is required)")
            % {"columns": ", ".join(COLUMNS)}
        ]
    seen: dict[str, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(_("line %(line)s: %(error)s") % {"line": reader.line_num, "error": exc})
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(_("line %(line)s: more than %(n)s rows") % {"line": line, "n": MAX_ROWS})
            break
        if len(cells) != len(header):
            errors.append(
                _("line %(line)s: %(got)s columns, the header has %(want)s")
                % {"line": line, "got": len(cells), "want": len(header)}
            )
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        problems = []
        address = values.get("email", "")
        try:
            validate_email(address)
            if len(address) > LIMITS["email"]:
                raise ValidationError("too long")
        except ValidationError:
            problems.append(_("“%(value)s” is not an e-mail address") % {"value": address[:60]})
        for name in ("name", "organisation"):
            if len(values.get(name, "")) > LIMITS[name]:
                problems.append(
                    _("%(column)s is longer than %(n)s characters")
                    % {"column": name, "n": LIMITS[name]}
                )
        interests = _parse_interests(values.get("interests", ""))
        if interests is None:
            problems.append(
                _("unknown interest (use %(choices)s)") % {"choices": ", ".join(INTEREST_FIELDS)}
            )
        language = values.get("language", "").lower() or Language.EN.value
        if language not in Language.values:
            problems.append(_("language must be en or es"))
        index = services.email_index(address) if not problems else ""
        if index and index in seen:
            problems.append(_("the same address as line %(line)s") % {"line": seen[index]})
        if problems:
            errors.append(
                _("line %(line)s: %(problems)s") % {"line": line, "problems": "; ".join(problems)}
            )
            continue
        seen[index] = line
        rows.append(
            ImportRow(
                line=line,
                email=address,
                name=values.get("name", ""),
                organisation=values.get("organisation", ""),
                interests=interests or [],
                language=language,
            )
        )
    return rows, errors


def subscribers_import(
    *, data: bytes, consent_note: str, by: User | None, dry_run: bool
) -> ImportReport:
    """Import subscribers from CSV (see the module docstring); all or nothing, never mails."""
    report = ImportReport(dry_run=dry_run)
    note = consent_note.strip()
    if not note:
        report.errors.append(_("Say where the consent of these people comes from."))
        return report
    if len(note) > 200:
        report.errors.append(_("The consent note is longer than 200 characters."))
        return report
    rows, errors = parse(data)
    report.errors += errors
    report.rows = len(rows)
    if report.errors or not rows:
        if not rows and not report.errors:
            report.errors.append(_("The file has no subscriber in it."))
        return report
    with transaction.atomic():
        existing = dict(
            Subscriber.objects.filter(
                email_index__in=[services.email_index(r.email) for r in rows]
            ).values_list("email_index", "status")
        )
        now = timezone.now()
        new = []
        for row in rows:
            index = services.email_index(row.email)
            if index in existing:
                report.already += 1
                if existing[index] in (SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.SUPPRESSED):
                    report.kept_out += 1
                continue
            new.append(
                Subscriber(
                    email=row.email,
                    email_index=index,
                    name=row.name,
                    organisation=row.organisation,
                    language=row.language,
                    status=SubscriberStatus.CONFIRMED,
                    confirmed_at=now,
                    consent_source=ConsentSource.IMPORT,
                    consent_note=note,
                    unsubscribe_token=services.new_unsubscribe_token(),
                    **{col: (i in row.interests) for i, col in INTEREST_FIELDS.items()},
                )
            )
        report.added = len(new)
        if dry_run:
            transaction.set_rollback(True)
            return report
        Subscriber.objects.bulk_create(new, batch_size=1000)
        audit_log(
            action=Action.CREATE,
            actor=by,
            object_type="mailing.subscriber",
            reason=f"CSV import: {report.added} added, {report.already} already on the list; "
            f"consent: {note}"[:300],
        )
    return report


def subscribers_export(*, out: Any, by: User | None, statuses: Iterable[str]) -> int:
    """Write the subscribers in ``statuses`` as CSV to ``out`` (anything with ``write``: a
    file, an HttpResponse, a command's stdout), formula-safe; audited."""
    statuses = [s for s in statuses if s in SubscriberStatus.values]
    queryset = Subscriber.objects.filter(status__in=statuses).order_by("pk")
    writer = csvsafe.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for s in queryset.iterator(chunk_size=2000):
        writer.writerow(
            [
                s.email,
                s.name,
                s.organisation,
                ";".join(s.interests),
                s.language,
                s.status,
                s.consent_source,
                s.consent_note,
                s.created_at.isoformat(),
                s.confirmed_at.isoformat() if s.confirmed_at else "",
            ]
        )
        count += 1
    audit_log(
        action=Action.EXPORT,
        actor=by,
        object_type="mailing.subscriber",
        reason=f"CSV export of {count} subscribers ({', '.join(statuses)})",
    )
    return count
