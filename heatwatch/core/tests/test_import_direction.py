"""Dependencies point one way (DESIGN.md §3): the import-linter contracts in pyproject.toml
hold for the code as it is, and they would catch a lower app importing a higher one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    # The package analysed is the one found first on the path: ``cwd``'s copy, if any.
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [exe, "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("tips/forms.py", "from heatwatch.cases import selectors as _probe"),
        ("cases/forms.py", "from heatwatch.meetings import selectors as _probe"),
        ("lib/env.py", "from heatwatch.accounts import models as _probe"),
    ],
)
def test_a_lower_app_importing_a_higher_one_breaks_a_contract(tmp_path, module, line):
    copy = tmp_path / "heatwatch"
    shutil.copytree(
        ROOT / "heatwatch",
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "static", "locale", "templates"),
    )
    target = copy / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout
