"""The public statistics with 1,000,000 cases and 2,000,000 tips on PostgreSQL.

    .venv/bin/python benchmarks/insights.py [--cases 1000000] [--tips 2000000] [--requests 300]

It starts a throwaway PostgreSQL cluster (port 54414, stopped at the end), migrates it, and
loads ``--cases`` synthetic youths with one case each over ten years (bulk inserts; names,
dates of birth and cities encrypted as the application does), a received referral for half of
them, ``--tips`` tips over the same years and a few hundred trainings with attendance. Then it

1. times the snapshot task (``insights.services.snapshot_prepare``): the first run, which
   freezes nine closed years (decrypting every youth's date of birth and city), publishes it,
   then a second run (the daily steady state: closed years copied, only the year in progress
   counted), each including the suppression model, the attacker test over every published
   snapshot and the charts;
2. starts the real server (``heatwatch serve``, gunicorn, benchmarks/bench_settings.py) and
   requests ``--requests`` times: the public page ``/data/`` (served from the published
   snapshot) and the coordinators' dashboard ``/staff/insights/`` for the last 90 days, which
   counts over the records every time (no cache), as a two-factor-verified analyst.

Targets (issue 16): snapshot under 60 s, public page p99 under 50 ms, dashboard p99 under 500 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.cases import measure, pct, session_cookie, setup_django  # noqa: E402
from benchmarks.tips import postgres_database, run, server  # noqa: E402

BIN = ROOT / ".venv" / "bin"


def load(args: argparse.Namespace, rng: random.Random) -> tuple[object, float]:
    from django.db import connection
    from django.utils import timezone

    from heatwatch.accounts import services as accounts
    from heatwatch.accounts.models import OrganisationType, Role, TOTPAuthenticator
    from heatwatch.directory.models import Category, Service
    from heatwatch.insights import synthetic

    t0 = time.monotonic()
    office = accounts.organisation_create(
        name="Bench Coordinating Office", type=OrganisationType.COORDINATING_OFFICE, by=None
    )
    analyst = accounts.user_create(
        username="analyst",
        email="analyst@example.test",
        password="benchmark password that is long enough",  # noqa: S106 - synthetic
        by=None,
    )
    accounts.membership_grant(user=analyst, organisation=office, role=Role.ANALYST, by=None)
    TOTPAuthenticator.objects.create(user=analyst, name="bench", confirmed=True)
    provider = accounts.organisation_create(
        name="Bench Agency", type=OrganisationType.SERVICE_PROVIDER, by=None
    )
    services = [
        Service.objects.create(organisation=provider, name=f"Bench {c}", category=c)
        for c in Category.values
    ]
    now = timezone.now()
    years = list(range(now.year - 9, now.year + 1))
    synthetic.youths(
        rng=rng,
        count=args.cases,
        years=years,
        until=now,
        services=services,
        sender=analyst,
        batch=5000,
    )
    print(f"  {args.cases:,} youths and cases in {time.monotonic() - t0:.0f} s", flush=True)
    t1 = time.monotonic()
    synthetic.tips(rng=rng, count=args.tips, years=years, until=now, spread=False)
    with connection.cursor() as cursor:
        # Spread the tips over the ten years in the database (2,000,000 updates from Python
        # would take longer than the rest of the set-up).
        start = now.replace(year=years[0], month=1, day=1, hour=0, minute=0)
        cursor.execute(
            "UPDATE tips_tip SET created_at = %s::timestamptz + random() * %s::interval",
            [start, now - start],
        )
    print(f"  {args.tips:,} tips in {time.monotonic() - t1:.0f} s", flush=True)
    synthetic.trainings(rng=rng, count=args.trainings, years=years, until=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return analyst, time.monotonic() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--tips", type=int, default=2_000_000)
    parser.add_argument("--trainings", type=int, default=300)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pg-port", type=int, default=54414)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - synthetic data
    print(
        f"{os.cpu_count()} CPUs; {args.cases:,} cases and {args.tips:,} tips on PostgreSQL; "
        f"{args.requests} requests per page, one client; heatwatch serve --workers "
        f"{args.workers} --threads {args.threads}; client, server and database on one machine.",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="hw-bench-insights-") as tmp:
        workdir = Path(tmp)
        with postgres_database(workdir, args.pg_port) as url:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
                "PYTHONPATH": str(ROOT),
                "HEATWATCH_VAR_DIR": str(workdir / "var"),
                "DATABASE_URL": url,
                "LOG_LEVEL": "WARNING",
            }
            env.pop("HEATWATCH_ENV", None)
            run([str(BIN / "heatwatch"), "migrate", "--noinput"], env)
            setup_django(env)
            from django.db import connection

            from heatwatch.insights import services

            analyst, seeded = load(args, rng)
            print(f"seeded in {seeded:.0f} s", flush=True)
            runs = []
            t0 = time.monotonic()
            first = services.snapshot_prepare()
            runs.append(("first (freezes 9 years)", time.monotonic() - t0, first))
            services.snapshot_publish(snapshot_id=first.pk, version=None, by=None)
            t0 = time.monotonic()
            second = services.snapshot_prepare()
            runs.append(("second (daily)", time.monotonic() - t0, second))
            services.snapshot_publish(snapshot_id=second.pk, version=None, by=None)
            cookie = session_cookie(analyst)
            connection.close()
            results = []
            with server(
                env, workers=args.workers, threads=args.threads, log_path=workdir / "server.log"
            ) as port:
                pages = [
                    ("public page /data/ (from the snapshot)", "", ["/data/"] * args.requests),
                    (
                        "dashboard /staff/insights/ (uncached)",
                        cookie,
                        ["/staff/insights/"] * args.requests,
                    ),
                ]
                for name, who, paths in pages:
                    measure(port, who, paths[:10], 1)  # warm-up
                    results.append((name, measure(port, who, paths, 1)))

    print(f"\nsnapshot task (insights.services.snapshot_prepare) on {args.cases:,} cases:")
    for label, seconds, snap in runs:
        print(
            f"  {label:<26} {seconds:8.2f} s   {snap.suppressed} of {snap.inputs} "
            f"attacker test {'passed' if snap.attacker_passed else 'FAILED'}"
        )
    print(f"\n  {'page':<42} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, latencies in results:
        print(
            f"  {name:<42} {len(latencies):5d} {statistics.median(latencies) * 1000:8.1f} "
            f"{pct(latencies, 0.99):8.1f} {max(latencies) * 1000:8.1f}"
        )


if __name__ == "__main__":
    sys.exit(main())
