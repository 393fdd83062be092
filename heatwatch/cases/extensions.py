"""What apps built on cases add to them, without cases importing those apps.

Dependencies point one way (DESIGN.md §3): ``meetings``, ``screening`` and ``prosecution`` build
on ``cases``, so ``cases`` never imports them. They register here, in their
``AppConfig.ready()``:

- **alert conditions**: ``register_alert_conditions(source)``; ``source(now)`` returns the
  ``AlertCondition`` s that hold now. ``services.alerts_refresh`` raises and resolves their
  alerts like its own (one open alert per case and key).
- **case page sections**: ``register_case_section(template=..., context=fn)``; the case page
  includes ``template`` with ``fn(case=..., user=...)``'s context (e.g. the MDT action items).
- **case list sections**: ``register_case_list_section(template=..., context=fn)``; the case
  list includes ``template`` with ``fn(user=...)``'s context.

- **court status**: ``register_court_status(name, source)``; ``source(case)`` returns one line
  on the youth's court involvement kept by that app (e.g. the youth-court docket of
  ``prosecution``), or None. ``court_statuses(case)`` gives them for the MDT briefing and the
  case page, so court matters are not typed twice.

A registration is keyed by name, so registering again (a reloaded app) replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AlertCondition:
    """A condition that holds for a case now: ``key`` identifies it within the case (one open
    alert per case and key), ``kind`` is an ``AlertKind``, ``message`` says what is wrong
    without anything about the youth."""

    case_id: int
    kind: str
    key: str
    message: str
    due_at: datetime | None


ConditionSource = Callable[[datetime], Iterable[AlertCondition]]


@dataclass(frozen=True)
class Section:
    name: str
    template: str
    context: Callable[..., dict[str, Any]]


_conditions: dict[str, ConditionSource] = {}
_case_sections: dict[str, Section] = {}
_list_sections: dict[str, Section] = {}
_court_statuses: dict[str, Callable[[Any], str | None]] = {}


def register_alert_conditions(name: str, source: ConditionSource) -> None:
    """Add a source of alert conditions (called by each sweep with the sweep's time)."""
    _conditions[name] = source


def alert_condition_sources() -> list[ConditionSource]:
    return [_conditions[name] for name in sorted(_conditions)]


def register_case_section(
    name: str, *, template: str, context: Callable[..., dict[str, Any]]
) -> None:
    """Add a section to the case page: ``context(case=case, user=user)`` → template context."""
    _case_sections[name] = Section(name, template, context)


def register_case_list_section(
    name: str, *, template: str, context: Callable[..., dict[str, Any]]
) -> None:
    """Add a section to the case list: ``context(user=user)`` → template context."""
    _list_sections[name] = Section(name, template, context)


def case_sections(*, case: Any, user: Any) -> list[tuple[str, dict[str, Any]]]:
    """The registered case-page sections as (template, context), in name order."""
    return [
        (s.template, s.context(case=case, user=user))
        for s in (_case_sections[n] for n in sorted(_case_sections))
    ]


def case_list_sections(*, user: Any) -> list[tuple[str, dict[str, Any]]]:
    """The registered case-list sections as (template, context), in name order."""
    return [
        (s.template, s.context(user=user))
        for s in (_list_sections[n] for n in sorted(_list_sections))
    ]


def register_court_status(name: str, source: Callable[[Any], str | None]) -> None:
    """Add a source of one-line court statuses: ``source(case)`` → a line, or None."""
    _court_statuses[name] = source


def court_statuses(case: Any) -> list[str]:
    """The registered court-status lines of ``case`` that have something to say, in name
    order."""
    lines = (_court_statuses[name](case) for name in sorted(_court_statuses))
    return [line for line in lines if line]
