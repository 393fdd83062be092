"""heatwatch.lib.uploads: images and PDFs are cleaned within bounds, hostile files are refused."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

from heatwatch.lib import uploads
from heatwatch.lib.uploads import UploadRefused, WorkLimit, clean_upload

ACTIVE_MARKERS = (b"/JavaScript", b"/JS", b"/Launch", b"/URI", b"/EmbeddedFile", b"/AA")
ACTIVE_MARKERS += (b"/OpenAction",)
ACTIVE_KEYS = {"/JavaScript", "/JS", "/Launch", "/URI", "/EmbeddedFiles", "/EmbeddedFile"}
ACTIVE_KEYS |= {"/AA", "/OpenAction", "/A", "/Names", "/AcroForm"}


def png(size: tuple[int, int], mode: str = "1") -> bytes:
    """A PNG of one colour: a large one still compresses to a few KB (a decompression bomb)."""
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG", optimize=True)
    return out.getvalue()


def upload(data: bytes, name: str = "file.bin") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture(scope="module")
def bomb_7900() -> bytes:
    return png((7900, 7900))


# --- images -----------------------------------------------------------------------------------


def test_the_7900_square_one_bit_png_is_refused_before_decoding(bomb_7900):
    assert len(bomb_7900) < 20_000  # a few KB on the wire ...
    with pytest.raises(UploadRefused, match="more than 40 million pixels"):
        clean_upload(upload(bomb_7900, "tiny.png"))  # ... 62 MP once decoded


def test_an_image_just_over_the_limit_is_refused_where_pillow_would_only_warn():
    # Pillow warns between one and two times MAX_IMAGE_PIXELS and decodes anyway.
    with pytest.raises(UploadRefused, match="million pixels"):
        clean_upload(upload(png((6400, 6300)), "over.png"))


def test_an_image_at_the_limit_is_accepted_and_re_encoded():
    clean = clean_upload(upload(png((200, 100), "RGB"), "small.png"))
    assert clean.content_type == "image/png"
    with Image.open(io.BytesIO(clean.content)) as image:
        assert image.size == (200, 100)


def test_decompression_bomb_warning_is_an_error_even_if_the_header_check_were_passed(
    monkeypatch,
):
    # Lower only Pillow's own limit: its warning (40 x 30 is 1.2 times it) must refuse the file.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)
    with pytest.raises(UploadRefused):
        clean_upload(upload(png((40, 30), "RGB"), "warned.png"))


def test_photo_loses_its_exif():
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "HeatwatchTestCam"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    clean = clean_upload(upload(out.getvalue(), "IMG_1.jpg"))
    assert b"HeatwatchTestCam" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as stored:
        assert not stored.getexif()


def test_work_per_request_is_bounded():
    work = WorkLimit(pixels=5_000)
    clean_upload(upload(png((60, 50), "RGB")), work=work)  # 3,000 pixels
    with pytest.raises(UploadRefused, match="Together"):
        clean_upload(upload(png((60, 50), "RGB")), work=work)


def test_work_per_source_is_bounded_by_the_charge_callback():
    charged: list[int] = []

    def charge(pixels: int) -> bool:
        charged.append(pixels)
        return len(charged) < 2

    work = WorkLimit(charge=charge)
    clean_upload(upload(png((60, 50), "RGB")), work=work)
    with pytest.raises(UploadRefused, match="last hour"):
        clean_upload(upload(png((60, 50), "RGB")), work=work)
    assert charged == [3_000, 3_000]


def test_decodes_at_once_are_bounded_and_a_waiting_file_is_refused_quickly(monkeypatch):
    monkeypatch.setattr(uploads, "DECODE_WAIT_SECONDS", 0.05)
    hold = uploads.decode_slots.hold(uploads.decode_slots.capacity)
    hold.__enter__()
    try:
        with pytest.raises(UploadRefused, match="busy"):
            clean_upload(upload(png((60, 50), "RGB")))
    finally:
        hold.__exit__(None, None, None)
    clean_upload(upload(png((60, 50), "RGB")))  # the slot is free again


def test_decode_slots_let_a_waiting_decode_through_when_one_ends():
    slots = uploads.DecodeSlots(capacity=100)
    order: list[str] = []
    first = slots.hold(80)
    first.__enter__()

    def second() -> None:
        with slots.hold(50, timeout=5):
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    order.append("first done")
    first.__exit__(None, None, None)
    thread.join(5)
    assert order == ["first done", "second"]


# --- PDFs -------------------------------------------------------------------------------------


def _action(writer: PdfWriter, **entries: object) -> IndirectObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action")})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = value  # type: ignore[assignment]
    return writer._add_object(action)


def _annotation(writer: PdfWriter, action: IndirectObject, y: int) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (50, y, 200, y + 20)]),
            NameObject("/A"): action,
        }
    )


def hostile_pdf() -> bytes:
    """Two pages (Letter and A4) carrying every kind of active content the tester found."""
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.add_blank_page(595, 842)
    js = _action(writer, S=NameObject("/JavaScript"), JS=TextStringObject("app.alert('open')"))
    writer._root_object[NameObject("/OpenAction")] = js
    named_js = _action(writer, S=NameObject("/JavaScript"), JS=TextStringObject("app.alert(2)"))
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {NameObject("/Names"): ArrayObject([TextStringObject("on-open"), named_js])}
            )
        }
    )
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject(
        {
            NameObject("/O"): _action(
                writer, S=NameObject("/JavaScript"), JS=TextStringObject("app.alert('page')")
            )
        }
    )
    link_js = _action(writer, S=NameObject("/JavaScript"), JS=TextStringObject("this.print()"))
    launch = _action(writer, S=NameObject("/Launch"), F=TextStringObject("calc.exe"))
    beacon = _action(
        writer, S=NameObject("/URI"), URI=TextStringObject("https://tracker.example.test/x")
    )
    for y, action in ((100, link_js), (200, launch), (300, beacon)):
        writer.add_annotation(page_number=0, annotation=_annotation(writer, action, y))
    writer.add_attachment("payload.txt", b"embedded file content")
    writer.add_metadata({"/Author": "Jane Tipster", "/Title": "My notes"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _walk(obj: object, seen: set[int], keys: set[str]) -> None:
    if isinstance(obj, IndirectObject):
        if obj.idnum in seen:
            return
        seen.add(obj.idnum)
        obj = obj.get_object()
    if isinstance(obj, dict):
        for key, value in obj.items():
            keys.add(str(key))
            if isinstance(value, NameObject):
                keys.add(str(value))
            _walk(value, seen, keys)
    elif isinstance(obj, list):
        for value in obj:
            if isinstance(value, NameObject):
                keys.add(str(value))
            _walk(value, seen, keys)


def every_name(data: bytes) -> set[str]:
    """Every dictionary key and name value reachable from the trailer, and every object."""
    reader = PdfReader(io.BytesIO(data))
    keys: set[str] = set()
    seen: set[int] = set()
    _walk(reader.trailer, seen, keys)
    for number in range(1, len(reader.xref_objStm) + 1000):
        try:
            obj = reader.get_object(number)
        except Exception:  # noqa: S112 - numbers past the last object simply do not exist
            continue
        _walk(obj, seen, keys)
    return keys


def test_the_hostile_pdf_really_carries_active_content():
    names = every_name(hostile_pdf())
    assert {"/OpenAction", "/AA", "/JavaScript", "/Launch", "/URI", "/EmbeddedFiles"} <= names


def test_cleaned_pdf_has_no_active_content_anywhere():
    clean = clean_upload(upload(hostile_pdf(), "report.pdf"))
    assert clean.content_type == "application/pdf"
    for marker in ACTIVE_MARKERS:
        assert marker not in clean.content, marker
    assert not (every_name(clean.content) & ACTIVE_KEYS)
    assert b"embedded file content" not in clean.content
    assert b"tracker.example.test" not in clean.content


def test_cleaned_pdf_keeps_the_pages_and_their_size():
    clean = clean_upload(upload(hostile_pdf(), "report.pdf"))
    pages = PdfReader(io.BytesIO(clean.content)).pages
    assert len(pages) == 2
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in pages]
    for (width, height), (want_w, want_h) in zip(sizes, [(612, 792), (595, 842)], strict=True):
        assert abs(width - want_w) < 2 and abs(height - want_h) < 2


def test_cleaned_pdf_has_no_document_metadata():
    clean = clean_upload(upload(hostile_pdf(), "report.pdf"))
    reader = PdfReader(io.BytesIO(clean.content))
    info = reader.metadata or {}
    assert "/Author" not in info and "/Title" not in info
    assert b"Jane Tipster" not in clean.content and b"My notes" not in clean.content
    assert "/Metadata" not in reader.trailer["/Root"]


def test_pdf_with_too_many_pages_is_refused():
    writer = PdfWriter()
    for _ in range(uploads.MAX_PDF_PAGES + 1):
        writer.add_blank_page(100, 100)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(UploadRefused, match="31 pages"):
        clean_upload(upload(out.getvalue(), "long.pdf"))


def test_encrypted_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt(user_password="", owner_password="owner")  # opens without a password
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(UploadRefused, match="Password-protected"):
        clean_upload(upload(out.getvalue(), "locked.pdf"))


def test_a_huge_page_is_rendered_within_the_pixel_bound():
    writer = PdfWriter()
    writer.add_blank_page(14_400, 14_400)  # 200 inches square: 900 MP at 150 DPI
    out = io.BytesIO()
    writer.write(out)
    clean = clean_upload(upload(out.getvalue(), "poster.pdf"))
    page = PdfReader(io.BytesIO(clean.content)).pages[0]
    assert abs(float(page.mediabox.width) - 14_400) < 30
    image = next(iter(page.images)).image
    assert image.width * image.height <= uploads.MAX_PAGE_PIXELS


def test_broken_pdf_is_refused():
    with pytest.raises(UploadRefused, match="could not be read"):
        clean_upload(upload(b"%PDF-1.7\nnot really a pdf", "broken.pdf"))
