"""Optimistic versioning for edits that must never be lost: one mechanism for every app.

A versioned model has an integer ``version`` column (and ``updated_at``). A form or an API
call carries the version it was loaded with; the service locks the row, compares, writes and
bumps the version in one transaction:

    record = locked(Service, service.pk, version=version, stale=StaleService)
    changed = assign(record, values)
    if changed:
        bump(record, changed)

A mismatch raises the app's subclass of ``StaleEdit`` and saves nothing. Every view turns
``StaleEdit`` into the same answer: the form again with what the user typed and the message,
answered 409 (``core.actions.run_form_action``); the API answers 409 with a JSON body
(``api.api``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _

M = TypeVar("M", bound=models.Model)


class StaleEdit(Exception):
    """Someone else changed the record since it was loaded; nothing was saved.

    Apps subclass it together with their own domain error (``class StaleTip(TipError,
    StaleEdit)``) so that their views keep catching their error and every view and API
    endpoint can still recognise a stale edit as one thing.
    """

    http_status = 409

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _(
                "Someone else changed this record while you were editing it. Your changes were "
                "not saved; review it again."
            )
        )


def locked(
    model: type[M],
    pk: Any,
    *,
    version: int | None,
    stale: type[StaleEdit] = StaleEdit,
    message: str = "",
    related: Sequence[str] = (),
) -> M:
    """The row ``pk`` of ``model``, locked until the transaction ends. With ``version`` (the
    version the caller loaded), raise ``stale`` when the row has moved on since; ``None``
    means the caller edits without a loaded version (e.g. adding a sub-record)."""
    queryset = model._default_manager.select_for_update()
    if related:
        queryset = queryset.select_related(*related)
    current = queryset.get(pk=pk)
    if version is not None and current.version != version:  # type: ignore[attr-defined]
        raise stale(message) if message else stale()
    return current


def assign(instance: models.Model, values: Mapping[str, object]) -> list[str]:
    """Set the fields of ``values`` that differ on ``instance``; the names of those changed,
    in the order of ``values`` (for ``update_fields`` and the audit entry)."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


def bump(instance: models.Model, fields: Sequence[str] = ()) -> None:
    """Save ``fields`` and move the version on by one (in the database, so two bumps in one
    transaction both count); ``instance.version`` is the new version afterwards."""
    instance.version = F("version") + 1  # type: ignore[attr-defined]
    extra = ["updated_at"] if any(f.name == "updated_at" for f in instance._meta.fields) else []
    instance.save(update_fields=[*dict.fromkeys([*fields, "version", *extra])])
    instance.refresh_from_db(fields=["version"])
