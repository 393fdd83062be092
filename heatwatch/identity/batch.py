"""Batch dedupe, link and evaluation over CSV files (the ``heatwatch identity`` command).

CSV files are read and written here; nothing is stored in the database. Output cells that
would start a spreadsheet formula are neutralised (heatwatch.lib.csvsafe), and such cells are
read back as they were. Error messages name
the line and the problem, never a value (the values are youths' personal data).
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from heatwatch.identity import engine
from heatwatch.identity.names import Features, blocking_keys, features_of, parse_dob
from heatwatch.lib import csvsafe

INPUT_COLUMNS = (
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
    "age",  # optional: an approximate age in years, as of today, for a record without a dob
)
DEFAULT_THRESHOLD = 0.5
# Below this many records EM has too little to learn from: the shipped model is used instead.
MIN_TRAIN = 1000
_CHUNK = 500_000

ErrorFn = Callable[[str], None]


class InputError(Exception):
    """The file cannot be read at all (missing, no header, no record_id column)."""


class Progress:
    """A one-line progress bar on a terminal; silent when the stream is not a terminal."""

    def __init__(self, stream: IO[str] | None = None, *, enabled: bool | None = None) -> None:
        """Draw on ``stream`` (stderr by default) when it is a terminal."""
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        """Show ``stage`` at ``fraction`` (0..1), at most ten times a second."""
        if not self.enabled:
            return
        now = time.monotonic()
        if fraction < 1 and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        done = int(width * min(max(fraction, 0.0), 1.0))
        bar = "#" * done + "-" * (width - done)
        self.stream.write(f"\r[{bar}] {fraction * 100:5.1f}% {stage:<28}")
        if fraction >= 1:
            self.stream.write("\n")
        self.stream.flush()


def _quiet(stage: str, fraction: float) -> None:
    return None


@dataclass
class Records:
    """Records read from one file: ids, normalised features, and the problems found."""

    ids: list[str] = field(default_factory=list)
    features: list[Features] = field(default_factory=list)
    errors: int = 0


def read_records(path: Path, *, on_error: ErrorFn) -> Records:
    """Read an input CSV; a malformed line is reported through ``on_error`` and skipped.

    Raises :class:`InputError` if the file does not exist or has no ``record_id`` column.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    records = Records()
    seen: set[str] = set()
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{path}: the file is empty") from None
        except (csv.Error, UnicodeDecodeError):
            raise InputError(f"{path}: line 1: the header cannot be read") from None
        columns = [name.strip().lower() for name in header]
        if "record_id" not in columns:
            raise InputError(f"{path}: line 1: the header has no record_id column")
        unknown = [c for c in columns if c not in INPUT_COLUMNS]
        if unknown:
            on_error(f"{path}: line 1: unknown columns ignored: {', '.join(unknown)}")
        position = {name: columns.index(name) for name in INPUT_COLUMNS if name in columns}

        def problem(message: str) -> None:
            records.errors += 1
            on_error(f"{path}: line {reader.line_num}: {message}")

        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                records.errors += 1
                what = "not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else "not CSV"
                on_error(f"{path}: line {reader.line_num}: {what}; line skipped")
                if isinstance(exc, UnicodeDecodeError):
                    break  # the decoder cannot resynchronise: stop reading this file
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(columns):
                problem(f"expected {len(columns)} fields, found {len(row)}; line skipped")
                continue
            value = {name: csvsafe.restore(row[i].strip()) for name, i in position.items()}
            record_id = value.get("record_id", "")
            if not record_id:
                problem("record_id is empty; line skipped")
                continue
            if record_id in seen:
                problem("record_id appears earlier in the file; line skipped")
                continue
            try:
                dob = parse_dob(value.get("dob", ""))
            except ValueError:
                problem("dob is not a date in YYYY-MM-DD form; line skipped")
                continue
            age_text = value.get("age", "")
            if age_text and not age_text.isdigit():
                problem("age is not a whole number of years; line skipped")
                continue
            seen.add(record_id)
            records.ids.append(record_id)
            records.features.append(
                features_of(
                    given_name=value.get("given_name", ""),
                    family_name=value.get("family_name", ""),
                    aliases=value.get("aliases", ""),
                    dob=dob,
                    sex=value.get("sex", ""),
                    city=value.get("city", ""),
                    postcode=value.get("postcode", ""),
                    phone=value.get("phone", ""),
                    age=int(age_text) if age_text else None,
                )
            )
    return records


@dataclass
class PairResult:
    """Scored pairs: indexes into the left and right record lists, and probabilities."""

    li: engine.IntArray
    ri: engine.IntArray
    probability: engine.FloatArray
    model: engine.Model
    candidate_pairs: int


