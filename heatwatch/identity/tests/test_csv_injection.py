"""``heatwatch identity`` never writes a live spreadsheet formula (issue 10, finding 13)."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from heatwatch.lib import csvsafe

HEADER = "record_id,given_name,family_name,aliases,dob,sex,city,postcode,phone,source\n"
EVIL = '=HYPERLINK("http://x","y")'


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def test_dedupe_output_neutralises_a_formula_from_the_input(tmp_path: Path):
    records = tmp_path / "records.csv"
    records.write_text(
        HEADER
        + f"{_csv_cell(EVIL)},{_csv_cell(EVIL)},Rivera,,2009-04-12,F,Bayview,94110,,a\n"
        + "@r2,Mariah,Rivera,,2009-04-12,F,Bayview,94110,,b\n"
        + "r3,Tomas,Ngata,,2010-01-03,M,Harbor,94111,,a\n",
        encoding="utf-8",
    )
    pairs = tmp_path / "pairs.csv"
    call_command(
        "identity",
        "dedupe",
        str(records),
        "--output",
        str(pairs),
        "--threshold",
        "0.0",
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    text = pairs.read_text(encoding="utf-8")
    cells = [cell for row in csv.reader(StringIO(text)) for cell in row]
    assert "'" + EVIL in cells and "'@r2" in cells
    assert not [cell for cell in cells if cell[:1] in csvsafe.TRIGGERS and cell[1:2] != "."]

    # The platform reads its own file back as the ids that were written.
    truth = tmp_path / "truth.csv"
    truth.write_text(
        f"record_id,cluster_id\n{_csv_cell(EVIL)},y1\n@r2,y1\nr3,y2\n", encoding="utf-8"
    )
    out = StringIO()
    call_command("identity", "evaluate", str(pairs), str(truth), stdout=out, stderr=StringIO())
    assert "recall" in out.getvalue()
    recall = dict(line.split()[:2] for line in out.getvalue().splitlines()[:3])["recall"]
    assert float(recall) == 1.0


def test_synthetic_records_are_written_through_the_helper(tmp_path: Path):
    records, truth = tmp_path / "r.csv", tmp_path / "t.csv"
    call_command(
        "identity",
        "synth",
        "--n",
        "200",
        "--output",
        str(records),
        "--truth",
        str(truth),
        stdout=StringIO(),
    )
    for path in (records, truth):
        for row in csv.reader(path.open(encoding="utf-8")):
            for cell in row:
                assert cell[:1] not in csvsafe.TRIGGERS or csvsafe._NUMBER.fullmatch(cell)
