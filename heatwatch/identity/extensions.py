"""What apps above identity tell it, without identity importing them (docs/architecture.md).

- **open cases**: ``register_open_cases(name, source)``; ``source(person_ids)`` returns the
  ids among ``person_ids`` of people who have an open case. The possible-duplicates queue puts
  pairs where either person has an open case first (``cases`` registers it in its
  ``AppConfig.ready()``). With nothing registered no person counts as having an open case.

A registration is keyed by name, so registering again (a reloaded app) replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

OpenCaseSource = Callable[[Collection[int]], Collection[int]]

_open_cases: dict[str, OpenCaseSource] = {}


def register_open_cases(name: str, source: OpenCaseSource) -> None:
    """Add a source of "this person has an open case"."""
    _open_cases[name] = source


def unregister_open_cases(name: str) -> None:
    """Remove a source (tests)."""
    _open_cases.pop(name, None)


def people_with_open_cases(person_ids: Collection[int]) -> set[int]:
    """The ids among ``person_ids`` of people with an open case, by every registered source."""
    found: set[int] = set()
    if not person_ids:
        return found
    for name in sorted(_open_cases):
        found.update(int(p) for p in _open_cases[name](person_ids))
    return found & {int(p) for p in person_ids}
