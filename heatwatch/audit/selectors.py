"""Reading the audit log and verifying its hash chain.

``audit_verify`` is what ``heatwatch audit verify`` runs; docs/audit.md explains the checks.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from heatwatch.audit import checkpoints as cp
from heatwatch.audit.hashing import HASHED_FIELDS, audit_key, compute_entry_hash
from heatwatch.audit.models import GENESIS_HASH, HEAD_PK, AuditEntry, AuditEntryQuerySet, AuditHead

#: Triggers installed by migration 0002_append_only_triggers, per database vendor.
EXPECTED_TRIGGERS: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "audit_auditentry_no_update",
        "audit_auditentry_no_delete",
        "audit_audithead_forward_only",
    ),
    "postgresql": (
        "audit_auditentry_no_update",
        "audit_auditentry_no_delete",
        "audit_auditentry_no_truncate",
        "audit_audithead_forward_only",
    ),
}

#: More problems than this are counted, not listed (a wholesale rewrite would list every row).
MAX_PROBLEMS = 1000
#: How often the walk catches up with entries written while it ran before judging the head.
CATCH_UP_ROUNDS = 10


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of ``audit_verify``; each problem starts with "seq N:" where it has a place."""

    ok: bool
    count: int
    head_hash: str
    problems: list[str] = field(default_factory=list)
    #: Validly signed checkpoints the log was checked against, and the highest seq among them.
    checkpoints: int = 0
    checkpoint_seq: int | None = None


def audit_verify(
    *, chunk_size: int = 2000, checkpoint_lines: list[cp.CheckpointLine] | None = None
) -> VerifyResult:
    """Walk the whole chain in ``seq`` order and report every inconsistency.

    Checks, for each entry: ``seq`` continues 1, 2, 3, ... without gaps; ``prev_hash`` equals
    the previous entry's ``entry_hash`` (the genesis hash for seq 1); ``entry_hash`` is the HMAC
    of the stored contents. Then that ``AuditHead`` names the last entry (a deleted tail leaves
    the head ahead of the log) and that the append-only triggers are installed and enabled.

    Rows are read in keyset-paginated chunks of ``chunk_size`` (``seq > last``), so memory does
    not grow with the log and no long transaction holds a snapshot or a lock. Entries commit in
    ``seq`` order (each writer holds the head lock until its commit), so entries written while
    the walk runs are simply picked up before the head is compared. ``head_hash`` is the last
    entry's hash (the genesis hash for an empty log): record it off-site to anchor the chain.

    Then every signed checkpoint (``checkpoint_lines``, by default the lines of
    ``HEATWATCH_AUDIT_CHECKPOINT_FILE``) must name an entry the log still has, with the same
    hash: entries deleted up to a checkpoint, or rewritten before it, are reported even when the
    head was rewound to match. A line whose signature does not hold is reported as forged.
    """
    key = audit_key()
    lines = cp.read_lines() if checkpoint_lines is None else checkpoint_lines
    # seq -> (line number, signed hash) of every validly signed checkpoint
    anchored: dict[int, list[tuple[int, str]]] = {}
    for line in lines:
        if line.checkpoint is not None:
            anchored.setdefault(line.checkpoint.seq, []).append(
                (line.number, line.checkpoint.entry_hash)
            )
    problems: list[str] = []
    extra_problems = 0
    count = 0
    last_seq = 0
    last_hash = GENESIS_HASH

    def report(message: str) -> None:
        nonlocal extra_problems
        if len(problems) < MAX_PROBLEMS:
            problems.append(message)
        else:
            extra_problems += 1

    def walk() -> int:
        nonlocal count, last_seq, last_hash
        seen = 0
        for row in _entries_after(seq=last_seq, chunk_size=chunk_size):
            seen += 1
            seq = row["seq"]
            expected = last_seq + 1
            if seq != expected:
                report(f"seq {seq}: expected seq {expected}; entries {expected}..{seq - 1} missing")
            if row["prev_hash"] != last_hash:
                report(f"seq {seq}: prev_hash does not match the entry before it")
            if not hmac.compare_digest(compute_entry_hash(row, key=key), row["entry_hash"]):
                report(f"seq {seq}: entry_hash does not match its contents (entry altered)")
            for number, signed_hash in anchored.get(seq, ()):
                if row["entry_hash"] != signed_hash:
                    report(
                        f"seq {seq}: entry_hash differs from the signed checkpoint on line "
                        f"{number} (log rewritten)"
                    )
            last_seq = seq
            last_hash = row["entry_hash"]
        count += seen
        return seen

    walk()
    head = _read_head()
    for _round in range(CATCH_UP_ROUNDS):
        # The head ahead of the walk: either entries committed meanwhile, or a deleted tail.
        if head is None or head.seq <= last_seq or not walk():
            break
        head = _read_head()

    if head is None:
        if count:
            report("head: the audit head row is missing")
    elif head.seq != last_seq or head.entry_hash != last_hash:
        if head.seq > last_seq:
            report(
                f"seq {head.seq}: the head records seq {head.seq} but the log ends at seq "
                f"{last_seq}; entries {last_seq + 1}..{head.seq} missing (tail deleted)"
            )
        else:
            report(
                f"seq {last_seq}: the log ends at seq {last_seq} but the head records seq "
                f"{head.seq} with a different hash (head altered or entries inserted)"
            )
    for name in missing_triggers():
        report(f"trigger: append-only trigger {name} is missing or disabled")
    for line in lines:
        if line.checkpoint is None:
            report(f"checkpoint line {line.number}: {line.problem}")
    signed_seqs = [seq for seq in anchored if seq > 0]
    for seq in sorted(s for s in signed_seqs if s > last_seq):
        for number, _hash in anchored[seq]:
            report(
                f"checkpoint line {number}: a signed checkpoint records seq {seq} but the log "
                f"ends at seq {last_seq}; entries {last_seq + 1}..{seq} missing (log truncated)"
            )

    if extra_problems:
        problems.append(f"... and {extra_problems} more problems")
    return VerifyResult(
        ok=not problems,
        count=count,
        head_hash=last_hash,
        problems=problems,
        checkpoints=sum(1 for line in lines if line.checkpoint is not None),
        checkpoint_seq=max(signed_seqs, default=None),
    )


