"""The possible-duplicates queue: a scan that proposes pairs, coordinators' answers, the queue.

Matching at intake compares one new record with the register. Records that entered through
different doors before (a police record under a street name, a school record under the legal
name) would stay apart until someone happened to look: :func:`duplicates_scan` compares every
record added or changed since its last run with the register (the same indexed lookup as
intake) and queues the likely pairs of people with their probability and reasons. A
coordinator answers each pair: same youth (a merge, with a reason), not the same (remembered:
proposed again only when one of the two people's matching fields changes) or not sure (stays
in the queue, with a note). See docs/identity.md, "Possible duplicates".

Writes here are services (keyword-only, atomic, audited); the reads scope to coordinators.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from heatwatch.audit.models import Action
from heatwatch.audit.services import audit_log
from heatwatch.identity import engine, extensions
from heatwatch.identity.models import (
    DuplicateAnswer,
    DuplicateCandidate,
    DuplicateScan,
    DuplicateStatus,
    IdentityRecord,
    Person,
)
from heatwatch.identity.names import Features
from heatwatch.identity.selectors import (
    Candidate,
    Reason,
    can_manage_identities,
    lookup_scored,
)
from heatwatch.identity.services import MergeError, person_merge
from heatwatch.lib.crypto import blind_index
from heatwatch.lib.versioning import StaleEdit, locked

if TYPE_CHECKING:
    from heatwatch.accounts.models import User

# A pair is queued when its closest records score at least this (against the register-size
# prior, as at intake). Low on purpose: a street-name record with a shared phone scores low, a
# "not the same" answer costs a minute, a missed youth costs far more. The queue is ordered by
# probability, so the likeliest pairs come first.
QUEUE_MIN_PROBABILITY = 0.1
CANDIDATES_PER_RECORD = 5
SCAN_CHUNK = 200  # records per transaction: a killed worker loses at most one chunk's work
# Records changed in the last minute wait for the next run: a record written in a transaction
# that commits after the scan passed its timestamp would otherwise be skipped for good.
SCAN_LAG = datetime.timedelta(minutes=1)
SCAN_LEASE = datetime.timedelta(minutes=10)  # a crashed run blocks the next one this long
SCAN_MAX_RECORDS = 50_000  # per run (about 4 minutes); the next run continues from the cursor
SCAN_NAME = "default"
WAITING = (DuplicateStatus.OPEN, DuplicateStatus.UNSURE)
_MAX_NOTE = 2000
_SCHEME = hashlib.sha256(json.dumps(engine.COMPARISONS, sort_keys=True).encode()).hexdigest()[:16]


class QueueError(Exception):
    """An answer that cannot be recorded (the message says why, without personal data)."""


class StaleAnswer(QueueError, StaleEdit):
    """Someone else answered this pair since it was shown."""


# --- the scan ----------------------------------------------------------------------------------


@dataclass
class ScanResult:
    """What one run of the scan did."""

    records: int = 0  # records compared with the register
    comparisons: int = 0  # stored records scored against them
    queued: int = 0  # new pairs in the queue
    reproposed: int = 0  # pairs answered before, proposed again because a record changed
    finished: bool = False  # reached the newest record (False: stopped at max_records)
    busy: bool = False  # another run holds the lease: nothing done
    pairs: list[tuple[int, int]] = field(default_factory=list, repr=False)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _claim(now: datetime.datetime) -> bool:
    """Take the scan's lease (one run at a time, whatever the number of workers)."""
    DuplicateScan.objects.get_or_create(name=SCAN_NAME)
    taken = (
        DuplicateScan.objects.filter(name=SCAN_NAME)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            lease_until=now + SCAN_LEASE,
            last_started_at=now,
            last_records=0,
            last_comparisons=0,
            last_queued=0,
        )
    )
    return taken == 1


def _person_fingerprint(person_id: int) -> str:
    """The matching fields of all of a person's records, in a stable order."""
    rows = IdentityRecord.objects.filter(person_id=person_id).only("features").order_by("pk")
    return json.dumps(sorted(r.features for r in rows))


