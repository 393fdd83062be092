"""Requests per second and p50/p99 for public pages, cached and uncached, next to a static file.

    .venv/bin/python benchmarks/site.py [--resources 1000] [--duration 10] [--clients 8]

Migrates a fresh SQLite database, adds the toolkit with ``--resources`` resources (and the demo
pages), then starts the real server (``heatwatch serve``, gunicorn) twice with
benchmarks/bench_settings.py: once with the page cache (heatwatch/pages/cache.py) and once with
it switched off (``HEATWATCH_PAGE_CACHE_BACKEND`` = Django's dummy cache). Each run measures,
with ``--clients`` keep-alive clients without cookies (threads, http.client), for
``--duration`` seconds after a warm-up:

- ``static``: /static/heatwatch/site.css, served by WhiteNoise from the same server;
- ``home``: /;
- ``toolkit``: /toolkit/ (first page of the listing over all resources).

The figure that matters is a page's rate over the static file's (target: a cached page at
least 0.5 of it). Client and server share the machine's CPUs.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tips import BIN, Result, load, run, server  # noqa: E402

Request = Callable[[http.client.HTTPConnection], tuple[bool, str]]

PREPARE = """
import django; django.setup()
import datetime as dt
from wagtail.models import Page
from heatwatch.pages.models import HomePage, ResourcePage, ToolkitIndexPage
from heatwatch.pages.apps import ensure_locales
ensure_locales()
home = HomePage.objects.get(locale__language_code="en")
toolkit = home.add_child(instance=ToolkitIndexPage(title="Toolkit", slug="toolkit"))
kinds = ["template", "training", "resource", "outreach", "data"]
topics = ["recognising", "trauma", "online", "prevention", "law", "coordination", "evaluation"]
audiences = ["educators", "health", "parents", "youth", "law_enforcement", "providers"]
points = ["community", "law_enforcement", "prosecution", "policy", "services"]
for i in range({n}):
    toolkit.add_child(instance=ResourcePage(
        title=f"Resource {{i:04d}}: a sample for the benchmark", slug=f"resource-{{i:04d}}",
        summary="A resource that the benchmark created to fill the library.",
        kind=kinds[i % 5], topic=topics[i % 7], audience=audiences[i % 6], point=points[i % 5],
        link="https://www.example.org/resource", last_updated=dt.date(2026, 1, 1)
        + dt.timedelta(days=i % 300),
    ))
    toolkit.refresh_from_db()
print(ResourcePage.objects.live().count())
"""


def get(path: str) -> Callable[[int], Request]:
    def make(port: int) -> Request:
        def request(conn: http.client.HTTPConnection) -> tuple[bool, str]:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            return response.status == 200 and len(body) > 100, f"{response.status}"

        return request

    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=min(4, (os.cpu_count() or 1) * 2))
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    print(
        f"{os.cpu_count()} CPUs; heatwatch serve --workers {args.workers} --threads "
        f"{args.threads}; {args.clients} clients; {args.duration:g}s per page after "
        f"{args.warmup:g}s warm-up; {args.resources} toolkit resources; SQLite; client and "
        "server on the same machine.",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="hw-bench-site-") as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
            "PYTHONPATH": str(ROOT),
            "HEATWATCH_VAR_DIR": str(workdir / "var"),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("HEATWATCH_ENV", None)
        run([str(BIN / "heatwatch"), "migrate", "--noinput"], env)
        count = run([str(BIN / "python"), "-c", PREPARE.format(n=args.resources)], env)
        print(f"resources live: {count.strip().splitlines()[-1]}", flush=True)
        pages = [
            ("static", get("/static/heatwatch/site.css")),
            ("home", get("/")),
            ("toolkit", get("/toolkit/")),
        ]
        for label, extra in (
            ("cached", {}),
            (
                "uncached",
                {"HEATWATCH_PAGE_CACHE_BACKEND": "django.core.cache.backends.dummy.DummyCache"},
            ),
        ):
            results: list[Result] = []
            with server(
                {**env, **extra},
                workers=args.workers,
                threads=args.threads,
                log_path=workdir / f"server-{label}.log",
            ) as port:
                for name, make in pages:
                    results.append(
                        load(name, port, make, clients=args.clients, warmup=args.warmup,
                             duration=args.duration)
                    )  # fmt: skip
            report(label, results)


def report(label: str, results: list[Result]) -> None:
    static = results[0]
    print(f"\n{label}")
    print(f"  {'page':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'÷static':>8}")
    for r in results:
        ratio = r.rate / static.rate if static.rate else float("nan")
        print(
            f"  {r.name:<10} {r.rate:8.1f} {r.p50:8.1f} {r.pct(0.99):8.1f} {r.errors:7d} "
            f"{ratio:8.2f}"
        )
        if r.first_error:
            print(f"      first error: {r.first_error}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
