"""CSV files that a spreadsheet opens as data, never as formulas (CSV/formula injection).

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab, carriage return or line feed)
is run as a formula by Excel, LibreOffice and Google Sheets: ``=HYPERLINK("http://x","y")``
in a youth's name would become a link that leaks data when clicked. Following OWASP, such a
cell is written with a single quote in front (``'=HYPERLINK(...)``), which spreadsheets show
as text. One exception keeps numbers usable: a cell that is just a number (``-3``,
``+1.5``, ``-2e3``) is left as it is, since a number cannot be a formula.

Every CSV the platform writes goes through :func:`writer` or :class:`DictWriter`
(``heatwatch/lib/tests/test_csvsafe.py`` fails if a plain ``csv.writer`` appears anywhere
else). Readers of the platform's own files use :func:`restore`, so a file written here reads
back as the values that were written. See docs/security.md ("Data").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any

#: First characters that make a spreadsheet treat a cell as a formula.
TRIGGERS = frozenset("=+-@\t\r\n")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: object) -> str:
    """The cell as text, with a leading ``'`` when it would otherwise start a formula."""
    text = "" if value is None else str(value)
    if text and text[0] in TRIGGERS and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """Undo :func:`neutralise` for a cell read back from a file the platform wrote."""
    if len(text) > 1 and text[0] == "'" and text[1] in TRIGGERS and not _NUMBER.fullmatch(text[1:]):
        return text[1:]
    return text


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`neutralise`."""

    def __init__(self, handle: IO[str], **kwargs: Any) -> None:
        """Write to ``handle``; keyword arguments go to ``csv.writer``."""
        self._writer = csv.writer(handle, **kwargs)

    def writerow(self, row: Iterable[object]) -> Any:
        """Write one row of neutralised cells."""
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write several rows."""
        for row in rows:
            self.writerow(row)


def writer(handle: IO[str], **kwargs: Any) -> SafeWriter:
    """The platform's ``csv.writer``: neutralises formula cells."""
    return SafeWriter(handle, **kwargs)


if TYPE_CHECKING:
    _DictWriter = csv.DictWriter[str]
else:  # not subscriptable at run time before Python 3.12
    _DictWriter = csv.DictWriter


class DictWriter(_DictWriter):
    """``csv.DictWriter`` whose every value (and header) goes through :func:`neutralise`."""

    def writeheader(self) -> Any:
        """Write the header row, neutralised like any other."""
        return self.writer.writerow([neutralise(name) for name in self.fieldnames])

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        """Write one row of neutralised values."""
        return super().writerow({key: neutralise(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        """Write several rows."""
        for row in rowdicts:
            self.writerow(row)