def pair_fingerprint(low_id: int, high_id: int) -> str:
    """A keyed hash of both people's matching fields: it changes when a record is added to
    either, or one of their records changes in a field that matching compares (and only
    then: a new source id or agency does not count)."""
    text = _person_fingerprint(low_id) + "|" + _person_fingerprint(high_id)
    return blind_index(text, context="identity.duplicatecandidate.fingerprint")


def levels_of(reasons: Sequence[Reason]) -> list[int]:
    """The comparison levels behind a candidate's reasons (0 where a field was missing)."""
    by_label = {r.field: r.level for r in reasons}
    out: list[int] = []
    for name in engine.NAMES:
        label = by_label.get(engine.LABELS[name])
        levels = engine.COMPARISONS[name]
        out.append(levels.index(label) if label in levels else 0)
    return out


def _stored_features(text: str) -> Features:
    data: Any = json.loads(text)
    return Features.from_compact(data if isinstance(data, dict) else {})


def _scan_chunk(
    scan: DuplicateScan, *, upper: datetime.datetime, chunk: int, now: datetime.datetime
) -> tuple[int, ScanResult]:
    """Compare one chunk of changed records with the register and queue their pairs; move the
    cursor. Runs inside the caller's transaction."""
    result = ScanResult()
    records = IdentityRecord.objects.filter(changed_at__lte=upper)
    if scan.cursor_at is not None:
        records = records.filter(
            Q(changed_at__gt=scan.cursor_at) | Q(changed_at=scan.cursor_at, pk__gt=scan.cursor_id)
        )
    batch = list(
        records.order_by("changed_at", "pk").only("id", "person_id", "features", "changed_at")[
            :chunk
        ]
    )
    if not batch:
        return 0, result
    best: dict[tuple[int, int], Candidate] = {}
    for record in batch:
        found = lookup_scored(
            _stored_features(record.features),
            limit=CANDIDATES_PER_RECORD,
            min_probability=QUEUE_MIN_PROBABILITY,
            exclude_person_ids=[record.person_id],
        )
        result.records += 1
        result.comparisons += found.comparisons
        for candidate in found.candidates:
            key = _pair(record.person_id, candidate.person_id)
            current = best.get(key)
            if current is None or candidate.probability > current.probability:
                best[key] = candidate
    if best:
        _queue_pairs(best, now=now, result=result)
    last = batch[-1]
    scan.cursor_at, scan.cursor_id = last.changed_at, last.pk
    scan.lease_until = max(now, timezone.now()) + SCAN_LEASE  # still running: renew
    return len(batch), result


def _queue_pairs(
    best: dict[tuple[int, int], Candidate], *, now: datetime.datetime, result: ScanResult
) -> None:
    lows = {low for low, _ in best}
    existing = {
        (c.low_id, c.high_id): c
        for c in DuplicateCandidate.objects.select_for_update().filter(
            low_id__in=lows, high_id__in={high for _, high in best}
        )
    }
    with_cases = extensions.people_with_open_cases({p for pair in best for p in pair})
    for (low, high), candidate in sorted(best.items()):
        reasons = [[r.field, r.level, r.agrees] for r in candidate.reasons]
        open_case = low in with_cases or high in with_cases
        item = existing.get((low, high))
        if item is None:
            DuplicateCandidate.objects.create(
                low_id=low,
                high_id=high,
                probability=candidate.probability,
                reasons=reasons,
                open_case=open_case,
                proposed_at=now,
            )
            result.queued += 1
            result.pairs.append((low, high))
            continue
        if item.status in WAITING:
            # Already waiting: keep the strongest evidence seen; nothing queued twice.
            if candidate.probability > item.probability or item.open_case != open_case:
                if candidate.probability > item.probability:
                    item.probability, item.reasons = candidate.probability, reasons
                item.open_case = open_case
                item.save(update_fields=["probability", "reasons", "open_case", "updated_at"])
            continue
        if item.status == DuplicateStatus.NOT_SAME and item.fingerprint == pair_fingerprint(
            low, high
        ):
            continue  # answered "not the same" and nothing that matters has changed
        # Not the same but a record changed since; or merged and the merge undone; or one was
        # merged elsewhere and that merge undone: ask again.
        item.status = DuplicateStatus.OPEN
        item.probability, item.reasons, item.open_case = candidate.probability, reasons, open_case
        item.proposed_at = now
        item.fingerprint = ""
        item.version += 1
        item.save()
        result.reproposed += 1
        result.pairs.append((low, high))


