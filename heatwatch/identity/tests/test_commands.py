"""``heatwatch identity dedupe|link|evaluate|synth|train`` through call_command."""

from __future__ import annotations

import csv
import os
import pty
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[3]
HEADER = "record_id,given_name,family_name,aliases,dob,sex,city,postcode,phone,source\n"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("identity", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def read_pairs(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def synthetic(tmp_path: Path) -> tuple[Path, Path]:
    records, truth = tmp_path / "records.csv", tmp_path / "truth.csv"
    out, _ = run("synth", "--n", "1500", "--output", str(records), "--truth", str(truth))
    assert "1500 synthetic records" in out
    return records, truth


def test_synth_writes_records_and_truth(synthetic):
    records, truth = synthetic
    rows = list(csv.DictReader(records.open()))
    assert len(rows) == 1500
    assert list(rows[0]) == [*HEADER.strip().split(","), "age"]  # the optional column last
    assert any(r["age"] for r in rows)  # sparse intakes with an approximate age
    clusters = {r["cluster_id"] for r in csv.DictReader(truth.open())}
    assert 500 < len(clusters) < 1500  # most youths have several records
    assert any(r["aliases"] for r in rows)
    assert any(not r["dob"] for r in rows)


def test_dedupe_then_evaluate(synthetic, tmp_path):
    records, truth = synthetic
    pairs = tmp_path / "pairs.csv"
    out, _ = run("dedupe", str(records), "--output", str(pairs), "--no-progress")
    assert "pairs at or above 0.5" in out
    rows = read_pairs(pairs)
    assert rows and set(rows[0]) == {"record_id_l", "record_id_r", "probability"}
    assert all(float(r["probability"]) >= 0.5 for r in rows)
    out, _ = run("evaluate", str(pairs), str(truth))
    values = dict(line.split()[:2] for line in out.splitlines()[:3])
    assert float(values["precision"]) > 0.85
    assert float(values["recall"]) > 0.6


def test_malformed_lines_are_reported_and_skipped(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "a1,Jessica,Ruiz,Sky,2010-05-04,F,Bayview,94901,5105550142,police\n"
        + "a2,Jess,Ruiz,,2010-04-05,F,Bayview,94901,,clinic\n"
        + "a3,too,few,fields\n"
        + "a4,Maria,Lopez,,04/05/2010,F,,,,school\n"
        + ",Nobody,Here,,,,,,,shelter\n"
        + "a1,Jessica,Again,,,,,,,shelter\n"
        + "a5,Jessie,Ruiz,,2010-05-04,F,,,,school\n"
    )
    pairs = tmp_path / "pairs.csv"
    out, err = run("dedupe", str(path), "-o", str(pairs), "--threshold", "0.2", "--no-progress")
    assert "line 4: expected 10 fields, found 4" in err
    assert "line 5: dob is not a date" in err
    assert "line 6: record_id is empty" in err
    assert "line 7: record_id appears earlier" in err
    assert "4 malformed lines skipped" in err
    assert "Maria" not in err and "04/05/2010" not in err  # no values in messages
    found = {frozenset((r["record_id_l"], r["record_id_r"])) for r in read_pairs(pairs)}
    assert frozenset(("a1", "a2")) in found


def test_link_two_files(tmp_path):
    left, right = tmp_path / "a.csv", tmp_path / "b.csv"
    left.write_text(
        HEADER
        + "p1,Jessica,Ruiz Morales,Sky,2010-05-04,F,Harbor Point,94610,5105550142,police\n"
        + "p2,Tariq,Mensah,,2009-02-11,M,Tidewater,94520,,police\n"
    )
    right.write_text(
        HEADER
        + "s1,Jess,Ruiz,,2010-04-05,F,Harbor Point,,,shelter\n"
        + "s2,Maria,Lopez,,2011-08-30,F,Bayview,94901,,shelter\n"
    )
    pairs = tmp_path / "pairs.csv"
    run("link", str(left), str(right), "-o", str(pairs), "--no-progress", "--threshold", "0")
    rows = read_pairs(pairs)
    assert rows[0]["record_id_l"] == "p1" and rows[0]["record_id_r"] == "s1"
    truth = tmp_path / "truth.csv"
    truth.write_text("record_id_l,record_id_r\np1,s1\n")
    out, _ = run("evaluate", str(pairs), str(truth), "--threshold", "0.5")
    assert "recall    1.0000" in out


def test_train_saves_a_model_that_dedupe_uses(synthetic, tmp_path):
    records, _ = synthetic
    model = tmp_path / "model.json"
    out, _ = run("train", str(records), "-o", str(model))
    assert "converged" in out
    pairs = tmp_path / "pairs.csv"
    run("dedupe", str(records), "-o", str(pairs), "--model", str(model), "--no-progress")
    assert read_pairs(pairs)


def test_evaluate_names_bad_lines_and_refuses_a_wrong_header(tmp_path):
    pairs, truth = tmp_path / "pairs.csv", tmp_path / "truth.csv"
    pairs.write_text("record_id_l,record_id_r,probability\na,b,0.9\nc,d,high\ne\nf,g,0.8\n")
    truth.write_text("record_id_l,record_id_r\nb,a\n,x\n")
    out, err = run("evaluate", str(pairs), str(truth))
    assert f"{pairs}: line 3: probability is not a number; line skipped" in err
    assert f"{pairs}: line 4: expected 3 fields, found 1; line skipped" in err
    assert f"{truth}: line 3: record_id_l or record_id_r is empty; line skipped" in err
    assert "precision 0.5000" in out and "recall    1.0000" in out
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("left,right\na,b\n")
    with pytest.raises(CommandError, match="line 1: the header must name the columns"):
        run("evaluate", str(pairs), str(wrong))
    with pytest.raises(CommandError, match="record_id,cluster_id or record_id_l,record_id_r"):
        run("evaluate", str(pairs), str(wrong))
    with pytest.raises(CommandError, match="record_id_l,record_id_r"):
        run("evaluate", str(wrong), str(truth))


def test_missing_files_fail_clearly(tmp_path):
    missing = str(tmp_path / "nope.csv")
    with pytest.raises(CommandError, match="no such file"):
        run("dedupe", missing, "-o", str(tmp_path / "p.csv"))
    with pytest.raises(CommandError, match="no such file"):
        run("evaluate", missing, missing)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="empty"):
        run("dedupe", str(empty), "-o", str(tmp_path / "p.csv"))
    no_id = tmp_path / "noid.csv"
    no_id.write_text("given_name\nJess\n")
    with pytest.raises(CommandError, match="no record_id column"):
        run("dedupe", str(no_id), "-o", str(tmp_path / "p.csv"))
    with pytest.raises(CommandError):
        run("dedupe", str(no_id), "-o", str(tmp_path / "p.csv"), "--threshold", "7")


def _cli_stderr(args: list[str], *, terminal: bool) -> str:
    """Run ``heatwatch identity …`` as a user does, stderr on a terminal (a pty) or a pipe."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "heatwatch.test_settings"}
    command = [sys.executable, "-m", "heatwatch.cli", "identity", *args]
    if not terminal:
        done = subprocess.run(  # noqa: S603 - this project's CLI, fixed arguments
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(  # noqa: S603 - this project's CLI, fixed arguments
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=follower
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closes when the command exits
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0
    os.close(leader)
    return b"".join(chunks).decode()


def test_progress_bar_on_a_terminal_only(synthetic, tmp_path):
    records, _ = synthetic
    pairs = str(tmp_path / "pairs.csv")
    shown = _cli_stderr(["dedupe", str(records), "-o", pairs], terminal=True)
    assert "[##############################] 100.0% scoring pairs" in shown
    assert "blocking" in shown
    piped = _cli_stderr(["dedupe", str(records), "-o", pairs], terminal=False)
    assert "[" not in piped and "%" not in piped
