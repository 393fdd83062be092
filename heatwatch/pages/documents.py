"""Toolkit documents: type-checked by content, size-limited and stripped of metadata on upload.

Coordinators upload toolkit files at /cms/documents/; Wagtail's document form is built on
``CheckedDocumentForm`` (``WAGTAILDOCS_DOCUMENT_FORM_BASE``). As with tip attachments
(heatwatch/lib/uploads.py), a file's type is decided by its content, never its name, and a file
whose content does not match its extension is refused. Unlike tip attachments, a PDF keeps its
text (it is published, so it must stay searchable and accessible): pikepdf removes its document
information, XMP metadata, JavaScript, automatic actions and embedded files instead of
rebuilding it from pictures. Office files lose their author properties and may not carry
macros; MP3 loses its ID3 tags, WAV its INFO chunks; images are re-encoded by Pillow.
"""

from __future__ import annotations

import io
import struct
import zipfile
from typing import Any

import pikepdf
from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.documents.forms import BaseDocumentForm

from heatwatch.lib.uploads import UploadRefused, clean_upload

TYPE_LABELS = {
    "pdf": gettext_lazy("PDF"),
    "docx": gettext_lazy("Word"),
    "pptx": gettext_lazy("PowerPoint"),
    "xlsx": gettext_lazy("Excel"),
    "csv": gettext_lazy("CSV"),
    "txt": gettext_lazy("Text"),
    "mp3": gettext_lazy("MP3 audio"),
    "wav": gettext_lazy("WAV audio"),
    "png": gettext_lazy("PNG image"),
    "jpg": gettext_lazy("JPEG image"),
}
_OOXML_PART = {"docx": "word/", "pptx": "ppt/", "xlsx": "xl/"}
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_RATIO = 20  # uncompressed bytes per stored byte, at most (zip bombs)

_CORE_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"/>'
)
_APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"/>'
)
_CUSTOM_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'custom-properties"/>'
)


class DocumentRefused(ValueError):
    """The file cannot be published; the message says why."""


def type_and_size(document: Any) -> str:
    """``"PowerPoint, 8.9 MB"``: what a visitor is about to download."""
    if document is None:
        return ""
    extension = (document.file_extension or "").lower().lstrip(".")
    label = TYPE_LABELS.get("jpg" if extension == "jpeg" else extension, extension.upper())
    size = document.get_file_size()
    return f"{label}, {filesizeformat(size)}" if size else str(label)


def extension_of(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return "jpg" if extension == "jpeg" else extension


def clean_document(name: str, data: bytes) -> bytes:
    """The file's bytes with metadata removed, or DocumentRefused."""
    limit = settings.HEATWATCH_DOCUMENT_MAX_BYTES
    if len(data) > limit:
        raise DocumentRefused(
            _("The file is too large (%(size)s); the limit is %(max)s.")
            % {"size": filesizeformat(len(data)), "max": filesizeformat(limit)}
        )
    if not data:
        raise DocumentRefused(_("The file is empty."))
    extension = extension_of(name)
    cleaner = _CLEANERS.get(extension)
    if cleaner is None:
        raise DocumentRefused(
            _("Only these kinds of file are accepted: %(kinds)s.")
            % {"kinds": ", ".join(str(label) for label in TYPE_LABELS.values())}
        )
    return cleaner(data, extension)


def _mismatch(extension: str) -> DocumentRefused:
    return DocumentRefused(
        _("The file's content is not a %(kind)s file; check that it is the right file.")
        % {"kind": TYPE_LABELS[extension]}
    )


def _clean_pdf(data: bytes, extension: str) -> bytes:
    if not data.startswith(b"%PDF-"):
        raise _mismatch(extension)
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
                for key in list(meta.keys()):
                    del meta[key]
            if "/Metadata" in pdf.Root:
                del pdf.Root["/Metadata"]
            for key in ("/OpenAction", "/AA"):
                if key in pdf.Root:
                    del pdf.Root[key]
            if "/Names" in pdf.Root:
                for key in ("/JavaScript", "/EmbeddedFiles"):
                    if key in pdf.Root.Names:
                        del pdf.Root.Names[key]
            for page in pdf.pages:
                if "/AA" in page.obj:
                    del page.obj["/AA"]
            if pdf.trailer.get("/Info") is not None:
                del pdf.trailer["/Info"]
            out = io.BytesIO()
            pdf.save(out, fix_metadata_version=False)
            return out.getvalue()
    except pikepdf.PasswordError as exc:
        raise DocumentRefused(_("Encrypted PDF files are not accepted.")) from exc
    except pikepdf.PdfError as exc:
        raise DocumentRefused(_("The PDF file is damaged and cannot be read.")) from exc


def _clean_ooxml(data: bytes, extension: str) -> bytes:
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _mismatch(extension) from exc
    with source:
        entries = source.infolist()
        names = {entry.filename for entry in entries}
        part = _OOXML_PART[extension]
        if "[Content_Types].xml" not in names or not any(n.startswith(part) for n in names):
            raise _mismatch(extension)
        if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > max(
            len(data) * MAX_ZIP_RATIO, 1
        ):
            raise DocumentRefused(_("The file expands to too much data to be checked."))
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise DocumentRefused(_("Files with macros are not accepted."))
        replaced = {
            "docProps/core.xml": _CORE_XML,
            "docProps/app.xml": _APP_XML,
            "docProps/custom.xml": _CUSTOM_XML,
        }
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for entry in entries:
                content = replaced.get(entry.filename)
                if content is None:
                    content = source.read(entry)
                info = zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, content)
        return out.getvalue()