def duplicates_scan(
    *,
    now: datetime.datetime | None = None,
    max_records: int = SCAN_MAX_RECORDS,
    chunk: int = SCAN_CHUNK,
) -> ScanResult:
    """Compare the records added or changed since the last run with the register and queue
    the likely pairs of people (probability ≥ ``QUEUE_MIN_PROBABILITY``).

    Incremental: a cursor (``changed_at``, id) remembers the last record compared. Idempotent:
    a pair is queued once however often it is found. Each chunk of records commits its pairs
    and the cursor together, so a worker killed mid-run loses at most one chunk; its lease
    expires after ``SCAN_LEASE`` and the next run resumes from the cursor. Stops after
    ``max_records`` (the next run continues). Returns what it did; ``busy`` when another run
    holds the lease.
    """
    now = now or timezone.now()
    if not _claim(now):
        return ScanResult(busy=True)
    total = ScanResult()
    upper = now - SCAN_LAG
    while total.records < max_records:
        with transaction.atomic():
            scan = DuplicateScan.objects.select_for_update().get(name=SCAN_NAME)
            size = min(chunk, max_records - total.records)
            n, part = _scan_chunk(scan, upper=upper, chunk=size, now=now)
            if n == 0:
                total.finished = True
                break
            total.records += part.records
            total.comparisons += part.comparisons
            total.queued += part.queued
            total.reproposed += part.reproposed
            total.pairs += part.pairs
            scan.last_records, scan.last_comparisons = total.records, total.comparisons
            scan.last_queued = total.queued + total.reproposed
            scan.save()
    with transaction.atomic():
        scan = DuplicateScan.objects.select_for_update().get(name=SCAN_NAME)
        scan.lease_until = None
        scan.last_finished_at = timezone.now()
        scan.last_records, scan.last_comparisons = total.records, total.comparisons
        scan.last_queued = total.queued + total.reproposed
        scan.save()
        if total.queued or total.reproposed:
            audit_log(
                action=Action.CREATE,
                object_type="identity.duplicatecandidate",
                reason=(
                    f"duplicates scan: {total.records} records compared, {total.queued} pairs "
                    f"queued, {total.reproposed} proposed again"
                ),
            )
    return total


def duplicates_refresh_open_cases() -> int:
    """Refresh the "open case" flag of the waiting pairs (cases open and close); returns how
    many changed."""
    waiting = list(DuplicateCandidate.objects.filter(status__in=WAITING).only("low", "high"))
    with_cases = extensions.people_with_open_cases(
        {p for c in waiting for p in (c.low_id, c.high_id)}
    )
    changed = 0
    for item in waiting:
        flag = item.low_id in with_cases or item.high_id in with_cases
        if flag != item.open_case:
            DuplicateCandidate.objects.filter(pk=item.pk).update(open_case=flag)
            changed += 1
    return changed


# --- answers -----------------------------------------------------------------------------------


def _clean_note(note: str, *, required: bool) -> str:
    note = note.strip()
    if required and not note:
        raise QueueError(_("A reason is required."))
    if len(note) > _MAX_NOTE:
        raise QueueError(_("The note is longer than 2,000 characters."))
    return note


