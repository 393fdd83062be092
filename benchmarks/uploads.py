"""Peak memory of a worker when a 62-megapixel PNG (a few KB on the wire) is cleaned or posted.

    .venv/bin/python benchmarks/uploads.py [--code ROOT ...] [--mode clean|post] [--copies 1]

For each ``--code`` (a checkout of heatwatch; default: this one) a fresh child process imports
that checkout's code and measures its own peak resident memory (``ru_maxrss``) before and after:

- ``clean``: ``heatwatch.lib.uploads.clean_upload`` on the file, what a worker does per file;
- ``post``: the whole request, ``POST /report/`` with the file through Django's test client
  (a throwaway SQLite database is migrated first, outside the measurement).

``--copies N`` sends N copies of the file in the request (``post``) or one after another
(``clean``). The file is made here, in the parent, so making it costs the child nothing. To
compare with the code before the fix, check an older commit out beside this one and pass both:

    git worktree add /tmp/old <commit>
    .venv/bin/python benchmarks/uploads.py --code /tmp/old --code .
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, resource, sys, time
root, mode, path, copies = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, root)
os.environ["DJANGO_SETTINGS_MODULE"] = "heatwatch.test_settings"
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
data = open(path, "rb").read()

def files():
    return [SimpleUploadedFile(f"scan{i}.png", data, "image/png") for i in range(copies)]

if mode == "post":
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    from heatwatch.tips.tests.conftest import VALID
    from heatwatch.tips.models import Tip
    client = Client()
    client.get("/report/")
import heatwatch.lib.uploads as uploads

def kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

before = kib()
start = time.perf_counter()
outcome = []
if mode == "clean":
    for f in files():
        try:
            uploads.clean_upload(f)
            outcome.append("accepted")
        except uploads.UploadRefused as exc:
            outcome.append("refused: " + str(exc))
else:
    response = client.post("/report/", {**VALID, "attachments": files()})
    tip = Tip.objects.order_by("-pk").first()
    outcome.append(f"HTTP {response.status_code}; tip stored: {tip is not None}; "
                   f"files attached: {tip.attachments.count() if tip else 0} of {copies}")
elapsed = time.perf_counter() - start
print(json.dumps({"code": uploads.__file__, "before_kib": before, "peak_kib": kib(),
                  "seconds": round(elapsed, 2), "outcome": outcome}))
"""


def make_png(width: int, height: int, colour: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(colour, (width, height)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def measure(root: Path, mode: str, path: str, copies: int, workdir: str) -> dict[str, object]:
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:", "HEATWATCH_VAR_DIR": workdir}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, str(root), mode, path, str(copies)],
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{root}: child failed\n{done.stderr[-3000:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", action="append", type=Path, help="a heatwatch checkout")
    parser.add_argument("--mode", choices=["clean", "post"], default="clean")
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--size", default="8000x7800", help="WIDTHxHEIGHT of the PNG")
    parser.add_argument("--colour", choices=["1", "L", "RGB"], default="L", help="Pillow mode")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    data = make_png(width, height, args.colour)
    print(
        f"PNG {width}×{height} ({width * height / 1e6:.1f} MP, mode {args.colour}), "
        f"{len(data):,} bytes; mode {args.mode}, copies {args.copies}"
    )
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, "big.png")
        Path(path).write_bytes(data)
        for root in args.code or [ROOT]:
            r = measure(root.resolve(), args.mode, path, args.copies, workdir)
            before, peak = int(r["before_kib"]), int(r["peak_kib"])  # type: ignore[call-overload]
            print(
                f"{root}: peak RSS {peak / 1024:.0f} MiB (before {before / 1024:.0f} MiB, "
                f"+{(peak - before) / 1024:.0f} MiB) in {r['seconds']} s; {r['outcome']}"
            )


if __name__ == "__main__":
    main()
