"""Checking and cleaning uploaded files before anything stores them.

A file's type is decided by its content, never its name or the browser's claim. Images are
decoded and re-encoded by Pillow, which drops every metadata block (EXIF with GPS position,
camera serial numbers, XMP, comments); PDFs are checked by signature and structure and
rewritten without their document information and XMP metadata. Anything else is refused.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuses decompression bombs

_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class UploadRefused(ValueError):
    """The file cannot be accepted; the message says why, in words for the person uploading."""


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str


def clean_upload(upload: UploadedFile, *, max_bytes: int = MAX_BYTES) -> CleanFile:
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
    if data.startswith(b"%PDF-"):
        return CleanFile(_clean_pdf(data), "application/pdf")
    return _clean_image(data)


def _clean_image(data: bytes) -> CleanFile:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            probe.verify()
        if fmt not in _IMAGE_FORMATS:
            raise UploadRefused(_("Only photos (JPEG, PNG, WebP) and PDF documents are accepted."))
        with Image.open(io.BytesIO(data)) as image:
            # Apply the camera's rotation, then draw the pixels into a new image: nothing of
            # the original file but its pixels survives.
            oriented = ImageOps.exif_transpose(image)
            mode = "RGBA" if oriented.mode in ("RGBA", "LA", "P") and fmt != "JPEG" else "RGB"
            pixels = oriented.convert(mode)
            clean = Image.new(mode, pixels.size)
            clean.paste(pixels)
            out = io.BytesIO()
            clean.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    except UploadRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
        raise UploadRefused(
            _("Only photos (JPEG, PNG, WebP) and PDF documents are accepted.")
        ) from None
    return CleanFile(out.getvalue(), _IMAGE_FORMATS[fmt])


def _clean_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadRefused(_("Password-protected PDF documents cannot be accepted."))
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        # A new writer starts with empty document information; no XMP is carried over.
        writer.add_metadata({"/Producer": "heatwatch"})
        out = io.BytesIO()
        writer.write(out)
    except UploadRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        raise UploadRefused(_("This PDF document could not be read.")) from None
    return out.getvalue()
