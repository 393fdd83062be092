"""Helpers for the tip-line tests."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

VALID = {
    "red_flags": ["older_partner", "unexplained_items"],
    "narrative": "A girl of about 15 waits every evening near the bus depot for an older man.",
    "immediate_danger": "no",
    "subject_age_range": "15_17",
    "subject_description": "Short, dark curly hair, red jacket",
    "subject_names": "Jaz",
    "location": "Harbor Street bus depot",
    "seen_when": "Weeknights around 9pm",
    "online_handles": "@jaz_bayview_fake",
    "stay_anonymous": "on",
    "contact_name": "",
    "contact_phone": "",
    "contact_email": "",
    "website": "",
}

CODE_RE = re.compile(r"\b(\d{4}-\d{4}-\d{4}-\d{4}-\d{4})\b")


def receipt_from(response) -> str:
    match = CODE_RE.search(response.content.decode())
    assert match, "no receipt code on the page"
    return match.group(1)


def jpeg_with_gps() -> bytes:
    """A small JPEG carrying EXIF with a camera model and a GPS position."""
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "HeatwatchTestCam"  # Model
    exif[0x8825] = {1: "N", 2: (37.0, 48.0, 30.0), 3: "W", 4: (122.0, 16.0, 10.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def submit(client):
    """POST a tip to /report/ with VALID fields overridden by keyword arguments."""

    def post(path: str = "/report/", **overrides):
        data = {**VALID, **overrides}
        data = {k: v for k, v in data.items() if v is not None}
        return client.post(path, data)

    return post