@transaction.atomic
def duplicate_answer(
    *,
    candidate: DuplicateCandidate,
    answer: str,
    note: str,
    by: User,
    version: int | None = None,
    survivor_id: int | None = None,
) -> DuplicateCandidate:
    """Record a coordinator's answer to a proposed pair.

    ``same``: the two people are merged (``survivor_id`` is kept, by default the first of the
    pair), with ``note`` as the merge's reason (required). ``not_same``: the pair leaves the
    queue and is proposed again only when one of the two people's matching fields changes.
    ``unsure``: the pair stays in the queue with the note (required). Audited (the answer, never
    the note); the note is stored encrypted. ``version`` is the version the page showed: an
    answer to a pair someone else answered since raises :class:`StaleAnswer`.
    """
    item = locked(
        DuplicateCandidate,
        candidate.pk,
        version=version,
        stale=StaleAnswer,
        message=_("Someone else answered this pair while you were reviewing it. Review it again."),
    )
    if answer not in (DuplicateStatus.SAME, DuplicateStatus.NOT_SAME, DuplicateStatus.UNSURE):
        raise QueueError(_("Choose same youth, not the same or not sure."))
    if not item.is_waiting:
        raise QueueError(_("This pair was already answered."))
    note = _clean_note(note, required=answer != DuplicateStatus.NOT_SAME)
    now = timezone.now()
    fields = ["status", "answered_at", "answered_by"]
    if answer == DuplicateStatus.SAME:
        ids = (item.low_id, item.high_id)
        keep = survivor_id if survivor_id in ids else item.low_id
        gone = item.high_id if keep == item.low_id else item.low_id
        try:
            merge = person_merge(
                survivor=Person.objects.get(pk=keep),
                absorbed=Person.objects.get(pk=gone),
                reason=note,
                by=by,
            )
        except MergeError as exc:
            raise QueueError(str(exc)) from None
        item.merge = merge
        fields.append("merge")
    elif answer == DuplicateStatus.NOT_SAME:
        item.fingerprint = pair_fingerprint(item.low_id, item.high_id)
        fields.append("fingerprint")
    item.status = answer
    item.answered_at, item.answered_by = now, by
    item.version += 1
    item.save(update_fields=[*fields, "version", "updated_at"])
    DuplicateAnswer.objects.create(
        candidate=item,
        answer=answer,
        note=note,
        probability=item.probability,
        levels={"scheme": _SCHEME, "levels": levels_of(reasons_of(item))},
        by=by,
        created_at=now,
    )
    audit_log(
        action=Action.UPDATE,
        actor=by,
        obj=item,
        fields=fields,
        reason=f"identity duplicate answer: {answer}",
    )
    return item


# --- reads -------------------------------------------------------------------------------------


def reasons_of(item: DuplicateCandidate) -> tuple[Reason, ...]:
    """The stored reasons of a queued pair."""
    out: list[Reason] = []
    for entry in item.reasons:
        if isinstance(entry, list) and len(entry) == 3:
            out.append(Reason(str(entry[0]), str(entry[1]), bool(entry[2])))
    return tuple(out)


