"""Events under load, against the real server (``heatwatch serve``, gunicorn) on a throwaway
PostgreSQL cluster:

1. ``--people`` (200) people register at the same moment for an event of ``--seats`` (50)
   places, each through the public form (GET the page for its form token, wait at a barrier
   until all have, then POST). Prints confirmed (must be exactly the seats), waitlisted,
   errors (must be 0), the wall time and the POST p50/p99.
2. The public list ``/events/`` with ``--events`` (1,000) public events, half of them past:
   ``--requests`` GETs from 4 clients, p50/p99.

    .venv/bin/python benchmarks/events.py [--people 200] [--seats 50] [--events 1000]

Every registration comes from one address, so the per-source hourly limit is raised for the
run (HEATWATCH_EVENT_REGISTRATIONS_PER_HOUR).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tips import BIN, postgres_database, run, server  # noqa: E402

TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')

SETUP = """
import django, json; django.setup()
import datetime as dt
from django.utils import timezone
from heatwatch.events import services
from heatwatch.events.models import Event
now = timezone.now()
start = now + dt.timedelta(days=10)
event = services.event_create(data=services.EventInput(kind="training", title="Last seats",
    starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity={seats},
    venue_address="1 Civic Center Plaza", audiences=["school"]), by=None)
rows = []
for i in range({events}):
    s = now + dt.timedelta(days=(i - {events} // 2) * 1, hours=i % 7)
    rows.append(Event(kind=["training", "webinar", "outreach", "coalition"][i % 4],
        title=f"Benchmark event {{i}}", slug=f"bench-{{i}}", starts_at=s,
        ends_at=s + dt.timedelta(hours=2), capacity=30, venue_address="Somewhere",
        audiences=[["school"], ["police", "public"], ["community"]][i % 3]))
Event.objects.bulk_create(rows, batch_size=500)
print(json.dumps({{"slug": event.slug, "id": event.pk}}))
"""

COUNTS = """
import django, json; django.setup()
from django.db.models import Count
from heatwatch.events.models import Registration
print(json.dumps(dict(Registration.objects.filter(event_id={id}).values_list("status")
    .annotate(n=Count("id")))))
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def rush(port: int, slug: str, people: int) -> tuple[list[float], int, str, float]:
    """Everyone fetches the form, then all post at once."""
    barrier = threading.Barrier(people, timeout=120)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    origin = f"http://127.0.0.1:{port}"
    started: list[float] = []

    def person(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request("GET", f"/events/{slug}/")
            response = conn.getresponse()
            match = TOKEN.search(response.read())
            if not match:
                raise RuntimeError(f"GET {response.status} without a form token")
            body = urllib.parse.urlencode(
                {
                    "form_token": match.group(1).decode(),
                    "name": f"Person {i}",
                    "email": f"person{i}@example.test",
                    "organisation": "",
                    "audience": "school",
                    "sector": "",
                    "places": "1",
                    "accessibility_needs": "",
                    "website": "",
                }
            )
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Sec-Fetch-Site": "same-origin",
            }
            conn.close()
            # A fresh connection, opened by the POST after the barrier: the server closes
            # keep-alive connections left idle while everyone else fetches the page.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
            if i == 0:
                started.append(time.perf_counter())
            t0 = time.perf_counter()
            conn.request("POST", f"/events/{slug}/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - t0
            with lock:
                if response.status == 200:
                    latencies.append(elapsed)
                else:
                    errors.append(f"POST {response.status}")
        except Exception as exc:  # noqa: BLE001 - counted and shown
            with lock:
                errors.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=person, args=(i,)) for i in range(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - (started[0] if started else time.perf_counter())
    return latencies, len(errors), errors[0] if errors else "", wall


def list_load(port: int, requests: int, clients: int = 4) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per = max(1, requests // clients)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for n in range(per):
            t0 = time.perf_counter()
            conn.request("GET", "/events/" + ("?audience=school" if n % 4 == 3 else ""))
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - t0
            with lock:
                if response.status == 200:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pg-port", type=int, default=54412)
    args = parser.parse_args()
    print(
        f"{os.cpu_count()} CPUs; heatwatch serve --workers {args.workers} --threads "
        f"{args.threads}; PostgreSQL; client and server on the same machine.",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="hw-bench-events-") as tmp:
        workdir = Path(tmp)
        with postgres_database(workdir, args.pg_port) as url:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
                "PYTHONPATH": str(ROOT),
                "HEATWATCH_VAR_DIR": str(workdir / "var"),
                "DATABASE_URL": url,
                "LOG_LEVEL": "WARNING",
                "HEATWATCH_EVENT_REGISTRATIONS_PER_HOUR": str(args.people * 10),
            }
            env.pop("HEATWATCH_ENV", None)
            run([str(BIN / "heatwatch"), "migrate", "--noinput"], env)
            code = SETUP.format(seats=args.seats, events=args.events)
            made = json.loads(run([str(BIN / "python"), "-c", code], env).strip().splitlines()[-1])
            with server(
                env, workers=args.workers, threads=args.threads, log_path=workdir / "server.log"
            ) as port:
                latencies, errors, first, wall = rush(port, made["slug"], args.people)
                counts = json.loads(
                    run([str(BIN / "python"), "-c", COUNTS.format(id=made["id"])], env)
                    .strip()
                    .splitlines()[-1]
                )
                confirmed = counts.get("confirmed", 0)
                print(
                    f"registrations: {args.people} at once for {args.seats} seats: "
                    f"confirmed {confirmed} (must be {args.seats}), waitlisted "
                    f"{counts.get('waitlisted', 0)}, errors {errors} (must be 0)"
                    f"{' first: ' + first if first else ''}; all answered in {wall:.2f}s; "
                    f"POST p50 {statistics.median(latencies) * 1000 if latencies else 0:.0f} ms, "
                    f"p99 {pct(latencies, 0.99):.0f} ms",
                    flush=True,
                )
                list_latencies, list_errors = list_load(port, args.requests)
                print(
                    f"public list /events/ with {args.events} events: {len(list_latencies)} "
                    f"requests, p50 {statistics.median(list_latencies) * 1000:.0f} ms, "
                    f"p99 {pct(list_latencies, 0.99):.0f} ms, errors {list_errors}",
                    flush=True,
                )
                ok = confirmed == args.seats and errors == 0
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
