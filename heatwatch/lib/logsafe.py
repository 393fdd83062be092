"""Log lines that a request cannot forge: control characters are written escaped.

A path such as ``/x%0a2026-01-01 INFO forged`` arrives decoded, with a real newline; written
as is, it would start a second, forged line in the log, and an ANSI escape sequence could
rewrite what a terminal shows. :class:`SafeFormatter` escapes every C0 and C1 control
character, DEL and the Unicode line and paragraph separators in the message (``\\n``,
``\\r``, ``\\t``, ``\\x1b``, ``\\u2028``, ...), so one record is one line. Tracebacks keep their
lines, each continuation line starting with ``"  | "``, so they cannot pass for a record.
It is the formatter of every handler in ``settings.LOGGING`` and of ``heatwatch serve``'s
gunicorn logs (docs/security.md, "Logs").
"""

from __future__ import annotations

import logging

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(code: int) -> str:
    char = chr(code)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_CONTROL = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]
_TABLE = {code: _escape(code) for code in _CONTROL}
#: Starts every line of a record after its first (traceback, stack).
CONTINUATION = "  | "


def escape_control(text: str) -> str:
    """``text`` with every control character written as a visible escape; one line."""
    return text.translate(_TABLE)


def _continuation(text: str) -> str:
    return "\n".join(CONTINUATION + escape_control(line) for line in text.splitlines())


class SafeFormatter(logging.Formatter):
    """A ``logging.Formatter`` whose output cannot hold a forged line or a terminal escape."""

    def format(self, record: logging.LogRecord) -> str:
        """One record: one line, plus marked continuation lines for a traceback or stack."""
        # Work on a copy: other handlers format the same record with their own formatters.
        clone = logging.makeLogRecord(record.__dict__)
        clone.message = record.getMessage()
        if self.usesTime():
            clone.asctime = self.formatTime(record, self.datefmt)
        for name, value in list(clone.__dict__.items()):
            if isinstance(value, str):
                setattr(clone, name, escape_control(value))
        text = self.formatMessage(clone)
        # The traceback is formatted here, never taken from record.exc_text: that cache may
        # hold another formatter's unescaped text.
        if record.exc_info:
            text += "\n" + _continuation(self.formatException(record.exc_info))
        elif record.exc_text:
            text += "\n" + _continuation(record.exc_text)
        if record.stack_info:
            text += "\n" + _continuation(self.formatStack(record.stack_info))
        return text
