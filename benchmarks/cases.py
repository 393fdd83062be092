"""The case page and the coordinator dashboard with 100,000 cases on PostgreSQL, and the alert task.

    .venv/bin/python benchmarks/cases.py [--cases 100000] [--requests 300] [--clients 1]

It starts a throwaway PostgreSQL cluster (port 54359, stopped at the end), migrates it, and
loads ``--cases`` synthetic cases in bulk (``bulk_create``, encrypted fields encrypted as the
application does): each case has a youth, a care team of two or three people from different
agencies (one lead), the five stabilisation items, a consent, one or two closed-loop referrals
with their events, three contacts and a timeline; a fifth of the cases are closed, and the
cases are spread over three years. Then it

1. times ``cases.services.alerts_refresh()`` (the scheduled task): the first run raises the
   alerts of 100,000 cases, the second finds nothing new (the steady state every 15 minutes);
2. starts the real server (``heatwatch serve``, gunicorn, benchmarks/bench_settings.py) and,
   with ``--clients`` concurrent keep-alive clients, requests ``--requests`` times each:
   - the case page ``/staff/cases/<id>/`` of random open cases, as a coordinator (sees all)
     and as an advocate (need-to-know check through their care teams);
   - the coordinator dashboard ``/staff/cases/dashboard/`` (open alerts, break-glass log);
   - the case list ``/staff/cases/`` of an advocate on about 2,000 teams.
   Sessions are real two-factor-verified sessions (as after password + TOTP).

It prints p50/p99 per page. Every case page view writes an audit entry, as in production.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tips import postgres_database, run, server  # noqa: E402

BIN = ROOT / ".venv" / "bin"
FIRST = ["Jaylen", "Marisol", "Kiara", "Destiny", "Yesenia", "Tamia", "Aaliyah", "Brianna"]
LAST = ["Synthwell", "Demoford", "Mockridge", "Samplesby", "Fakhouri", "Testa", "Benchley"]
STREET = ["Candy", "Lexi", "Star", "Bree", "Nova", "Sky"]
CITIES = ["Bayview", "Harbor Point", "Eastgate", "Millbrook"]
BATCH = 2000


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def make_people(rng: random.Random) -> dict[str, list]:
    """Organisations, staff with TOTP devices, and directory services."""
    from heatwatch.accounts import services as accounts
    from heatwatch.accounts.models import OrganisationType, Role, TOTPAuthenticator
    from heatwatch.directory import services as directory
    from heatwatch.directory.models import Category

    password = "benchmark password that is long enough"  # noqa: S105 - synthetic accounts
    coordinating = accounts.organisation_create(
        name="Bench Coordinating Office", type=OrganisationType.COORDINATING_OFFICE, by=None
    )
    coordinator = accounts.user_create(
        username="coordinator", email="coordinator@example.test", password=password, by=None
    )
    accounts.membership_grant(
        user=coordinator, organisation=coordinating, role=Role.COORDINATOR, by=None
    )
    agencies, advocates, services = [], [], []
    for i in range(20):
        kind = OrganisationType.SERVICE_PROVIDER if i % 2 else OrganisationType.SOCIAL_SERVICES
        org = accounts.organisation_create(name=f"Bench Agency {i + 1}", type=kind, by=None)
        agencies.append(org)
        for j in range(3):
            user = accounts.user_create(
                username=f"advocate{i}_{j}",
                email=f"advocate{i}_{j}@example.test",
                password=password,
                by=None,
            )
            accounts.membership_grant(user=user, organisation=org, role=Role.ADVOCATE, by=None)
            advocates.append((user, org))
        for k in range(3):
            services.append(
                directory.service_create(
                    organisation=org,
                    by=None,
                    data=directory.ServiceInput(
                        name=f"Bench service {i + 1}.{k + 1}",
                        category=rng.choice(list(Category.values)),
                    ),
                    capacity=None,
                )
            )
    for user in [coordinator] + [u for u, _o in advocates]:
        TOTPAuthenticator.objects.create(user=user, name="default", confirmed=True)
    return {
        "coordinator": [(coordinator, coordinating)],
        "advocates": advocates,
        "services": services,
    }


def bulk_cases(n: int, people: dict[str, list], rng: random.Random) -> None:
    """``n`` cases with their records, in batches of BATCH (one transaction each)."""
    from django.db import transaction

    from heatwatch.cases import models as m

    now = datetime.now(UTC)
    advocates = people["advocates"]
    coordinator, coordinating = people["coordinator"][0]
    service_list = people["services"]
    started = time.monotonic()
    for offset in range(0, n, BATCH):
        size = min(BATCH, n - offset)
        with transaction.atomic():
            youths, cases = [], []
            for _i in range(offset, offset + size):
                dob = (
                    date(now.year - rng.randint(13, 17), rng.randint(1, 12), rng.randint(1, 28))
                    if rng.random() < 0.8
                    else None
                )
                youths.append(
                    m.Youth(
                        legal_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                        aliases=rng.choice(STREET) if rng.random() < 0.6 else "",
                        date_of_birth=dob,
                        estimated_age=None if dob else rng.randint(13, 17),
                        gender=rng.choice(["female", "male", "non_binary"]),
                        languages=rng.choice(["en", "en es", "es"]),
                        city=rng.choice(CITIES),
                        in_foster_care=rng.random() < 0.4,
                        on_probation=rng.random() < 0.2,
                        guardian_contact="Synthetic guardian, 555-0100",
                        safety_notes="Synthetic benchmark record.",
                    )
                )
            m.Youth.objects.bulk_create(youths, batch_size=BATCH)
            for i, youth in enumerate(youths, start=offset):
                opened = now - timedelta(days=rng.randint(1, 3 * 365), hours=rng.randint(0, 23))
                closed = rng.random() < 0.2
                cases.append(
                    m.Case(
                        youth=youth,
                        reference=f"C-{opened:%Y}-{i:06d}",
                        status=m.CaseStatus.CLOSED if closed else m.CaseStatus.OPEN,
                        intake_source=rng.choice(m.IntakeSource.values),
                        participation=rng.choice(m.Participation.values),
                        opened_at=opened,
                        closed_at=opened + timedelta(days=90) if closed else None,
                        closure_reason=m.ClosureReason.GOALS_MET if closed else "",
                    )
                )
            m.Case.objects.bulk_create(cases, batch_size=BATCH)
            team, items, consents, referrals, contacts, events = [], [], [], [], [], []
            for case in cases:
                members = rng.sample(advocates, 2)
                for k, (user, org) in enumerate(members):
                    team.append(
                        m.CareTeamMember(
                            case=case,
                            user=user,
                            organisation=org,
                            team_role=m.TeamRole.ADVOCATE,
                            is_lead=k == 0 and rng.random() < 0.95,
                            added_at=case.opened_at,
                        )
                    )
                if rng.random() < 0.3:
                    team.append(
                        m.CareTeamMember(
                            case=case,
                            user=coordinator,
                            organisation=coordinating,
                            team_role=m.TeamRole.COORDINATOR,
                            added_at=case.opened_at,
                        )
                    )
                for kind in m.StabilisationKind.values:
                    done = rng.random() < 0.9
                    items.append(
                        m.StabilisationItem(
                            case=case,
                            kind=kind,
                            owner=members[0][0],
                            due_at=case.opened_at + timedelta(hours=72),
                            done_at=case.opened_at + timedelta(hours=24) if done else None,
                            done_by=members[0][0] if done else None,
                        )
                    )
                chosen = rng.sample(service_list, rng.randint(1, 2))
                for service in chosen:
                    consents.append(
                        m.Consent(
                            case=case,
                            organisation=service.organisation,
                            scope=["name", "age", "languages"],
                            valid_from=case.opened_at.date(),
                            given_by=m.ConsentGiver.YOUTH,
                            recorded_by=members[0][0],
                        )
                    )
                    referrals.append(
                        m.Referral(
                            case=case,
                            service=service,
                            sender=members[0][0],
                            status=rng.choice(
                                [m.ReferralStatus.SENT, m.ReferralStatus.ACCEPTED]
                                + [m.ReferralStatus.COMPLETED] * 3
                            ),
                            shared_fields=["name", "age", "languages"],
                            note="Synthetic referral note.",
                            sent_at=case.opened_at + timedelta(days=1),
                            status_changed_at=case.opened_at + timedelta(days=3),
                        )
                    )
                last_contact = now - timedelta(days=rng.randint(0, 30))
                for k in range(3):
                    contacts.append(
                        m.Contact(
                            case=case,
                            kind=rng.choice(m.ContactKind.values),
                            by=members[0][0],
                            at=last_contact - timedelta(days=7 * k),
                            note="Synthetic check-in.",
                        )
                    )
                for kind, summary in [
                    ("opened", "Case opened"),
                    ("team", "Advocate added to the care team"),
                    ("consent", "Consent recorded"),
                    ("referral", "Referral sent"),
                    ("contact", "Contact recorded"),
                ]:
                    events.append(
                        m.CaseEvent(
                            case=case,
                            kind=kind,
                            summary=summary,
                            actor=members[0][0],
                            at=case.opened_at,
                        )
                    )
            m.CareTeamMember.objects.bulk_create(team, batch_size=BATCH)
            m.StabilisationItem.objects.bulk_create(items, batch_size=BATCH)
            m.Consent.objects.bulk_create(consents, batch_size=BATCH)
            m.Referral.objects.bulk_create(referrals, batch_size=BATCH)
            m.ReferralEvent.objects.bulk_create(
                [
                    m.ReferralEvent(
                        referral=r,
                        from_status="",
                        to_status=m.ReferralStatus.SENT,
                        by=r.sender,
                        at=r.sent_at,
                    )
                    for r in referrals
                ],
                batch_size=BATCH,
            )
            m.Contact.objects.bulk_create(contacts, batch_size=BATCH)
            m.CaseEvent.objects.bulk_create(events, batch_size=BATCH)
        done = offset + size
        if done % 20000 == 0 or done == n:
            print(f"  loaded {done:,} cases in {time.monotonic() - started:.0f} s", flush=True)


def session_cookie(user) -> str:
    """A two-factor-verified session for ``user``, as after password + TOTP."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from heatwatch.accounts.models import TOTPAuthenticator

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPAuthenticator.objects.get(user=user).persistent_id
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def measure(port: int, cookie: str, paths: list[str], clients: int) -> list[float]:
    """Request every path once, spread over ``clients`` keep-alive connections; seconds each."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    chunks = [paths[i::clients] for i in range(clients)]

    def worker(chunk: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for path in chunk:
            t0 = time.monotonic()
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            elapsed = time.monotonic() - t0
            with lock:
                if response.status == 200:
                    latencies.append(elapsed)
                else:
                    errors.append(f"{path}: {response.status}")
        conn.close()

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, first: {errors[0]}")
    return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="per page")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pg-port", type=int, default=54359)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - synthetic data
    print(
        f"{os.cpu_count()} CPUs; {args.cases:,} cases on PostgreSQL; {args.requests} requests "
        f"per page with {args.clients} client(s); heatwatch serve --workers {args.workers} "
        f"--threads {args.threads}; client and server on the same machine.",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="hw-bench-cases-") as tmp:
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

            from heatwatch.cases import services
            from heatwatch.cases.models import Alert, Case, CaseStatus

            t0 = time.monotonic()
            people = make_people(rng)
            bulk_cases(args.cases, people, rng)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"seeded in {time.monotonic() - t0:.0f} s", flush=True)

            timings = []
            for label in ("first run", "second run"):
                t0 = time.monotonic()
                services.alerts_refresh()
                timings.append((label, time.monotonic() - t0))
            open_alerts = Alert.objects.filter(resolved_at__isnull=True).count()
            open_ids = list(
                Case.objects.filter(status=CaseStatus.OPEN).values_list("pk", flat=True)
            )
            coordinator = people["coordinator"][0][0]
            advocate = people["advocates"][0][0]
            advocate_cases = list(
                Case.objects.filter(
                    status=CaseStatus.OPEN, team__user=advocate, team__removed_at__isnull=True
                ).values_list("pk", flat=True)
            )
            cookies = {
                "coordinator": session_cookie(coordinator),
                "advocate": session_cookie(advocate),
            }
            connection.close()

            pages = [
                ("case page (coordinator)", "coordinator",
                 [f"/staff/cases/{rng.choice(open_ids)}/" for _ in range(args.requests)]),
                ("case page (advocate on team)", "advocate",
                 [f"/staff/cases/{rng.choice(advocate_cases)}/" for _ in range(args.requests)]),
                ("coordinator dashboard", "coordinator",
                 ["/staff/cases/dashboard/"] * args.requests),
                (f"case list (advocate, {len(advocate_cases):,} open)", "advocate",
                 ["/staff/cases/"] * args.requests),
            ]  # fmt: skip
            results = []
            with server(
                env, workers=args.workers, threads=args.threads, log_path=workdir / "server.log"
            ) as port:
                for name, who, paths in pages:
                    measure(port, cookies[who], paths[:10], 1)  # warm-up
                    latencies = measure(port, cookies[who], paths, args.clients)
                    results.append((name, latencies))

    print(f"\nalert task (cases.services.alerts_refresh) on {args.cases:,} cases:")
    for label, seconds in timings:
        print(f"  {label:<12} {seconds:8.2f} s")
    print(f"  open alerts after the first run: {open_alerts:,}")
    print(f"\n  {'page':<40} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, latencies in results:
        print(
            f"  {name:<40} {len(latencies):5d} {statistics.median(latencies) * 1000:8.1f} "
            f"{pct(latencies, 0.99):8.1f} {max(latencies) * 1000:8.1f}"
        )


if __name__ == "__main__":
    sys.exit(main())
