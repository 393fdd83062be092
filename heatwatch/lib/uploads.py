"""Checking and cleaning uploaded files before anything stores them.

A file's type is decided by its content, never its name or the browser's claim. Images are
decoded and re-encoded by Pillow, which drops every metadata block (EXIF with GPS position,
camera serial numbers, XMP, comments). PDFs are rebuilt from pictures of their pages
(heatwatch.lib.pdfraster, in a child process), so no JavaScript, action, link, embedded file or
metadata reaches staff. Anything else is refused.

Uploads come from anonymous people, so the work they cause is bounded (docs/tips.md):

- an image's size is read from its header and one over ``MAX_PIXELS`` is refused before any
  pixel is decoded; Pillow's decompression-bomb warning is an error in this process;
- the decodes running at once in a process share a budget of ``DECODE_BUDGET_PIXELS`` (a PDF
  takes all of it); a file that cannot get its share within ``DECODE_WAIT_SECONDS`` is refused
  as "busy" instead of queueing;
- a ``WorkLimit`` bounds what one request (and, through its ``charge``, one source) may ask for;
- the PDF renderer runs under a memory limit and is killed after ``PDF_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import io
import subprocess  # noqa: S404 - runs our own renderer with sys.executable, no shell
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from heatwatch.lib import pdfraster

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuses decompression bombs, read from the header
DECODE_BUDGET_PIXELS = MAX_PIXELS  # pixels being decoded at once in one process
DECODE_WAIT_SECONDS = 10.0
MAX_PIXELS_PER_REQUEST = 3 * MAX_PIXELS

MAX_PDF_PAGES = 30
PDF_DPI = 150
MAX_PAGE_PIXELS = 2_500_000  # a Letter or A4 page at 150 DPI is about 2.2 million
PDF_TIMEOUT_SECONDS = 30.0
PDF_MEMORY_BYTES = 1024 * 1024 * 1024  # the renderer's address space
PDF_WORK_PIXELS = MAX_PIXELS  # what a PDF counts for in the budgets above

# Pillow only warns between one and two times its limit, and decodes anyway: make it refuse.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class UploadRefused(ValueError):
    """The file cannot be accepted; the message says why, in words for the person uploading."""


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str


class DecodeSlots:
    """A process-wide budget of pixels being decoded at once (bounds the memory decodes use)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._free = capacity
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, pixels: int, *, timeout: float | None = None) -> Iterator[None]:
        """Hold ``pixels`` of the budget, waiting at most ``timeout`` seconds for them."""
        need = min(pixels, self.capacity)
        wait = DECODE_WAIT_SECONDS if timeout is None else timeout
        with self._changed:
            if not self._changed.wait_for(lambda: self._free >= need, timeout=wait):
                raise UploadRefused(
                    _(
                        "The server is busy; this file was not attached. You can add it later "
                        "with your receipt code."
                    )
                )
            self._free -= need
        try:
            yield
        finally:
            with self._changed:
                self._free += need
                self._changed.notify_all()


decode_slots = DecodeSlots(DECODE_BUDGET_PIXELS)


@dataclass
class WorkLimit:
    """The decoding work one request may still ask for.

    ``charge(pixels)`` counts the work against the request's source as well and answers False
    when the source is over its own limit.
    """

    pixels: int = MAX_PIXELS_PER_REQUEST
    charge: Callable[[int], bool] | None = None

    def take(self, pixels: int) -> None:
        if pixels > self.pixels:
            raise UploadRefused(
                _(
                    "Together, the files sent at once are too large to process; this one was "
                    "not attached. You can add it later with your receipt code."
                )
            )
        if self.charge is not None and not self.charge(pixels):
            raise UploadRefused(
                _(
                    "Too many large files came from your connection in the last hour; this one "
                    "was not attached. You can add it later with your receipt code."
                )
            )
        self.pixels -= pixels


