"""Sustained tip submissions per second with p50/p99 latency: form and API, SQLite and PostgreSQL.

    .venv/bin/python benchmarks/tips.py [--duration 20] [--clients 10] [--databases sqlite,postgres]

For each database it migrates a fresh one (a temporary SQLite file; a throwaway PostgreSQL
cluster on port 54349, stopped at the end), starts the real server (``heatwatch serve``,
gunicorn) with benchmarks/bench_settings.py, and runs, each for ``--duration`` seconds after a
warm-up, with ``--clients`` concurrent keep-alive clients (threads, http.client):

- ``bare``: GET /bench/bare, a view that returns "ok" through the full middleware stack;
- ``form``: the public form: GET /report/ once per client (CSRF cookie and token), then
  POST multipart to /report/ again and again (each one a new tip with a receipt code);
- ``api+receipt``: POST /api/tips with a partner token and ``issue_receipt: true``;
- ``api``: POST /api/tips without a receipt.

Receipt codes are hashed with Argon2 (Django's Argon2PasswordHasher, PASSWORD_HASHERS in
production settings) which is slow by design and dominates a submission; ``api`` vs
``api+receipt`` shows its share. Every tip comes from one address and one token, so after the
first five in an hour they go to the likely-spam queue (HEATWATCH_TIP_RATE_PER_HOUR): this
costs the same as a normal tip (one counter update).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"

FORM_FIELDS: list[tuple[str, str]] = [
    ("red_flags", "school"),
    ("narrative", "A boy of about 15 has stopped coming to class; older men pick him up."),
    ("immediate_danger", "no"),
    ("subject_age_range", "15_17"),
    ("subject_description", "Tall, green hoodie"),
    ("subject_names", ""),
    ("location", "Bayview High, back gate"),
    ("seen_when", "Most afternoons"),
    ("online_handles", ""),
    ("stay_anonymous", "on"),
    ("contact_name", ""),
    ("contact_phone", ""),
    ("contact_email", ""),
    ("website", ""),
]
API_TIP = {
    "red_flags": ["school"],
    "narrative": "A boy of about 15 has stopped coming to class; older men pick him up.",
    "subject_age_range": "15_17",
    "subject_description": "Tall, green hoodie",
    "location": "Bayview High, back gate",
    "seen_when": "Most afternoons",
    "caller_notes": "Benchmark call.",
}
FORM_TOKEN_INPUT = re.compile(rb'name="form_token" value="([^"]+)"')
RECEIPT = re.compile(rb"\d{4}-\d{4}-\d{4}-\d{4}-\d{4}")


# --- environment ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(cmd: list[str], env: dict[str, str], **kw: object) -> str:
    result = subprocess.run(  # noqa: S603 - our own commands
        cmd, env=env, check=True, capture_output=True, text=True, cwd=ROOT, **kw
    )
    return result.stdout


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    yield f"sqlite:///{workdir / 'bench.sqlite3'}"


@contextmanager
def postgres_database(workdir: Path, port: int) -> Iterator[str]:
    """A throwaway cluster (initdb, pg_ctl start … stop), as in STACK.md."""
    pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    data, sock = workdir / "pg" / "data", workdir / "pg" / "sock"
    as_pg: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    for d in (data, sock):
        d.mkdir(parents=True)
    if as_pg:
        os.chmod(workdir, 0o755)  # noqa: S103 - postgres must traverse it; nothing secret
        shutil.chown(workdir / "pg", "postgres", "postgres")
        for d in (data, sock):
            shutil.chown(d, "postgres", "postgres")
    data.chmod(0o700)
    env = dict(os.environ)
    run([*as_pg, str(pgbin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
         "-E", "UTF8", "--locale=C.UTF-8"], env)  # fmt: skip
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    run([*as_pg, str(pgbin / "pg_ctl"), "-D", str(data), "-l", str(sock / "pg.log"), "-w",
         "-t", "30", "-o", options, "start"], env)  # fmt: skip
    try:
        run([*as_pg, str(pgbin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
             "postgres", "heatwatch"], env)  # fmt: skip
        yield f"postgres://postgres@127.0.0.1:{port}/heatwatch"
    finally:
        run([*as_pg, str(pgbin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], env)


def prepare(env: dict[str, str]) -> str:
    """Migrate the fresh database and create a partner organisation and token."""
    run([str(BIN / "heatwatch"), "migrate", "--noinput"], env)
    code = (
        "import django; django.setup()\n"
        "from heatwatch.accounts.models import OrganisationType\n"
        "from heatwatch.accounts.services import organisation_create\n"
        "from heatwatch.api.services import api_token_create\n"
        "org = organisation_create(name='Benchmark Hotline', type=OrganisationType.COMMUNITY,"
        " by=None)\n"
        "print(api_token_create(organisation=org, name='bench', scopes=['tips:submit'],"
        " by=None)[1])\n"
    )
    return run([str(BIN / "python"), "-c", code], env).strip().splitlines()[-1]


def tip_counts(env: dict[str, str]) -> dict[str, int]:
    code = (
        "import django, json; django.setup()\n"
        "from django.db.models import Count\n"
        "from heatwatch.tips.models import Tip\n"
        "print(json.dumps(dict(Tip.objects.values_list('channel').annotate(n=Count('id')))))\n"
    )
    return dict(json.loads(run([str(BIN / "python"), "-c", code], env).strip().splitlines()[-1]))


@contextmanager
def server(env: dict[str, str], *, workers: int, threads: int, log_path: Path) -> Iterator[int]:
    """Run ``heatwatch serve``; on the way out print the errors it logged (e.g. after a 500)."""
    port = free_port()
    cmd = [str(BIN / "heatwatch"), "serve", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--threads", str(threads), "--no-access-log"]  # fmt: skip
    log = log_path.open("w+b")
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit("server did not start:\n" + log.read().decode(errors="replace"))
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.seek(0)
        errors = [
            line
            for line in log.read().decode(errors="replace").splitlines()
            if "Error" in line or "Exception" in line
        ]
        log.close()
        for line in sorted(set(errors))[:10]:
            print(f"  server log: {line[:300]}")


# --- load -------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


Request = Callable[[http.client.HTTPConnection], tuple[bool, str]]


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    boundary = "----hwbench" + secrets.token_hex(8)
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def bare_client(port: int) -> Request:
    def request(conn: http.client.HTTPConnection) -> tuple[bool, str]:
        conn.request("GET", "/bench/bare")
        response = conn.getresponse()
        body = response.read()
        return response.status == 200 and body == b"ok", f"{response.status}"

    return request


def form_client(port: int) -> Request:
    """One tipster's browser, without cookies: each tip fetches the form (its single-use form
    token) and posts it, as a same-origin form post."""
    headers_base = {"Sec-Fetch-Site": "same-origin", "Origin": f"http://127.0.0.1:{port}"}

    def request(conn: http.client.HTTPConnection) -> tuple[bool, str]:
        conn.request("GET", "/report/")
        response = conn.getresponse()
        page = response.read()
        match = FORM_TOKEN_INPUT.search(page)
        if response.status != 200 or not match:
            return False, f"GET {response.status} without a form token"
        body, content_type = multipart([("form_token", match.group(1).decode()), *FORM_FIELDS])
        conn.request(
            "POST", "/report/", body=body, headers={**headers_base, "Content-Type": content_type}
        )
        response = conn.getresponse()
        page = response.read()
        return response.status == 200 and RECEIPT.search(page) is not None, f"{response.status}"

    return request


def api_client(token: str, *, receipt: bool) -> Callable[[int], Request]:
    body = json.dumps({**API_TIP, "issue_receipt": receipt}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def make(port: int) -> Request:
        def request(conn: http.client.HTTPConnection) -> tuple[bool, str]:
            conn.request("POST", "/api/tips", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            ok = response.status == 201 and (b"receipt_code" in data) == receipt
            return ok, f"{response.status} {data[:200]!r}"

        return request

    return make


def load(
    name: str, port: int, make: Callable[[int], Request], *, clients: int, warmup: float,
    duration: float,
) -> Result:  # fmt: skip
    requests = [make(port) for _ in range(clients)]
    start = time.monotonic() + warmup
    stop = start + duration
    result = Result(name=name, seconds=duration)
    lock = threading.Lock()

    def worker(request: Request) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            t0 = time.monotonic()
            if t0 >= stop:
                break
            try:
                ok, detail = request(conn)
            except (OSError, http.client.HTTPException) as exc:
                ok, detail = False, repr(exc)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            t1 = time.monotonic()
            if not start <= t1 <= stop:
                continue  # completed during the warm-up or after the window
            with lock:
                if ok:
                    result.latencies.append(t1 - t0)
                else:
                    result.errors += 1
                    result.first_error = result.first_error or detail
        conn.close()

    threads = [threading.Thread(target=worker, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=min(4, (os.cpu_count() or 1) * 2))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pg-port", type=int, default=54349)
    parser.add_argument("--scenarios", default="form,api+receipt,api", help="besides bare")
    args = parser.parse_args()

    print(
        f"{os.cpu_count()} CPUs; heatwatch serve --workers {args.workers} --threads "
        f"{args.threads}; {args.clients} clients; {args.duration:g}s per scenario after "
        f"{args.warmup:g}s warm-up; client and server on the same machine.",
        flush=True,
    )
    for database in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="hw-bench-") as tmp:
            workdir = Path(tmp)
            db = (
                sqlite_database(workdir)
                if database == "sqlite"
                else postgres_database(workdir, args.pg_port)
            )
            with db as url:
                env = {
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
                    "PYTHONPATH": str(ROOT),
                    "HEATWATCH_VAR_DIR": str(workdir / "var"),
                    "DATABASE_URL": url,
                    "LOG_LEVEL": "WARNING",
                }
                env.pop("HEATWATCH_ENV", None)
                token = prepare(env)
                scenarios: list[tuple[str, Callable[[int], Request]]] = [
                    ("bare", bare_client),
                    ("form", form_client),
                    ("api+receipt", api_client(token, receipt=True)),
                    ("api", api_client(token, receipt=False)),
                ]
                results = []
                wanted = args.scenarios.split(",")
                scenarios = [s for s in scenarios if s[0] in wanted or s[0] == "bare"]
                log_path = workdir / "server.log"
                with server(
                    env, workers=args.workers, threads=args.threads, log_path=log_path
                ) as port:
                    for name, make in scenarios:
                        results.append(
                            load(
                                name,
                                port,
                                make,
                                clients=args.clients,
                                warmup=args.warmup,
                                duration=args.duration,
                            )
                        )
                counts = tip_counts(env)
            report(database, results, counts)


def report(database: str, results: list[Result], counts: dict[str, int]) -> None:
    bare = results[0]
    print(f"\n{database}")
    print(f"  {'scenario':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'bare/x':>7}")  # fmt: skip
    for r in results:
        ratio = bare.rate / r.rate if r.rate else float("inf")
        print(
            f"  {r.name:<12} {r.rate:8.1f} {r.p50:8.1f} {r.pct(0.99):8.1f} {r.errors:7d} "
            f"{ratio:7.1f}"
        )
        if r.first_error:
            print(f"      first error: {r.first_error}")
    print(f"  tips stored by channel (warm-up included): {counts}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