def _clean_text(data: bytes, extension: str) -> bytes:
    if b"\x00" in data:
        raise _mismatch(extension)
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentRefused(_("Text and CSV files must be saved as UTF-8.")) from exc
    return data


def _clean_mp3(data: bytes, extension: str) -> bytes:
    body = data
    while body.startswith(b"ID3") and len(body) >= 10:  # ID3v2 tags at the start
        size_bytes = body[6:10]
        size = 0
        for byte in size_bytes:
            size = (size << 7) | (byte & 0x7F)
        footer = 10 if body[5] & 0x10 else 0
        body = body[10 + size + footer :]
    if len(body) >= 128 and body[-128:-125] == b"TAG":  # ID3v1 at the end
        body = body[:-128]
    if len(body) < 4 or body[0] != 0xFF or (body[1] & 0xE0) != 0xE0:
        raise _mismatch(extension)
    return body


def _clean_wav(data: bytes, extension: str) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise _mismatch(extension)
    kept = []
    offset = 12
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        (size,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        chunk = data[offset : offset + 8 + size + (size & 1)]
        if chunk_id in {b"fmt ", b"data", b"fact"}:
            kept.append(chunk)
        offset += 8 + size + (size & 1)
    if not any(c.startswith(b"fmt ") for c in kept) or not any(c.startswith(b"data") for c in kept):
        raise _mismatch(extension)
    body = b"".join(kept)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body


def _clean_image(data: bytes, extension: str) -> bytes:
    try:
        cleaned = clean_upload(
            SimpleUploadedFile("image", data), max_bytes=settings.HEATWATCH_DOCUMENT_MAX_BYTES
        )
    except UploadRefused as exc:
        raise DocumentRefused(str(exc)) from exc
    wanted = {"png": "image/png", "jpg": "image/jpeg"}[extension]
    if cleaned.content_type != wanted:
        raise _mismatch(extension)
    return cleaned.content


_CLEANERS = {
    "pdf": _clean_pdf,
    "docx": _clean_ooxml,
    "pptx": _clean_ooxml,
    "xlsx": _clean_ooxml,
    "csv": _clean_text,
    "txt": _clean_text,
    "mp3": _clean_mp3,
    "wav": _clean_wav,
    "png": _clean_image,
    "jpg": _clean_image,
}


class CheckedDocumentForm(BaseDocumentForm):
    """Wagtail's document form, refusing and cleaning files as above."""

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload or upload == self.original_file or not hasattr(upload, "read"):
            return upload
        if getattr(upload, "_committed", False):  # an already-stored file, not an upload
            return upload
        size = getattr(upload, "size", 0) or 0
        if size > settings.HEATWATCH_DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s); the limit is %(max)s.")
                % {
                    "size": filesizeformat(size),
                    "max": filesizeformat(settings.HEATWATCH_DOCUMENT_MAX_BYTES),
                }
            )
        upload.seek(0)
        data = upload.read(settings.HEATWATCH_DOCUMENT_MAX_BYTES + 1)
        try:
            cleaned = clean_document(upload.name, data)
        except DocumentRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return ContentFile(cleaned, name=upload.name)