def _entries_after(*, seq: int, chunk_size: int) -> Iterator[dict[str, Any]]:
    """Yield the hashed fields of every entry after ``seq``, one indexed range query a chunk."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    while True:
        page = list(
            AuditEntry.objects.filter(seq__gt=seq)
            .order_by("seq")
            .values(*HASHED_FIELDS, "entry_hash")[:chunk_size]
        )
        yield from page
        if len(page) < chunk_size:
            return
        seq = page[-1]["seq"]


def _read_head() -> AuditHead | None:
    return AuditHead.objects.filter(pk=HEAD_PK).first()


def missing_triggers() -> list[str]:
    """Return the names of append-only triggers that are absent (or disabled, on PostgreSQL).

    A schema change that rebuilds the table on SQLite drops its triggers silently; this makes
    that visible in ``audit verify``.
    """
    expected = EXPECTED_TRIGGERS.get(connection.vendor)
    if expected is None:
        return [f"(no append-only triggers defined for {connection.vendor})"]
    tables = [AuditEntry._meta.db_table, AuditHead._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
                tables,
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid IN (%s::regclass, %s::regclass) "
                "AND NOT tgisinternal AND tgenabled <> 'D'",
                tables,
            )
        present = {str(row[0]) for row in cursor.fetchall()}
    return [name for name in expected if name not in present]


def entries_for_object(*, object_type: str, object_id: str) -> AuditEntryQuerySet:
    """Entries about one object (``object_type`` is ``app_label.modelname``), oldest first.

    Not scoped to a viewer: the caller decides who may read the audit log (it reveals who
    opened which record).
    """
    return AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
        "seq"
    )


def entries_for_actor(*, actor_id: int) -> AuditEntryQuerySet:
    """Entries of what one user did (by user id, which survives deletion), oldest first.

    Not scoped to a viewer, like ``entries_for_object``.
    """
    return AuditEntry.objects.filter(actor_id=actor_id).order_by("seq")


@dataclass(frozen=True)
class ChainTail:
    """The newest entry as the chain has it, and what is wrong between an anchor and it."""

    seq: int
    entry_hash: str
    problems: list[str]


def chain_tail_from(*, seq: int, entry_hash: str, chunk_size: int = 2000) -> ChainTail:
    """Check the chain from the entry ``seq`` (which must have ``entry_hash``) to its end.

    What a new checkpoint needs: the part of the log after the last checkpoint is intact, so
    that signing its newest entry does not bless a tampered log. ``seq`` 0 starts at genesis.
    Also compares the end with ``AuditHead`` (a deleted tail).
    """
    key = audit_key()
    problems: list[str] = []
    if seq:
        stored = AuditEntry.objects.filter(seq=seq).values_list("entry_hash", flat=True).first()
        if stored is None:
            problems.append(f"seq {seq}: the entry of the last checkpoint is missing")
        elif stored != entry_hash:
            problems.append(f"seq {seq}: the entry differs from the last checkpoint")
    last_seq, last_hash = seq, entry_hash
    for _round in range(CATCH_UP_ROUNDS):
        seen = 0
        for row in _entries_after(seq=last_seq, chunk_size=chunk_size):
            seen += 1
            if row["seq"] != last_seq + 1 or row["prev_hash"] != last_hash:
                problems.append(f"seq {row['seq']}: the chain is broken before this entry")
            if not hmac.compare_digest(compute_entry_hash(row, key=key), row["entry_hash"]):
                problems.append(f"seq {row['seq']}: entry_hash does not match its contents")
            last_seq, last_hash = row["seq"], row["entry_hash"]
        head = _read_head()
        # The head ahead of the walk: entries committed meanwhile (walk on), or a deleted tail.
        if head is None or head.seq <= last_seq or not seen:
            break
    if head is not None and head.seq > last_seq:
        problems.append(f"seq {head.seq}: the head is ahead of the log (tail deleted)")
    return ChainTail(seq=last_seq, entry_hash=last_hash, problems=problems)


# --- the staff viewer (heatwatch/audit/views.py) ------------------------------------------------

#: Entries on one page of the viewer.
VIEWER_PAGE_SIZE = 50
#: Rows of one CSV export at most (a narrower filter gets the rest).
EXPORT_MAX_ROWS = 100_000
#: The viewer checks the chain from the last signed checkpoint on only below this many entries
#: (hourly checkpoints keep it small); beyond, it says to run ``heatwatch audit verify``.
VIEWER_VERIFY_MAX_ENTRIES = 20_000

#: Prefixes of reasons that are sealed (encrypted) by the app that wrote them; the viewer shows
#: the label, never the ciphertext, and does not unseal them (docs/staff.md).
SEALED_MARK = "(encrypted): "


@dataclass(frozen=True)
class AuditQuery:
    """What the viewer filters on; empty values filter nothing."""

    actor_ids: tuple[int, ...] | None = None  # None: anyone; () : nobody matched
    actor_username: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None  # exclusive

    def filtered(self) -> AuditEntryQuerySet:
        qs = AuditEntry.objects.all()
        if self.actor_ids is not None:
            qs = qs.filter(actor_id__in=list(self.actor_ids))
        elif self.actor_username:
            qs = qs.filter(actor_username=self.actor_username)
        if self.object_type:
            qs = qs.filter(object_type=self.object_type)
        if self.object_id:
            qs = qs.filter(object_id=self.object_id)
        if self.action:
            qs = qs.filter(action=self.action)
        if self.outcome:
            qs = qs.filter(outcome=self.outcome)
        if self.since is not None:
            qs = qs.filter(created_at__gte=self.since)
        if self.until is not None:
            qs = qs.filter(created_at__lt=self.until)
        return qs

    def describe(self) -> str:
        """The filter as audit-entry text (names and ids only, no values of records)."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("actor", ",".join(str(i) for i in self.actor_ids or ()) or self.actor_username),
                ("object", f"{self.object_type}:{self.object_id}".strip(":")),
                ("action", self.action),
                ("outcome", self.outcome),
                ("since", self.since.isoformat() if self.since else ""),
                ("until", self.until.isoformat() if self.until else ""),
            )
            if value
        ]
        return "; ".join(parts)[:500]


