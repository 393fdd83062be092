"""One newsletter to many synthetic subscribers through a local aiosmtpd sink.

For each size (``--sizes``, default 10,000 and 100,000) the subscribers are bulk-inserted into a
fresh database, a newsletter is started, and a worker process (``sending.send_newsletter``, the
task's body: claim rows, one SMTP connection per batch, one commit per hand-over)
sends it. Printed per size: messages per second, the worker's peak memory (ru_maxrss of that
process), and, in the same run against the same sink, a bare ``smtplib`` loop sending the same
pre-rendered messages over one reused connection. Targets: the worker at least 0.7 of the bare
loop, and the peak memory the same at both sizes (it must not grow with the list).

    .venv/bin/python benchmarks/mailing.py [--sizes 10000 100000] [--postgres PORT]

The sink runs in its own process and only counts (no parsing), so it is as cheap as a sink can
be for both sides. SQLite by default (a file in a temporary directory); ``--postgres PORT``
starts a throwaway cluster on PORT instead (benchmarks/tips.py).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tips import BIN, postgres_database, run, sqlite_database  # noqa: E402

SETUP = """
import django, json; django.setup()
from django.db import connection
from django.utils import timezone
from heatwatch.mailing import services
from heatwatch.mailing.models import Delivery, Newsletter, Subscriber
Delivery.objects.all().delete(); Newsletter.objects.all().delete()
Subscriber.objects.all().delete()
n = {n}
rows = []
for i in range(n):
    address = f"reader{{i}}@bench.example.test"
    rows.append(Subscriber(email=address, email_index=services.email_index(address),
        wants_newsletter=True, language="es" if i % 4 == 0 else "en", status="confirmed",
        confirmed_at=timezone.now(), unsubscribe_token=services.new_unsubscribe_token()))
    if len(rows) == 5000:
        Subscriber.objects.bulk_create(rows); rows = []
Subscriber.objects.bulk_create(rows)
item = services.newsletter_create(subject="Benchmark newsletter", body="Three trainings.\\n\\n"
    + "A paragraph of ordinary newsletter text. " * 40, interest="newsletter", language="",
    by=None)
Newsletter.objects.filter(pk=item.pk).update(status="sending", queued_at=timezone.now())
print(json.dumps({{"id": item.pk}}))
"""

WORKER = """
import django, json, resource, time; django.setup()
from heatwatch.mailing import sending
t0 = time.perf_counter()
result = sending.send_newsletter(newsletter_id={id})
elapsed = time.perf_counter() - t0
print(json.dumps({{"accepted": result.accepted, "failed": result.failed, "seconds": elapsed,
    "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""

SAMPLE = """
import django, json, sys; django.setup()
from heatwatch.mailing import emails
from heatwatch.mailing.models import Delivery, Newsletter
item = Newsletter.objects.get(pk={id})
renderer = emails.NewsletterRenderer(item)
out = []
for d in Delivery.objects.filter(newsletter=item).select_related("subscriber", "newsletter")[:500]:
    m = renderer.message(delivery=d)
    out.append([d.subscriber.email, m.message().as_bytes(linesep="\\r\\n").decode("latin-1")])
json.dump(out, sys.stdout)
"""


class Counter:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "250 OK"


def sink(port: int, ready: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    from aiosmtpd.controller import Controller

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bare_loop(port: int, messages: list[list[str]], count: int) -> float:
    """Messages per second of a plain smtplib loop over one reused connection."""
    import smtplib

    encoded = [(to, data.encode("latin-1")) for to, data in messages]
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        t0 = time.perf_counter()
        for i in range(count):
            to, data = encoded[i % len(encoded)]
            smtp.sendmail("heatwatch@localhost", [to], data)
        return count / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--postgres", type=int, default=0, help="a port for a throwaway cluster")
    parser.add_argument("--bare", type=int, default=10_000, help="messages in the bare loop")
    args = parser.parse_args()
    port = free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=sink, args=(port, ready), daemon=True)
    server.start()
    ready.wait(30)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hw-mail-")))
        database = stack.enter_context(
            postgres_database(workdir, args.postgres) if args.postgres else sqlite_database(workdir)
        )
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
            "PYTHONPATH": str(ROOT),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "HEATWATCH_MAILING_BATCH_SIZE": "500",
        }
        t0 = time.perf_counter()
        run([str(BIN / "heatwatch"), "migrate", "--no-input"], env)
        print(f"database: {database.split('://')[0]}, migrated in {time.perf_counter() - t0:.0f} s")
        print(f"{'subscribers':>12} {'worker msg/s':>13} {'bare msg/s':>11} {'ratio':>6} "
              f"{'peak MiB':>9}")  # fmt: skip
        for size in args.sizes:
            newsletter = json.loads(run([sys.executable, "-c", SETUP.format(n=size)], env))["id"]
            worker = json.loads(
                run([sys.executable, "-c", WORKER.format(id=newsletter)], env).splitlines()[-1]
            )
            sample = json.loads(run([sys.executable, "-c", SAMPLE.format(id=newsletter)], env))
            bare = bare_loop(port, sample, min(args.bare, size))
            rate = worker["accepted"] / worker["seconds"]
            print(
                f"{size:>12,} {rate:>13,.0f} {bare:>11,.0f} {rate / bare:>6.2f} "
                f"{worker['peak_kib'] / 1024:>9.1f}"
                + (f"  ({worker['failed']} failed)" if worker["failed"] else "")
            )
    server.terminate()


if __name__ == "__main__":
    main()
