"""A real worker process is killed (SIGKILL) in the middle of a real send to a local aiosmtpd
sink, at the worst moment: the sink has the message and the worker has not recorded it. After
a restart every recipient has the newsletter exactly once (counted by Message-ID, as an MTA
that de-duplicates counts); the one message in doubt is the only copy, and it carries the
same Message-ID (docs/mailing.md, "Exactly once").

Everything runs in subprocesses on a file SQLite database, as `heatwatch worker` runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from aiosmtpd.controller import Controller

from heatwatch.mailing.tests.conftest import Sink, _free_port

ROOT = Path(__file__).resolve().parents[3]
READERS = [f"reader{n:02}@example.test" for n in range(12)]
KILL_AT = 7  # the worker dies while the 7th message is being accepted

SETUP = """
from heatwatch.mailing import services
from heatwatch.mailing.models import Subscriber
for address in {readers!r}:
    services.subscribe(data=services.SubscribeInput(email=address, interests=["newsletter"]),
                       source_key="setup-" + address)
    services.confirm(subscriber=Subscriber.objects.get(email_index=services.email_index(address)))
item = services.newsletter_create(subject="Spring", body="Trainings.", interest="newsletter",
                                  language="", by=None)
services.newsletter_send(newsletter=item, by=None)
"""

REPORT = """
from heatwatch.mailing.models import Delivery, Newsletter
print(Newsletter.objects.get().status)
print(sorted(Delivery.objects.values_list("status", "attempts")))
"""


def newsletters(sink: Sink) -> list:
    # The sign-up and welcome e-mails of the set-up go to the sink too.
    return [r for r in sink.received if r.message["Subject"] == "Spring"]


class KillingSink(Sink):
    """Keeps each message; on the KILL_AT-th newsletter kills the worker before its "250"."""

    worker: subprocess.Popen | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        if len(newsletters(self)) == KILL_AT and self.worker is not None:
            os.kill(self.worker.pid, signal.SIGKILL)
            self.worker = None
        return reply


def _cli(env, *args, **kwargs):
    return subprocess.run(  # noqa: S603 - this project's CLI, fixed arguments
        [sys.executable, "-m", "heatwatch.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        **kwargs,
    )


WORKER = ("db_worker", "--no-reload", "--queue-name", "*", "--batch", "--no-startup-delay")


def test_a_worker_killed_mid_send_and_restarted_mails_each_reader_once(tmp_path):
    sink = KillingSink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "heatwatch.settings",
        "HEATWATCH_ENV": "development",
        "HEATWATCH_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'heatwatch.sqlite3'}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "HEATWATCH_MAILING_BATCH_SIZE": "5",
        # A dead worker's claim runs out at once (no live worker competes in this test).
        "HEATWATCH_MAILING_CLAIM_LEASE_MINUTES": "0",
    }
    try:
        for step in (("migrate", "--noinput"), ("shell", "-c", SETUP.format(readers=READERS))):
            done = _cli(env, *step)
            assert done.returncode == 0, done.stderr[-3000:]
        sink.worker = subprocess.Popen(  # noqa: S603 - this project's CLI, fixed arguments
            [sys.executable, "-m", "heatwatch.cli", *WORKER],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        worker = sink.worker
        assert worker.wait(timeout=300) == -signal.SIGKILL
        assert len(newsletters(sink)) == KILL_AT
        # Restart: the periodic resume job finds the newsletter still sending.
        done = _cli(env, "tick", "--all")
        assert done.returncode == 0, done.stderr[-3000:]
        done = _cli(env, *WORKER)
        assert done.returncode == 0, done.stderr[-3000:]
        report = _cli(env, "shell", "-c", REPORT)
    finally:
        controller.stop()
    assert report.returncode == 0, report.stderr[-3000:]
    status, rows = report.stdout.splitlines()[-2:]
    assert status == "sent"
    # Every recipient exactly once by Message-ID…
    ids: dict[str, set[str]] = {}
    for received in newsletters(sink):
        for rcpt in received.rcpt_tos:
            ids.setdefault(rcpt, set()).add(received.message["Message-ID"])
    assert {rcpt: len(mids) for rcpt, mids in ids.items()} == dict.fromkeys(READERS, 1)
    # …and the only second copy is the one message in doubt, with the same Message-ID.
    copies: dict[str, int] = {}
    for received in newsletters(sink):
        for rcpt in received.rcpt_tos:
            copies[rcpt] = copies.get(rcpt, 0) + 1
    assert sorted(copies.values()) == [1] * (len(READERS) - 1) + [2]
    assert rows == str(sorted([("accepted", 1)] * (len(READERS) - 1) + [("accepted", 2)]))
