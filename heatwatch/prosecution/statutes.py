"""The statute codes a charge may cite: a data file, one ``CODE | description`` a line.

The file is ``settings.HEATWATCH_PROSECUTION_STATUTES_FILE`` when that is set, else the example
list shipped in ``data/statutes.txt``. It is read when first needed and again when it changes
on disk, so an installation edits it without restarting. A malformed line names its line
number.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

DEFAULT_FILE = Path(__file__).parent / "data" / "statutes.txt"
MAX_CODE = 40
MAX_DESCRIPTION = 300


class StatuteFileError(Exception):
    """The statute file cannot be read; the message names the file and the line."""


@dataclass(frozen=True)
class Statute:
    code: str
    description: str


_cache: dict[str, tuple[float, dict[str, Statute]]] = {}


def statutes_file() -> Path:
    configured = settings.HEATWATCH_PROSECUTION_STATUTES_FILE
    return Path(configured) if configured else DEFAULT_FILE


def normal_code(code: str) -> str:
    """Codes compare without case and with single spaces: ``pc  236.1(C)`` is ``PC 236.1(C)``."""
    return " ".join(code.split()).upper()


def parse(text: str, *, name: str = "statutes") -> dict[str, Statute]:
    """The statutes of a file's text, by normal code; ``StatuteFileError`` names the line."""
    found: dict[str, Statute] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        code, sep, description = line.partition("|")
        code, description = code.strip(), description.strip()
        if not sep or not code or not description:
            raise StatuteFileError(f"{name}, line {number}: expected 'CODE | description'")
        if len(code) > MAX_CODE or len(description) > MAX_DESCRIPTION:
            raise StatuteFileError(f"{name}, line {number}: code or description too long")
        key = normal_code(code)
        if key in found:
            raise StatuteFileError(f"{name}, line {number}: {code} is listed twice")
        found[key] = Statute(code=code, description=description)
    if not found:
        raise StatuteFileError(f"{name}: no statute listed")
    return found


def statutes() -> dict[str, Statute]:
    """The configured statutes by normal code (re-read when the file changes)."""
    path = statutes_file()
    try:
        stamp = os.stat(path).st_mtime
    except OSError as exc:
        raise StatuteFileError(f"{path}: cannot be read ({exc.strerror})") from None
    cached = _cache.get(str(path))
    if cached is None or cached[0] != stamp:
        cached = (stamp, parse(path.read_text(encoding="utf-8"), name=str(path)))
        _cache[str(path)] = cached
    return cached[1]


def statute_for(code: str) -> Statute | None:
    """The statute with this code, or None when the list does not have it."""
    return statutes().get(normal_code(code))
