"""Writing to the audit log: ``audit_log`` is the only code that creates entries.

Call it inside the same transaction as the change it records (STYLE.md), so the entry and the
change commit or roll back together. See docs/audit.md for what to log and what never to log.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone

from heatwatch.audit import checkpoints
from heatwatch.audit.checkpoints import Checkpoint
from heatwatch.audit.hashing import compute_entry_hash
from heatwatch.audit.models import (
    GENESIS_HASH,
    HEAD_PK,
    Action,
    AuditEntry,
    AuditHead,
    Outcome,
)
from heatwatch.audit.selectors import chain_tail_from

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from heatwatch.accounts.models import Organisation, User

# A field name or a dotted path to one ("address.city"): letters, digits, underscores. Anything
# else (spaces, "=", quotes, ...) looks like a value and is refused.
_FIELD_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}(\.[A-Za-z_][A-Za-z0-9_]{0,99}){0,4}")
_MAX_REASON_LENGTH = 2000
_MAX_FIELDS = 200


class AuditChainError(Exception):
    """The chain's head is missing or moved underneath us: the log needs investigation."""


def audit_log(
    *,
    action: str,
    actor: User | AnonymousUser | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    outcome: str = Outcome.SUCCESS,
    reason: str = "",
    organisation: Organisation | None = None,
    fields: Sequence[str] = (),
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    ``obj`` (a saved model instance) sets ``object_type`` (``app_label.modelname``) and
    ``object_id``; pass those two directly only when there is no instance (e.g. a denied
    lookup of an id). ``actor`` None or anonymous is recorded as anonymous. Without
    ``organisation`` the actor's first active membership (oldest first) names it. ``fields``
    are the *names* of changed fields, never values; ``reason`` is free text that must not hold
    personal data.

    Runs in the caller's transaction (or its own when there is none) and holds the audit head
    row lock until that transaction ends, which serialises audited writes on PostgreSQL; see
    docs/audit.md ("Concurrency"). Raises ``ValueError`` for invalid arguments and
    ``AuditChainError`` when the head row is missing while entries exist.
    """
    action_value = _choice(Action, action, "action")
    outcome_value = _choice(Outcome, outcome, "outcome")
    if obj is not None:
        if object_type or object_id:
            raise ValueError("pass either obj or object_type/object_id, not both")
        if obj.pk is None:
            raise ValueError("obj must be saved before it is audited")
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    elif object_id and not object_type:
        raise ValueError("object_id needs an object_type")
    if len(object_type) > 150 or len(object_id) > 255:
        raise ValueError("object_type or object_id is too long")
    if len(reason) > _MAX_REASON_LENGTH:
        raise ValueError(f"reason is longer than {_MAX_REASON_LENGTH} characters")
    field_names = _field_names(fields)

    actor_id: int | None = None
    actor_username = ""
    if actor is not None and actor.is_authenticated and actor.pk is not None:
        actor_id = int(actor.pk)
        actor_username = actor.get_username()
        if organisation is None:
            organisation = _first_active_organisation(user_id=actor_id)

    with transaction.atomic():
        head = _lock_head()
        values: dict[str, Any] = {
            "seq": head.seq + 1,
            # Taken after the lock so created_at never goes backwards along the chain (unless
            # the clock does).
            "created_at": timezone.now(),
            "actor_id": actor_id,
            "actor_username": actor_username,
            "organisation_id": organisation.pk if organisation is not None else None,
            "organisation_name": organisation.name if organisation is not None else "",
            "action": action_value,
            "object_type": object_type,
            "object_id": object_id,
            "outcome": outcome_value,
            "reason": reason,
            "fields": field_names,
            "prev_hash": head.entry_hash,
        }
        entry_hash = compute_entry_hash(values)
        entry = AuditEntry.objects.create(**values, entry_hash=entry_hash)
        moved = AuditHead.objects.filter(
            pk=HEAD_PK, seq=head.seq, entry_hash=head.entry_hash
        ).update(seq=entry.seq, entry_hash=entry_hash)
        if moved != 1:
            raise AuditChainError("the audit head changed while it was locked")
    return entry


def _choice(choices: type[models.TextChoices], value: str, name: str) -> str:
    if value not in choices.values:
        raise ValueError(f"unknown audit {name}: {value!r}")
    return str(choices(value).value)


def _field_names(fields: Sequence[str]) -> list[str]:
    if isinstance(fields, str):  # a lone string would be split into characters
        raise ValueError("fields must be a sequence of field names, not a string")
    for name in fields:
        if not isinstance(name, str) or not _FIELD_NAME_RE.fullmatch(name):
            raise ValueError(f"not a field name (values are never logged): {name!r}")
    names = sorted(set(fields))
    if len(names) > _MAX_FIELDS:
        raise ValueError("too many field names")
    return names


def _first_active_organisation(*, user_id: int) -> Organisation | None:
    # Imported here so accounts can import this module without an import cycle.
    from heatwatch.accounts.models import Membership

    membership = (
        Membership.objects.filter(user_id=user_id, is_active=True)
        .select_related("organisation")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.organisation if membership is not None else None


def _lock_head() -> AuditHead:
    """Return the head row locked FOR UPDATE, creating it only for an empty log."""
    head = AuditHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is not None:
        return head
    # The row is created by migration 0003; it is gone only after a test-suite flush or
    # tampering. With entries present, continuing would fork the chain: fail closed.
    if AuditEntry.objects.exists():
        raise AuditChainError(
            "the audit head row is missing but entries exist; run `heatwatch audit verify`"
        )
    AuditHead.objects.get_or_create(pk=HEAD_PK, defaults={"seq": 0, "entry_hash": GENESIS_HASH})
    return AuditHead.objects.select_for_update().get(pk=HEAD_PK)


def audit_checkpoint(*, now: datetime | None = None) -> Checkpoint:
    """Sign the newest entry of the chain and append it to the checkpoint file; return it.

    Checks the log from the last checkpoint on first and refuses (``CheckpointError``) when it
    is not intact, so a checkpoint never vouches for a tampered log. E-mails the checkpoint
    line to ``HEATWATCH_AUDIT_CHECKPOINT_EMAILS`` when set (after the file is written, so a
    mail failure loses nothing). See docs/audit.md, "Checkpoints".
    """
    path = checkpoints.checkpoint_path()
    if path is None:
        raise checkpoints.CheckpointError(
            "HEATWATCH_AUDIT_CHECKPOINT_FILE is empty: checkpoints are switched off"
        )
    signed = [line.checkpoint for line in checkpoints.read_lines(path) if line.checkpoint]
    anchor = max(signed, key=lambda c: c.seq, default=None)
    tail = chain_tail_from(
        seq=anchor.seq if anchor else 0,
        entry_hash=anchor.entry_hash if anchor else GENESIS_HASH,
    )
    if tail.problems:
        raise checkpoints.CheckpointError(
            "the audit log is not intact since the last checkpoint; no checkpoint written. "
            "Run `heatwatch audit verify`. " + "; ".join(tail.problems[:5])
        )
    checkpoint = checkpoints.sign(
        seq=tail.seq, entry_hash=tail.entry_hash, at=now or timezone.now()
    )
    checkpoints.append(checkpoint, path)
    recipients: list[str] = list(getattr(settings, "HEATWATCH_AUDIT_CHECKPOINT_EMAILS", []))
    if recipients:
        send_mail(
            subject=f"Audit checkpoint #{checkpoint.seq}",
            message=(
                "Keep this line: `heatwatch audit verify` checks the audit log against it.\n\n"
                f"{checkpoint.line()}\n\nPublic key: {checkpoints.public_key_text()}\n"
            ),
            from_email=None,
            recipient_list=recipients,
            fail_silently=True,
        )
    return checkpoint
