"""What the cases app adds to tips, without tips importing cases (DESIGN.md §3).

A tip is linked to the case it led to by the case's reference. ``cases`` registers here, in its
``AppConfig.ready()``, how to check a reference (``tip_link_case`` refuses one that names no
case, so a typo cannot keep a tip out of the retention purge) and how to show the linked case
on the tip's page to someone who may open it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LinkedCase:
    """A case a tip links to, as the tip's page shows it: its reference and its page."""

    reference: str
    url: str


@dataclass
class _CaseLinks:
    existing: Callable[[str], str | None] | None = None
    visible: Callable[[Any, str], LinkedCase | None] | None = None


_links = _CaseLinks()


def register_case_links(
    *,
    existing: Callable[[str], str | None],
    visible: Callable[[Any, str], LinkedCase | None],
) -> None:
    """``existing(reference)``: the case's canonical reference, or None when no case has it;
    ``visible(user, reference)``: the linked case if ``user`` may open it, else None."""
    _links.existing = existing
    _links.visible = visible


def existing_case_reference(reference: str) -> str | None:
    """The canonical reference of the case ``reference`` names; None if there is none (or no
    cases app is installed)."""
    return _links.existing(reference) if _links.existing is not None else None


def linked_case_for(*, user: Any, reference: str) -> LinkedCase | None:
    """The case a tip links to, if ``user`` may open it."""
    if not reference or _links.visible is None:
        return None
    return _links.visible(user, reference)