def duplicates_queue(*, user: Any) -> QuerySet[DuplicateCandidate]:
    """The pairs waiting for an answer: those to review before those answered "not sure",
    then pairs where either person has an open case, then the most probable. 404 for anyone
    but a coordinator."""
    if not can_manage_identities(user):
        raise Http404
    return DuplicateCandidate.objects.filter(status__in=WAITING).order_by(
        Case(
            When(status=DuplicateStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "-open_case",
        "-probability",
        "pk",
    )


def duplicate_get_for_user(*, user: Any, candidate_id: int) -> DuplicateCandidate:
    """One proposed pair, or 404 for anyone but a coordinator (or a wrong id)."""
    if not can_manage_identities(user):
        raise Http404
    found = (
        DuplicateCandidate.objects.select_related("answered_by", "merge")
        .filter(pk=candidate_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def duplicate_next(*, user: Any, after: DuplicateCandidate | None = None) -> int | None:
    """The id of the next waiting pair in queue order (after ``after``, skipping it)."""
    queue = duplicates_queue(user=user)
    ids = list(queue.values_list("pk", flat=True)[:500])
    if after is None or after.pk not in ids:
        others = [i for i in ids if after is None or i != after.pk]
        return others[0] if others else None
    at = ids.index(after.pk)
    rest = ids[at + 1 :] or [i for i in ids if i != after.pk]
    return rest[0] if rest else None


def duplicate_answers(*, candidate: DuplicateCandidate) -> list[DuplicateAnswer]:
    """The answers given to a pair, newest first (notes decrypted: show them to coordinators
    only)."""
    return list(candidate.answers.select_related("by").order_by("-created_at", "-pk"))


@dataclass(frozen=True)
class WeekCounts:
    """One week of the queue: pairs proposed and answers given, by answer."""

    week: datetime.date  # the Monday
    proposed: int
    same: int
    not_same: int
    unsure: int


def duplicates_weekly_counts(
    *, weeks: int = 8, now: datetime.datetime | None = None
) -> list[WeekCounts]:
    """Counts per week (Monday to Sunday, newest first) for the coordinator dashboard: pairs
    proposed (first proposals and proposals again) and answers given, by answer. Two queries."""
    now = timezone.localtime(now or timezone.now())
    monday = now.date() - datetime.timedelta(days=now.weekday())
    first = monday - datetime.timedelta(weeks=weeks - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))

    def week_of(moment: datetime.datetime) -> datetime.date:
        day = timezone.localtime(moment).date()
        return day - datetime.timedelta(days=day.weekday())

    proposed: dict[datetime.date, int] = {}
    for moment in DuplicateCandidate.objects.filter(proposed_at__gte=start).values_list(
        "proposed_at", flat=True
    ):
        proposed[week_of(moment)] = proposed.get(week_of(moment), 0) + 1
    answers: dict[tuple[datetime.date, str], int] = {}
    for moment, answer in DuplicateAnswer.objects.filter(created_at__gte=start).values_list(
        "created_at", "answer"
    ):
        key = (week_of(moment), answer)
        answers[key] = answers.get(key, 0) + 1
    out: list[WeekCounts] = []
    for i in range(weeks):
        week = monday - datetime.timedelta(weeks=i)
        out.append(
            WeekCounts(
                week=week,
                proposed=proposed.get(week, 0),
                same=answers.get((week, DuplicateStatus.SAME), 0),
                not_same=answers.get((week, DuplicateStatus.NOT_SAME), 0),
                unsure=answers.get((week, DuplicateStatus.UNSURE), 0),
            )
        )
    return out


def duplicates_summary() -> dict[str, int]:
    """How many pairs wait (to review, not sure) and how many involve an open case."""
    waiting = DuplicateCandidate.objects.filter(status__in=WAITING)
    return {
        "to_review": waiting.filter(status=DuplicateStatus.OPEN).count(),
        "unsure": waiting.filter(status=DuplicateStatus.UNSURE).count(),
        "open_case": waiting.filter(open_case=True).count(),
    }


def reviewed_levels() -> tuple[list[list[int]], list[list[int]]]:
    """The comparison levels of the pairs coordinators answered, as training labels: (same
    youth, not the same). Answers recorded under other comparisons (an older engine) are left
    out; a pair answered several times counts by its last answer."""
    last: dict[int, DuplicateAnswer] = {}
    for answer in DuplicateAnswer.objects.filter(
        answer__in=[DuplicateStatus.SAME, DuplicateStatus.NOT_SAME]
    ).order_by("created_at", "pk"):
        last[answer.candidate_id] = answer
    same: list[list[int]] = []
    different: list[list[int]] = []
    for answer in last.values():
        data = answer.levels if isinstance(answer.levels, dict) else {}
        levels = data.get("levels")
        if data.get("scheme") != _SCHEME or not isinstance(levels, list):
            continue
        (same if answer.answer == DuplicateStatus.SAME else different).append(
            [int(x) for x in levels]
        )
    return same, different


def dashboard_context() -> dict[str, object]:
    """The coordinator dashboard's section (template ``identity/_queue_dashboard.html``)."""
    return {"summary": duplicates_summary(), "weeks": duplicates_weekly_counts()}
