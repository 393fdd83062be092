"""A request cannot forge a log line (issue 10, finding 12).

The path ``/api/x%0aFORGED LINE%0d%1b[31mred`` arrives decoded, with a real newline, carriage
return and ANSI escape. Every log line must show them escaped, and one request must stay one
line, in gunicorn's access log (``heatwatch serve``) and in Django's own logging.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from heatwatch.lib.logsafe import CONTINUATION, SafeFormatter, escape_control

ROOT = Path(__file__).resolve().parents[3]
CRAFTED = b"/api/x%0aFORGED%20LINE%0d%1b[31mred"
ESCAPED = "/api/x\\nFORGED LINE\\r\\x1b[31mred"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, target: bytes, deadline: float, server: subprocess.Popen[bytes]) -> bytes:
    while True:
        assert server.poll() is None, "heatwatch serve exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(
                    b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                )
                return sock.recv(100)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # waiting for a real server to listen, not for time


def test_access_log_of_heatwatch_serve_escapes_control_characters(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "HEATWATCH_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "heatwatch.settings",
    }
    stdout, stderr = tmp_path / "access.log", tmp_path / "error.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        server = subprocess.Popen(  # noqa: S603 - our own CLI
            [
                sys.executable,
                "-m",
                "heatwatch.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
        try:
            deadline = time.monotonic() + 180  # a loaded CI machine
            assert _get(port, CRAFTED, deadline, server).startswith(b"HTTP/1.1 ")
            assert _get(port, b"/healthz", deadline, server).startswith(b"HTTP/1.1 ")
            # gunicorn writes the access line after the response; wait for the second one.
            while stdout.read_text().count("\n") < 2 and time.monotonic() < deadline:
                time.sleep(0.1)  # polling a file a real server writes
        except Exception:
            print(stderr.read_text())  # noqa: T201 - why the server did not answer
            raise
        finally:
            server.terminate()
            server.wait(timeout=30)
    lines = stdout.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2, lines
    assert ESCAPED in lines[0] and '"GET /healthz"' in lines[1]
    everything = stdout.read_text() + stderr.read_text()
    assert "\x1b" not in everything
    assert not [line for line in everything.splitlines() if line.startswith("FORGED")]


@pytest.fixture
def django_request_log():
    """What the configured console handler of django.request writes, with 404s let through."""
    logger = logging.getLogger("django.request")
    [handler] = [h for h in logger.handlers if isinstance(h.formatter, SafeFormatter)]
    stream = io.StringIO()
    # Swapped without setStream(): that flushes the old stream, which may be a capture file
    # pytest has already closed when this runs late in a whole-suite run.
    old_stream, handler.stream = handler.stream, stream
    old_level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield stream
    finally:
        logger.setLevel(old_level)
        handler.stream = old_stream


def test_django_request_log_escapes_a_crafted_path(client, db, django_request_log):
    response = client.get("/api/x%0aFORGED%20LINE%0d%1b[31mred")
    assert response.status_code == 404
    text = django_request_log.getvalue()
    assert text.count("\n") == 1, text
    assert "Not Found: /api/x\\nFORGED LINE\\r\\x1b[31mred" in text


def test_every_control_character_is_escaped():
    controls = "".join(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029])
    escaped = escape_control("a" + controls + "z")
    assert escaped.isprintable() and escaped.startswith("a\\x00") and escaped.endswith("\\u2029z")
    assert escape_control("Zoë, ñandú, 東京") == "Zoë, ñandú, 東京"


def test_traceback_lines_cannot_pass_for_a_record():
    formatter = SafeFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("bad\nWARNING forged")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    record.exc_text = "raw cached\ntext"  # another formatter's cache is not trusted
    first, *rest = formatter.format(record).splitlines()
    assert first == "ERROR boom"
    assert rest and all(line.startswith(CONTINUATION) for line in rest)
    assert f"{CONTINUATION}WARNING forged" in rest