def _score_in_chunks(
    model: engine.Model,
    left: engine.Table,
    right: engine.Table,
    li: engine.IntArray,
    ri: engine.IntArray,
    *,
    threshold: float,
    progress: engine.ProgressFn,
    levels: engine.IntArray | None = None,
) -> tuple[engine.IntArray, engine.IntArray, engine.FloatArray]:
    # A model trained on another file: its prior (matches per pair) is rescaled to this one's
    # size, since the matches of one youth spread over more or fewer pairs.
    n = left.n if left is right else left.n + right.n
    lam = None
    if model.records and model.records != n and n > 1:
        lam = min(model.lam * (model.records - 1) / (n - 1), 0.5)
    keep_l: list[engine.IntArray] = []
    keep_r: list[engine.IntArray] = []
    keep_p: list[engine.FloatArray] = []
    total = max(len(li), 1)
    for start in range(0, len(li), _CHUNK):
        cl, cr = li[start : start + _CHUNK], ri[start : start + _CHUNK]
        if levels is not None:
            lv = levels[start : start + _CHUNK]
            ltf = np.stack([left.given_tf[cl], left.family_tf[cl]], axis=1)
            rtf = np.stack([right.given_tf[cr], right.family_tf[cr]], axis=1)
            prob = engine.probabilities(
                engine.match_weights(model, lv, left_tf=ltf, right_tf=rtf, lam=lam)
            )
        else:
            _, prob = engine.score_pairs(model, left, right, cl, cr, lam=lam)
        mask = prob >= threshold
        keep_l.append(cl[mask])
        keep_r.append(cr[mask])
        keep_p.append(prob[mask])
        progress("scoring pairs", min(1.0, (start + _CHUNK) / total))
    if not keep_l:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    return np.concatenate(keep_l), np.concatenate(keep_r), np.concatenate(keep_p)


def _levels_in_chunks(
    left: engine.Table,
    right: engine.Table,
    li: engine.IntArray,
    ri: engine.IntArray,
    progress: engine.ProgressFn,
) -> engine.IntArray:
    parts: list[engine.IntArray] = []
    total = max(len(li), 1)
    for start in range(0, len(li), _CHUNK):
        # Levels fit in a byte: held for every pair until scoring, int64 would be 8× the memory.
        parts.append(
            engine.compare(
                left, right, li[start : start + _CHUNK], ri[start : start + _CHUNK]
            ).astype(np.int8)
        )
        progress("comparing pairs", min(1.0, (start + _CHUNK) / total))
    if not parts:
        return np.zeros((0, len(engine.NAMES)), dtype=np.int8)
    return np.concatenate(parts)


def dedupe(
    records: Records,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    model: engine.Model | None = None,
    progress: engine.ProgressFn = _quiet,
    max_block: int = engine.DEFAULT_MAX_BLOCK,
) -> PairResult:
    """Score every blocked pair of one file; keep those at or above ``threshold``.

    Without a ``model`` one is trained on the file itself (unsupervised EM), or, for a file of
    fewer than MIN_TRAIN records, the shipped model is used.
    """
    progress("blocking", 0.0)
    keys = [blocking_keys(f) for f in records.features]
    li, ri = engine.dedupe_pairs(keys, max_block=max_block)
    progress("blocking", 1.0)
    vocabulary = engine.Vocabulary()
    table = engine.table_from_features(records.features, vocabulary)
    levels = None
    if model is None and len(records.ids) < MIN_TRAIN:
        model = engine.Model.load(engine.default_model_path())
    if model is None:
        levels = _levels_in_chunks(table, table, li, ri, progress)
        model = engine.train(table, table, trained_on="input file")
    kl, kr, kp = _score_in_chunks(
        model, table, table, li, ri, threshold=threshold, progress=progress, levels=levels
    )
    return PairResult(kl, kr, kp, model, len(li))


def link(
    left_records: Records,
    right_records: Records,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    model: engine.Model | None = None,
    progress: engine.ProgressFn = _quiet,
    max_block: int = engine.DEFAULT_MAX_BLOCK,
) -> PairResult:
    """Score every blocked pair between two files; keep those at or above ``threshold``."""
    progress("blocking", 0.0)
    lkeys = [blocking_keys(f) for f in left_records.features]
    rkeys = [blocking_keys(f) for f in right_records.features]
    li, ri = engine.link_pairs(lkeys, rkeys, max_block=max_block)
    progress("blocking", 1.0)
    vocabulary = engine.Vocabulary()
    everything = [*left_records.features, *right_records.features]
    g_tf = engine.term_frequencies([f.given for f in everything])
    f_tf = engine.term_frequencies([f.family for f in everything])
    n_left = len(left_records.features)
    left = engine.Table(
        left_records.features,
        vocabulary=vocabulary,
        given_tf=g_tf[:n_left],
        family_tf=f_tf[:n_left],
    )
    right = engine.Table(
        right_records.features,
        vocabulary=vocabulary,
        given_tf=g_tf[n_left:],
        family_tf=f_tf[n_left:],
    )
    levels = None
    if model is None and len(everything) < MIN_TRAIN:
        model = engine.Model.load(engine.default_model_path())
    if model is None:
        levels = _levels_in_chunks(left, right, li, ri, progress)
        model = engine.train(left, right, trained_on="input files")
    kl, kr, kp = _score_in_chunks(
        model, left, right, li, ri, threshold=threshold, progress=progress, levels=levels
    )
    return PairResult(kl, kr, kp, model, len(li))


