"""``heatwatch identity dedupe|link|evaluate|synth|train``: batch identity matching on CSV files.

A malformed line is reported on stderr with its line number and skipped; the run goes on. A
missing file stops the run with a non-zero exit. Nothing here touches the database, except
``train --reviewed``, which reads the answers of the possible-duplicates queue (comparison
levels only, no names).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heatwatch.identity import batch, engine, synth
from heatwatch.identity.indexing import get_model


def _probability(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number between 0 and 1") from None
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError("must be a number between 0 and 1")
    return number


class Command(BaseCommand):
    help = "Identity matching on CSV files: dedupe, link, evaluate, synth, train."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))

        def common(p: argparse.ArgumentParser) -> None:
            p.add_argument("--output", "-o", required=True, type=Path, help="pairs CSV to write")
            p.add_argument(
                "--threshold",
                type=_probability,
                default=batch.DEFAULT_THRESHOLD,
                help=f"lowest match probability written (default {batch.DEFAULT_THRESHOLD})",
            )
            p.add_argument(
                "--model",
                type=Path,
                help="a model saved by `identity train` (default: train on the input itself)",
            )
            p.add_argument("--save-model", type=Path, help="write the model used to this file")
            p.add_argument("--no-progress", action="store_true", help="no progress bar")

        p = sub.add_parser("dedupe", help="find records of the same youth within one file")
        p.add_argument("input", type=Path)
        common(p)
        p = sub.add_parser("link", help="find records of the same youth across two files")
        p.add_argument("left", type=Path)
        p.add_argument("right", type=Path)
        common(p)
        p = sub.add_parser("evaluate", help="precision, recall and F1 of a pairs file")
        p.add_argument("pairs", type=Path)
        p.add_argument("truth", type=Path, help="record_id,cluster_id or record_id_l,record_id_r")
        p.add_argument("--threshold", type=_probability, default=0.0)
        p = sub.add_parser("synth", help="write synthetic youth records with known truth")
        p.add_argument("--n", type=int, required=True, help="number of records")
        p.add_argument("--output", "-o", type=Path, default=Path("identity-synth.csv"))
        p.add_argument("--truth", type=Path, help="default: OUTPUT with -truth before .csv")
        p.add_argument("--seed", type=int, default=1)
        p.add_argument(
            "--patterns", type=Path, help="also write record_id,pattern of the hard cases"
        )
        p = sub.add_parser(
            "train",
            help="fit the model (EM) on a file and/or refine it with the reviewed pairs; save it",
        )
        p.add_argument(
            "input", type=Path, nargs="?", help="records CSV (default: the model in use)"
        )
        p.add_argument("--output", "-o", type=Path, required=True, help="model JSON to write")
        p.add_argument(
            "--reviewed",
            action="store_true",
            help="refine m and the prior with the pairs coordinators answered in the "
            "possible-duplicates queue (docs/identity.md)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "dedupe":
                self._dedupe(options)
            elif action == "link":
                self._link(options)
            elif action == "evaluate":
                self._evaluate(options)
            elif action == "synth":
                self._synth(options)
            elif action == "train":
                self._train(options)
        except batch.InputError as exc:
            raise CommandError(str(exc)) from None
        except (OSError, ValueError) as exc:
            raise CommandError(f"{type(exc).__name__}: {exc}") from None

    # --- helpers ----------------------------------------------------------------------------

    def _error(self, message: str) -> None:
        self.stderr.write(message)

    def _progress(self, options: dict[str, Any]) -> engine.ProgressFn:
        stream = cast(IO[str], self.stderr._out)
        if options.get("no_progress"):
            return batch.Progress(stream, enabled=False)
        return batch.Progress(stream)

    def _model(self, options: dict[str, Any]) -> engine.Model | None:
        path: Path | None = options.get("model")
        if path is None:
            return None
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        return engine.Model.load(path)

    def _read(self, path: Path) -> batch.Records:
        records = batch.read_records(path, on_error=self._error)
        if records.errors:
            self.stderr.write(f"{path}: {records.errors} malformed lines skipped")
        return records

    def _finish(self, options: dict[str, Any], result: batch.PairResult, started: float) -> None:
        if options.get("save_model"):
            result.model.save(options["save_model"])
        self.stdout.write(
            f"{len(result.li)} pairs at or above {options['threshold']} "
            f"({result.candidate_pairs} compared) written to {options['output']} "
            f"in {time.monotonic() - started:.1f} s"
        )

    # --- subcommands ------------------------------------------------------------------------

    def _dedupe(self, options: dict[str, Any]) -> None:
        started = time.monotonic()
        model = self._model(options)
        records = self._read(options["input"])
        result = batch.dedupe(
            records,
            threshold=options["threshold"],
            model=model,
            progress=self._progress(options),
        )
        batch.write_pairs(options["output"], records.ids, records.ids, result)
        self._finish(options, result, started)

    def _link(self, options: dict[str, Any]) -> None:
        started = time.monotonic()
        model = self._model(options)
        left = self._read(options["left"])
        right = self._read(options["right"])
        result = batch.link(
            left,
            right,
            threshold=options["threshold"],
            model=model,
            progress=self._progress(options),
        )
        batch.write_pairs(options["output"], left.ids, right.ids, result)
        self._finish(options, result, started)

    def _evaluate(self, options: dict[str, Any]) -> None:
        pairs = batch.read_pairs(
            options["pairs"], on_error=self._error, threshold=options["threshold"]
        )
        scores = batch.evaluate(pairs, options["truth"], on_error=self._error)
        self.stdout.write(
            f"precision {scores.precision:.4f}\nrecall    {scores.recall:.4f}\n"
            f"F1        {scores.f1:.4f}\n"
            f"({scores.true_positives} true of {scores.predicted} predicted pairs; "
            f"{scores.true_pairs} true pairs)"
        )

    def _synth(self, options: dict[str, Any]) -> None:
        if options["n"] < 1:
            raise CommandError("--n must be at least 1")
        output: Path = options["output"]
        truth: Path = options["truth"] or output.with_name(output.stem + "-truth.csv")
        count = synth.write(
            options["n"],
            seed=options["seed"],
            records=output,
            truth=truth,
            patterns=options["patterns"],
        )
        self.stdout.write(f"{count} synthetic records written to {output}, truth to {truth}")

    def _train(self, options: dict[str, Any]) -> None:
        if options["input"] is None and not options["reviewed"]:
            raise CommandError("give a records file, --reviewed, or both")
        if options["input"] is not None:
            records = self._read(options["input"])
            if len(records.ids) < 2:
                raise CommandError("training needs at least two records")
            table = engine.table_from_features(records.features, engine.Vocabulary())
            model = engine.train(table, table, trained_on=f"{len(records.ids)} records")
            how = (
                f"EM {model.iterations} iterations, "
                f"{'converged' if model.converged else 'not converged'}"
            )
        else:
            model = get_model()
            how = "starting from the model in use"
        if options["reviewed"]:
            from heatwatch.identity.duplicates import reviewed_levels

            same, different = reviewed_levels()
            fit = engine.refine_with_labels(model, same, different)
            model = fit.model
            if not fit.m_updated:
                self.stderr.write(
                    f"only {fit.same} pairs answered same youth (need {engine.MIN_LABELS}): "
                    "m unchanged"
                )
            how += (
                f"; reviewed pairs: {fit.same} same, {fit.different} not the same, "
                f"m {'re-estimated' if fit.m_updated else 'unchanged'}, "
                f"prior shifted {fit.prior_shift_bits:+.2f} bits"
            )
        model.save(options["output"])
        self.stdout.write(f"model written to {options['output']} ({how})")