@dataclass(frozen=True)
class AuditPage:
    """One page of entries, newest first, and the ``seq`` to continue before (keyset)."""

    entries: list[AuditEntry]
    next_before: int | None
    newest: bool


def audit_page(
    *, query: AuditQuery, before: int | None = None, size: int = VIEWER_PAGE_SIZE
) -> AuditPage:
    """The newest ``size`` entries matching ``query`` with ``seq`` below ``before``.

    Keyset pagination on the unique ``seq`` (no OFFSET, no COUNT): one indexed query a page
    however long the log is. The caller checks that the viewer may read the log.
    """
    qs = query.filtered()
    if before is not None:
        qs = qs.filter(seq__lt=before)
    rows = list(qs.order_by("-seq")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(
        entries=rows, next_before=rows[-1].seq if more and rows else None, newest=before is None
    )


def audit_export_rows(*, query: AuditQuery, chunk_size: int = 2000) -> Iterator[AuditEntry]:
    """Every entry matching ``query``, newest first, read in keyset chunks (bounded memory),
    at most ``EXPORT_MAX_ROWS``."""
    before: int | None = None
    sent = 0
    while sent < EXPORT_MAX_ROWS:
        qs = query.filtered()
        if before is not None:
            qs = qs.filter(seq__lt=before)
        chunk = list(qs.order_by("-seq")[: min(chunk_size, EXPORT_MAX_ROWS - sent)])
        yield from chunk
        sent += len(chunk)
        if len(chunk) < chunk_size:
            return
        before = chunk[-1].seq


def shown_reason(reason: str) -> str:
    """The reason as the viewer shows it: a sealed part is replaced by a mark."""
    head, mark, _sealed = reason.partition(SEALED_MARK)
    if not mark:
        return reason
    return head.rstrip() + " [sealed]"


@dataclass(frozen=True)
class VerificationState:
    """What the viewer says about the chain: ``state`` is "intact", "broken" or "unchecked"."""

    state: str
    head_seq: int
    checkpoint_seq: int | None
    checkpoint_at: str
    problems: list[str]
    forged_lines: int


def verification_state(*, max_entries: int = VIEWER_VERIFY_MAX_ENTRIES) -> VerificationState:
    """Check the chain from the newest signed checkpoint to the head (what ``audit
    checkpoint`` checks), when that is at most ``max_entries`` entries; a full walk is
    ``heatwatch audit verify``. Forged checkpoint lines are counted."""
    lines = cp.read_lines()
    signed = [line.checkpoint for line in lines if line.checkpoint is not None]
    forged = sum(1 for line in lines if line.checkpoint is None)
    anchor = max(signed, key=lambda c: c.seq, default=None)
    head = _read_head()
    head_seq = head.seq if head is not None else 0
    anchor_seq = anchor.seq if anchor is not None else 0
    checkpoint_seq = anchor.seq if anchor is not None else None
    checkpoint_at = anchor.at if anchor is not None else ""

    def state(name: str, problems: list[str]) -> VerificationState:
        return VerificationState(
            state=name,
            head_seq=head_seq,
            checkpoint_seq=checkpoint_seq,
            checkpoint_at=checkpoint_at,
            problems=problems,
            forged_lines=forged,
        )

    if head_seq - anchor_seq > max_entries:
        return state("unchecked", [])
    tail = chain_tail_from(
        seq=anchor_seq, entry_hash=anchor.entry_hash if anchor is not None else GENESIS_HASH
    )
    problems = list(tail.problems[:20])
    if forged:
        problems.append(f"{forged} checkpoint line(s) do not carry a valid signature")
    return state("broken" if problems else "intact", problems)
