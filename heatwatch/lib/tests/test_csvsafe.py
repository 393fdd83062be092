"""heatwatch.lib.csvsafe: no CSV the platform writes carries a live formula (issue 10, #13)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from heatwatch.lib import csvsafe

PACKAGE = Path(__file__).resolve().parents[2]
FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_are_quoted_and_read_back(value):
    assert csvsafe.neutralise(value) == "'" + value
    assert csvsafe.restore(csvsafe.neutralise(value)) == value


@pytest.mark.parametrize("value", ["-3", "+1.5", "-2e3", ".5", "Jaz", "", "O'Neil", "a=b", "'x"])
def test_numbers_and_plain_text_are_left_alone(value):
    assert csvsafe.neutralise(value) == value
    assert csvsafe.restore(value) == value


def test_a_quoted_number_reads_back_as_written():
    # "'-3" was never neutralised (a number is left as is), so it is data, not a marker.
    assert csvsafe.restore("'-3") == "'-3"


def test_writer_and_dict_writer_neutralise_every_cell():
    out = io.StringIO()
    csvsafe.writer(out).writerow(['=HYPERLINK("http://x","y")', -3, None, "ok"])
    rows = io.StringIO()
    dict_writer = csvsafe.DictWriter(rows, fieldnames=["name", "n"])
    dict_writer.writeheader()
    dict_writer.writerow({"name": "@evil", "n": "-1"})
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ['\'=HYPERLINK("http://x","y")', "-3", "", "ok"]
    ]
    assert list(csv.reader(io.StringIO(rows.getvalue()))) == [["name", "n"], ["'@evil", "-1"]]


def test_no_csv_is_written_around_the_helper():
    pattern = re.compile(r"\bcsv\.(writer|DictWriter)\b")
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "csvsafe.py"
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
