"""Key rotation: re-encrypt stored values with the primary field key.

Rotating a key (see ``heatwatch keys generate``):

1. prepend a new entry to HEATWATCH_FIELD_KEYS and restart every process (web, workers), so
   they all encrypt new values with it;
2. run ``heatwatch keys rotate``: every stored value encrypted with another key is decrypted
   and encrypted again with the primary key;
3. keep the old entry (as a secondary): ``keys rotate`` re-encrypts the fields, but session data
   and the sealed reasons of the append-only audit log stay under the key that wrote them
   (docs/encryption.md).

Rotation reads the raw tokens (not the decrypted values the model fields would return), so it
never encrypts a token twice, and it only touches values whose key id is not the primary, so a
second run changes nothing. Each batch is one transaction, and each row is written only if its
token is still the one that was read: a value changed by the application meanwhile is left
alone (and counted) rather than overwritten with stale data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models, router, transaction
from django.db.models import ExpressionWrapper, F, Value

from heatwatch.lib import crypto
from heatwatch.lib.fields import EncryptedField, encrypted_fields_by_model

_RAW = "hw_raw_token"


class _Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


class RotationError(crypto.DecryptionError):
    """A stored value could not be decrypted during rotation; names the row, never the value."""

    def __init__(self, *, model_label: str, field_name: str, pk: object, reason: str) -> None:
        """Record where rotation failed and why."""
        self.model_label = model_label
        self.field_name = field_name
        self.pk = pk
        super().__init__(
            f"cannot re-encrypt {model_label}.{field_name} of row pk={pk!r}: {reason}. "
            "Nothing in that batch was changed; earlier batches are done (rotation can be "
            "re-run). Check that every key still in use is in HEATWATCH_FIELD_KEYS."
        )


@dataclass
class ModelRotation:
    """What rotation did to one model's encrypted fields."""

    model: str
    fields: tuple[str, ...]
    scanned: int = 0
    reencrypted: int = 0
    changed_meanwhile: int = 0

    def describe(self, *, dry_run: bool) -> str:
        """One line for the command's output."""
        verb = "to re-encrypt" if dry_run else "re-encrypted"
        line = (
            f"{self.model} ({', '.join(self.fields)}): {self.scanned} values scanned, "
            f"{self.reencrypted} {verb}"
        )
        if self.changed_meanwhile:
            line += f", {self.changed_meanwhile} changed during rotation (run again)"
        return line


@dataclass
class RotationReport:
    """The outcome of :func:`rotate_field_keys`, per model."""

    primary_key_id: str
    dry_run: bool = False
    models: list[ModelRotation] = field(default_factory=list)

    @property
    def scanned(self) -> int:
        """Stored (non-empty) values looked at."""
        return sum(m.scanned for m in self.models)

    @property
    def reencrypted(self) -> int:
        """Values re-encrypted with the primary key (or that would be, in a dry run)."""
        return sum(m.reencrypted for m in self.models)

    @property
    def changed_meanwhile(self) -> int:
        """Values skipped because the application changed them during rotation."""
        return sum(m.changed_meanwhile for m in self.models)


def rotate_field_keys(
    *, batch_size: int = 500, stdout: _Writer | None = None, dry_run: bool = False
) -> RotationReport:
    """Re-encrypt with the primary key every stored value encrypted with another key.

    Walks every encrypted field of every installed model in primary-key order, ``batch_size``
    rows per transaction, and writes a progress line per model to ``stdout`` if given. With
    ``dry_run`` nothing is written; the report says how many values would be re-encrypted.
    Raises :class:`RotationError` (naming model, field and row id, never the value) when a
    value cannot be decrypted, e.g. because its key is no longer configured.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    keyring = crypto.get_keyring()
    report = RotationReport(primary_key_id=keyring.primary_id, dry_run=dry_run)
    for model, fields in encrypted_fields_by_model().items():
        result = ModelRotation(model=model._meta.label, fields=tuple(f.name for f in fields))
        for encrypted_field in fields:
            _rotate_field(
                model,
                encrypted_field,
                keyring=keyring,
                batch_size=batch_size,
                dry_run=dry_run,
                result=result,
            )
        report.models.append(result)
        if stdout is not None:
            stdout.write(result.describe(dry_run=dry_run) + "\n")
    return report


def _rotate_field(
    model: type[models.Model],
    encrypted_field: EncryptedField[Any, Any],
    *,
    keyring: crypto.KeyRing,
    batch_size: int,
    dry_run: bool,
    result: ModelRotation,
) -> None:
    db = router.db_for_write(model)
    # The column as plain text: the annotation's output field has no from_db_value, so the
    # token is read as stored instead of being decrypted by the model field.
    raw = ExpressionWrapper(F(encrypted_field.attname), output_field=models.TextField())
    stored = (
        model._base_manager.using(db)
        .annotate(**{_RAW: raw})
        .filter(**{f"{_RAW}__isnull": False})
        .exclude(**{_RAW: ""})
        .order_by("pk")
    )
    last_pk: Any = None
    while True:
        batch = stored if last_pk is None else stored.filter(pk__gt=last_pk)
        with transaction.atomic(using=db):
            rows = list(batch.values_list("pk", _RAW)[:batch_size])
            for pk, token in rows:
                result.scanned += 1
                try:
                    if not keyring.needs_rotation(token):
                        continue
                    plaintext = keyring.decrypt(token, context=encrypted_field.context)
                except crypto.DecryptionError as exc:
                    raise RotationError(
                        model_label=model._meta.label,
                        field_name=encrypted_field.name,
                        pk=pk,
                        reason=str(exc),
                    ) from None
                if dry_run:
                    result.reencrypted += 1
                    continue
                fresh = keyring.encrypt(plaintext, context=encrypted_field.context)
                # Value(..., TextField()) writes the token as is: assigning a plain string
                # would go through the field's get_prep_value and be encrypted a second time.
                updated = (
                    model._base_manager.using(db)
                    .filter(pk=pk)
                    .annotate(**{_RAW: raw})
                    .filter(**{_RAW: token})
                    .update(**{encrypted_field.attname: Value(fresh, models.TextField())})
                )
                if updated:
                    result.reencrypted += 1
                else:
                    result.changed_meanwhile += 1
        if len(rows) < batch_size:
            return
        last_pk = rows[-1][0]
