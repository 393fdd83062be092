"""What the cases app adds to tips, without tips importing cases (DESIGN.md §3).

A tip is linked to the case it led to by the case's reference. ``cases`` registers here, in its
``AppConfig.ready()``, how to check a reference (``tip_link_case`` refuses one that names no
case, so a typo cannot keep a tip out of the retention purge) and how to show the linked case
on the tip's page to someone who may open it; and the case intake the coordinators open for a
youth an officer recovered (``RecoveryIntake``).
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


# --- a recovered youth's case intake ----------------------------------------------------------
#
# When an officer records "youth recovered" on a referral, the coordinators open a case intake
# from the tip: the officer's agency is the referrer and the tip is linked. The intake (its form,
# identity matching, opening the case) belongs to cases, so cases registers it here and the tip
# pages use it without importing cases.


@dataclass(frozen=True)
class RecoveryIntake:
    """How the cases app opens a case for a recovered youth.

    ``form(data, *, user, initial)`` builds the intake form; ``open_case(*, form, by,
    tip_reference, referrer)`` opens the case from a valid form (identity matching runs there)
    and raises ``identity_check`` (carrying ``.candidates``) or ``error``; ``case_url(case)``
    is the case's page; ``initial(*, tip_reference)`` the form's starting values."""

    form: Callable[..., Any]
    open_case: Callable[..., Any]
    case_url: Callable[[Any], str]
    initial: Callable[..., dict[str, Any]]
    identity_check: type[Exception]
    error: type[Exception]


@dataclass
class _Recovery:
    intake: RecoveryIntake | None = None


_recovery = _Recovery()


def register_recovery_intake(intake: RecoveryIntake) -> None:
    """Registered by cases in ``CasesConfig.ready()``."""
    _recovery.intake = intake


def recovery_intake() -> RecoveryIntake | None:
    """The registered recovery intake, or None when no cases app is installed."""
    return _recovery.intake