def clean_upload(
    upload: UploadedFile, *, max_bytes: int = MAX_BYTES, work: WorkLimit | None = None
) -> CleanFile:
    """Return the file's cleaned bytes and real type, or raise UploadRefused."""
    size = upload.size or 0
    if size > max_bytes:
        raise UploadRefused(
            _("The file is too large (%(size)s MB); the limit is %(max)s MB.")
            % {"size": f"{size / 1_048_576:.1f}", "max": max_bytes // 1_048_576}
        )
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRefused(_("The file is too large."))
    if not data:
        raise UploadRefused(_("The file is empty."))
    work = work or WorkLimit()
    if data.startswith(b"%PDF-"):
        return CleanFile(_clean_pdf(data, work), "application/pdf")
    return _clean_image(data, work)


def _not_a_photo() -> UploadRefused:
    return UploadRefused(_("Only photos (JPEG, PNG, WebP) and PDF documents are accepted."))


def _too_many_pixels() -> UploadRefused:
    return UploadRefused(
        _("This image is too large to process (more than %(max)d million pixels).")
        % {"max": MAX_PIXELS // 1_000_000}
    )


def _clean_image(data: bytes, work: WorkLimit) -> CleanFile:
    # Again on each call: a warnings.catch_warnings() elsewhere may have reset the filters.
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
    try:
        # Opening reads the header only; only our three formats are even tried. Pillow's
        # size check runs here, before any pixel is decoded.
        with Image.open(io.BytesIO(data), formats=list(_IMAGE_FORMATS)) as image:
            fmt = image.format or ""
            width, height = image.size
            pixels = width * height
            if pixels > MAX_PIXELS:  # also when Pillow's own limit has been lifted
                raise _too_many_pixels()
            work.take(pixels)
            with decode_slots.hold(pixels):
                content = _redraw(image, fmt)
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, MemoryError):
        raise _not_a_photo() from None
    return CleanFile(content, _IMAGE_FORMATS[fmt])


def _redraw(image: Image.Image, fmt: str) -> bytes:
    """Only the pixels, turned upright, in as few copies as possible."""
    # Apply the camera's rotation in place (no second copy of the pixels).
    ImageOps.exif_transpose(image, in_place=True)
    if image.mode in ("1", "L"):
        mode = "L"
    elif image.mode in ("RGBA", "LA", "P", "PA") and fmt != "JPEG":
        mode = "RGBA"
    else:
        mode = "RGB"
    clean = image.convert(mode) if image.mode != mode else image
    # Nothing of the original file but its pixels survives: no EXIF, XMP, ICC profile, text.
    clean.info = {}
    out = io.BytesIO()
    clean.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def _clean_pdf(data: bytes, work: WorkLimit) -> bytes:
    work.take(PDF_WORK_PIXELS)
    with decode_slots.hold(PDF_WORK_PIXELS):
        try:
            done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
                [
                    sys.executable,
                    "-I",
                    str(Path(pdfraster.__file__)),
                    str(MAX_PDF_PAGES),
                    str(PDF_DPI),
                    str(MAX_PAGE_PIXELS),
                    str(PDF_MEMORY_BYTES),
                ],
                input=data,
                capture_output=True,
                timeout=PDF_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise UploadRefused(
                _("This PDF document takes too long to process; send photos of its pages.")
            ) from None
    reason = done.stderr.decode("ascii", "replace").strip()
    if done.returncode == 0 and done.stdout.startswith(b"%PDF-"):
        return done.stdout
    if done.returncode == pdfraster.REFUSED and reason == "encrypted":
        raise UploadRefused(_("Password-protected PDF documents cannot be accepted."))
    if done.returncode == pdfraster.REFUSED and reason.startswith("pages "):
        raise UploadRefused(
            _(
                "This PDF document has %(pages)s pages; the limit is %(max)d. Send the pages "
                "that matter, or photos of them."
            )
            % {"pages": reason.removeprefix("pages "), "max": MAX_PDF_PAGES}
        )
    raise UploadRefused(_("This PDF document could not be read."))