def write_pairs(path: Path, left_ids: list[str], right_ids: list[str], result: PairResult) -> int:
    """Write ``record_id_l,record_id_r,probability``, most probable first; return the count."""
    order = np.argsort(-result.probability, kind="stable")
    with path.open("w", newline="", encoding="utf-8") as out:
        # Record ids come from the input file: a formula there must not run in a spreadsheet.
        writer = csvsafe.writer(out)
        writer.writerow(["record_id_l", "record_id_r", "probability"])
        for k in order.tolist():
            writer.writerow(
                [
                    left_ids[int(result.li[k])],
                    right_ids[int(result.ri[k])],
                    f"{float(result.probability[k]):.6f}",
                ]
            )
    return len(order)


# --- evaluation -------------------------------------------------------------------------------


@dataclass
class Scores:
    """Precision, recall and F1 of predicted pairs against the truth."""

    predicted: int
    true_pairs: int
    true_positives: int

    @property
    def precision(self) -> float:
        """Share of predicted pairs that are true."""
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        """Share of true pairs that were predicted."""
        return self.true_positives / self.true_pairs if self.true_pairs else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _rows(
    path: Path, on_error: ErrorFn, *, needs: tuple[tuple[str, ...], ...] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV file with a header, as ``(line number, row)``; bad lines are reported
    and skipped. ``needs``: column sets of which the header must hold one, or the whole file is
    refused (a wrong header would make every line count for nothing)."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise InputError(f"{path}: the file is empty") from None
        if needs and not any(set(columns) <= set(header) for columns in needs):
            expected = " or ".join(",".join(columns) for columns in needs)
            raise InputError(f"{path}: line 1: the header must name the columns {expected}")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error:
                on_error(f"{path}: line {reader.line_num}: not CSV; line skipped")
                continue
            if not row:
                continue
            if len(row) != len(header):
                on_error(
                    f"{path}: line {reader.line_num}: expected {len(header)} fields, "
                    f"found {len(row)}; line skipped"
                )
                continue
            cells = (csvsafe.restore(v.strip()) for v in row)
            yield reader.line_num, dict(zip(header, cells, strict=True))


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


_PAIR_COLUMNS = ("record_id_l", "record_id_r")


def read_pairs(path: Path, *, on_error: ErrorFn, threshold: float = 0.0) -> set[tuple[str, str]]:
    """Pairs from a ``record_id_l,record_id_r[,probability]`` file (at or above threshold)."""
    pairs: set[tuple[str, str]] = set()
    for line, row in _rows(path, on_error, needs=(_PAIR_COLUMNS,)):
        left, right = row.get("record_id_l", ""), row.get("record_id_r", "")
        if not left or not right:
            on_error(f"{path}: line {line}: record_id_l or record_id_r is empty; line skipped")
            continue
        if "probability" in row:
            try:
                if float(row["probability"]) < threshold:
                    continue
            except ValueError:
                on_error(f"{path}: line {line}: probability is not a number; line skipped")
                continue
        pairs.add(_pair(left, right))
    return pairs


def evaluate(
    predicted: Iterable[tuple[str, str]], truth_path: Path, *, on_error: ErrorFn
) -> Scores:
    """Compare predicted pairs with the truth file (clusters or pairs)."""
    predicted_set = {_pair(a, b) for a, b in predicted}
    rows = list(_rows(truth_path, on_error, needs=(("record_id", "cluster_id"), _PAIR_COLUMNS)))
    if rows and "cluster_id" in rows[0][1]:
        cluster: dict[str, str] = {}
        sizes: dict[str, int] = {}
        for line, row in rows:
            record_id, cluster_id = row.get("record_id", ""), row.get("cluster_id", "")
            if not record_id or not cluster_id:
                on_error(
                    f"{truth_path}: line {line}: record_id or cluster_id is empty; line skipped"
                )
                continue
            cluster[record_id] = cluster_id
            sizes[cluster_id] = sizes.get(cluster_id, 0) + 1
        true_pairs = sum(s * (s - 1) // 2 for s in sizes.values())
        hits = sum(1 for a, b in predicted_set if a in cluster and cluster.get(a) == cluster.get(b))
        return Scores(len(predicted_set), true_pairs, hits)
    truth: set[tuple[str, str]] = set()
    for line, row in rows:
        left, right = row.get("record_id_l", ""), row.get("record_id_r", "")
        if not left or not right:
            on_error(
                f"{truth_path}: line {line}: record_id_l or record_id_r is empty; line skipped"
            )
            continue
        truth.add(_pair(left, right))
    return Scores(len(predicted_set), len(truth), len(predicted_set & truth))
