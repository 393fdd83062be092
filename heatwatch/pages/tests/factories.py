"""Building public pages for tests with the real models (as the CMS does)."""

from __future__ import annotations

import datetime as dt
import io
import wave
from typing import Any

from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Locale, Page

from heatwatch.pages.documents import clean_document
from heatwatch.pages.models import HomePage


def home() -> HomePage:
    return HomePage.objects.get(locale__language_code="en")


def publish(page: Page) -> Page:
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def add(parent: Page, page: Page) -> Any:
    parent.add_child(instance=page)
    return publish(page)


def translate(page: Page, language: str, **fields: Any) -> Any:
    """A published translation of ``page`` with ``fields`` set (parents copied as needed)."""
    locale = Locale.objects.get(language_code=language)
    existing = page.get_translation_or_none(locale)
    copy = existing.specific if existing else page.copy_for_translation(locale, copy_parents=True)
    copy = copy.specific
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    return publish(copy)


def document(name: str, data: bytes, title: str = "") -> Any:
    model = get_document_model()
    doc = model(title=title or name)
    doc.file.save(name, ContentFile(clean_document(name, data)), save=False)
    doc.save()
    return doc


def pdf_bytes(text: str = "Toolkit sample") -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=f"<h1>{text}</h1>", base_url="about:blank").write_pdf()
    return pdf


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    import math

    frames = bytearray()
    for i in range(int(seconds * rate)):
        value = int(8000 * math.sin(2 * math.pi * 440 * i / rate))
        frames += value.to_bytes(2, "little", signed=True)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return out.getvalue()


TODAY = dt.date(2026, 11, 20)
