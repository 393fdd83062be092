"""Files sent with a tip: bounded work, refused by name, and the tip is always kept."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader

from heatwatch.lib.tests.test_uploads import ACTIVE_MARKERS, hostile_pdf
from heatwatch.tips import services
from heatwatch.tips.models import Tip
from heatwatch.tips.tests.conftest import VALID, jpeg_with_gps, receipt_from

pytestmark = pytest.mark.django_db


def _png(size: tuple[int, int], mode: str) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG", optimize=True)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """The tester's file: 7900 × 7900, one bit per pixel, about 7.6 KB."""
    return _png((7900, 7900), "1")


@pytest.fixture(scope="module")
def png_62mp() -> bytes:
    return _png((8000, 7800), "L")


def _file(name: str, data: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_the_one_bit_bomb_is_refused_by_name_and_the_tip_is_stored(client, bomb):
    assert len(bomb) < 20_000
    response = client.post("/report/", {**VALID, "attachments": _file("holiday.png", bomb)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "File 1 (holiday.png):" in body
    assert "too large to process (more than 40 million pixels)" in body
    receipt_from(response)
    tip = Tip.objects.get()
    assert tip.narrative.startswith("A girl of about 15")
    assert tip.attachments.count() == 0


def test_a_62_megapixel_png_is_refused_by_name_and_a_photo_beside_it_is_kept(client, png_62mp):
    photo = _file("IMG_2041.jpg", jpeg_with_gps(), "image/jpeg")
    response = client.post(
        "/report/", {**VALID, "attachments": [photo, _file("scan.png", png_62mp)]}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "File 2 (scan.png):" in body and "more than 40 million pixels" in body
    assert "IMG_2041.jpg" not in body  # only refused files are listed
    stored = Tip.objects.get().attachments.get()
    content = base64.b64decode(stored.blob)
    assert b"HeatwatchTestCam" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert not image.getexif() and image.size == (40, 30)


def test_decoding_work_per_source_is_bounded_and_the_tips_are_kept(client, monkeypatch):
    monkeypatch.setattr(services, "UPLOAD_UNITS_PER_SOURCE_HOUR", 2)
    for _ in range(2):
        photo = _file("IMG_1.jpg", jpeg_with_gps(), "image/jpeg")
        assert client.post("/report/", {**VALID, "attachments": photo}).status_code == 200
    photo = _file("IMG_3.jpg", jpeg_with_gps(), "image/jpeg")
    response = client.post("/report/", {**VALID, "attachments": photo})
    body = response.content.decode()
    assert "File 1 (IMG_3.jpg):" in body and "in the last hour" in body
    assert Tip.objects.count() == 3
    assert [t.attachments.count() for t in Tip.objects.order_by("pk")] == [1, 1, 0]


def test_work_per_request_is_bounded(client, monkeypatch):
    monkeypatch.setattr(services, "UPLOAD_PIXELS_PER_REQUEST", 2_000)
    files = [_file(f"p{n}.png", _png((40, 30), "RGB")) for n in (1, 2)]  # 1,200 pixels each
    response = client.post("/report/", {**VALID, "attachments": files})
    body = response.content.decode()
    assert "File 2 (p2.png):" in body and "Together, the files sent at once" in body
    assert Tip.objects.get().attachments.count() == 1


def test_a_pdf_reaches_staff_without_active_content(client):
    pdf = _file("notes.pdf", hostile_pdf(), "application/pdf")
    response = client.post("/report/", {**VALID, "attachments": pdf})
    assert response.status_code == 200
    stored = Tip.objects.get().attachments.get()
    assert stored.content_type == "application/pdf"
    content = base64.b64decode(stored.blob)
    for marker in ACTIVE_MARKERS:
        assert marker not in content, marker
    assert len(PdfReader(io.BytesIO(content)).pages) == 2


def test_a_bomb_added_at_follow_up_is_refused_by_name(client, bomb):
    code = receipt_from(client.post("/report/", VALID))
    response = client.post(
        "/report/follow-up/",
        {"code": code, "body": "One more picture.", "attachments": _file("more.png", bomb)},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "File 1 (more.png):" in body and "more than 40 million pixels" in body
    tip = Tip.objects.get()
    assert "One more picture." in [m.body for m in tip.messages.all()]
    assert tip.attachments.count() == 0
