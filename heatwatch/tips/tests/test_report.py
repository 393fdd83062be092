"""The public tip form at /report/: anonymous by default, nothing lost, clear errors."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from heatwatch.audit.models import Action, AuditEntry
from heatwatch.tips.models import Status, Tip, TipMessage, Urgency
from heatwatch.tips.tests.conftest import VALID, jpeg_with_gps, receipt_from

pytestmark = pytest.mark.django_db


def test_anonymous_tip_gets_a_receipt_shown_once(submit):
    response = submit()
    assert response.status_code == 200
    code = receipt_from(response)
    digits = code.replace("-", "")
    assert len(digits) == 20
    tip = Tip.objects.get()
    assert tip.is_anonymous and tip.contact_phone == ""
    assert tip.status == Status.NEW
    assert tip.narrative.startswith("A girl of about 15")
    assert "no-store" in response["Cache-Control"]
    # Only a lookup number and a slow hash are kept, never the code.
    assert digits not in tip.receipt_hash and digits[8:] not in tip.receipt_hash
    assert tip.receipt_lookup == digits[:8]
    # An acknowledgement waits for the tipster.
    assert TipMessage.objects.filter(tip=tip, automatic=True).count() == 1
    assert AuditEntry.objects.filter(action=Action.CREATE, object_type="tips.tip").exists()


def test_sensitive_fields_are_encrypted_at_rest(submit, django_db_blocker):
    from django.db import connection

    submit()
    with connection.cursor() as cursor:
        cursor.execute("SELECT narrative, subject_names, location, online_handles FROM tips_tip")
        row = cursor.fetchone()
    assert all(value.startswith("hw1$") for value in row)
    assert "bus depot" not in "".join(row)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"immediate_danger": "yes"}, Urgency.IMMEDIATE),
        ({"red_flags": ["controlled"]}, Urgency.HIGH),
        ({"red_flags": ["older_partner"]}, Urgency.ROUTINE),
        ({"red_flags": ["controlled"], "subject_age_range": "18_24"}, Urgency.ROUTINE),
    ],
)
def test_urgency_is_computed_from_the_answers(submit, overrides, expected):
    submit(**overrides)
    assert Tip.objects.get().urgency == expected


def test_immediate_danger_tells_them_to_call_911_and_keeps_the_tip(submit):
    response = submit(immediate_danger="yes")
    assert b"call 911 now" in response.content
    assert Tip.objects.get().immediate_danger


def test_form_page_tells_to_call_911_first(client):
    response = client.get("/report/")
    assert response.status_code == 200
    assert b"Call 911 first" in response.content


def test_empty_form_shows_what_to_fix(client):
    response = client.post(
        "/report/",
        {"immediate_danger": "no", "subject_age_range": "unknown", "stay_anonymous": "on"},
    )
    assert response.status_code == 400
    assert b"tick at least one red flag" in response.content
    assert Tip.objects.count() == 0


def test_bad_input_keeps_everything_typed(submit):
    response = submit(stay_anonymous=None, contact_name="Sam Q")  # no phone or e-mail
    assert response.status_code == 400
    body = response.content.decode()
    assert "Give a phone number or an e-mail address" in body
    assert VALID["narrative"] in body
    assert "Sam Q" in body
    assert (
        'value="older_partner" checked' in body
        or 'checked value="older_partner"' in body
        or "older_partner" in body
    )
    assert Tip.objects.count() == 0


def test_text_over_the_limit_is_an_error_not_a_truncation(submit):
    response = submit(subject_names="x" * 501)
    assert response.status_code == 400
    assert b"at most 500 characters" in response.content
    assert Tip.objects.count() == 0


def test_contact_details_are_kept_when_not_anonymous(submit):
    submit(stay_anonymous=None, contact_name="Pat", contact_email="pat@example.test")
    tip = Tip.objects.get()
    assert not tip.is_anonymous
    assert tip.contact_email == "pat@example.test"


def test_script_in_every_text_field_is_rendered_escaped(submit, personas, login):
    payload = "<script>alert('x')</script>"
    fields = [
        "narrative",
        "subject_description",
        "subject_names",
        "location",
        "seen_when",
        "online_handles",
    ]
    submit(**{name: payload for name in fields})
    tip = Tip.objects.get()
    staff = login(Client(), personas.coordinator)
    page = staff.get(f"/staff/tips/{tip.pk}/").content.decode()
    assert "<script>alert" not in page
    assert page.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") >= len(fields)


def test_honeypot_sends_the_tip_to_the_spam_queue_not_the_bin(submit):
    response = submit(website="http://spam.example")
    assert response.status_code == 200  # the bot learns nothing
    tip = Tip.objects.get()
    assert tip.likely_spam and "honeypot" in tip.spam_reasons


def test_rate_limit_moves_extra_tips_to_spam_queue(submit, settings):
    settings.HEATWATCH_TIP_RATE_PER_HOUR = 2
    for _ in range(3):
        assert submit().status_code == 200
    assert list(Tip.objects.order_by("pk").values_list("likely_spam", flat=True)) == [
        False,
        False,
        True,
    ]


def test_missing_form_token_is_refused_and_the_form_is_shown_again(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/report/", VALID)
    assert response.status_code == 403
    assert "Your tip has not been sent yet" in response.content.decode()
    assert 'value="Harbor Street bus depot"' in response.content.decode()
    assert Tip.objects.count() == 0


def test_oversize_body_gets_a_clear_error(client, settings):
    settings.HEATWATCH_TIP_MAX_BODY_BYTES = 10_000
    big = SimpleUploadedFile("big.jpg", b"\xff" * 20_000, content_type="image/jpeg")
    response = client.post("/report/", {**VALID, "attachments": big})
    assert response.status_code == 413
    assert b"too large" in response.content
    assert Tip.objects.count() == 0


def test_photo_is_stored_without_metadata(client):
    photo = SimpleUploadedFile("IMG_from_my_phone.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post("/report/", {**VALID, "attachments": photo})
    assert response.status_code == 200
    attachment = Tip.objects.get().attachments.get()
    import base64

    from PIL import Image

    stored = base64.b64decode(attachment.blob)
    assert b"HeatwatchTestCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
        assert image.size == (40, 30)
    assert attachment.content_type == "image/jpeg"


def test_wrong_file_type_is_refused_and_the_tip_is_kept(client):
    script = SimpleUploadedFile("photo.jpg", b"#!/bin/sh\necho hi\n", content_type="image/jpeg")
    photo = SimpleUploadedFile("ok.png", jpeg_with_gps(), content_type="image/png")
    response = client.post("/report/", {**VALID, "attachments": [script, photo]})
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "File 1 (photo.jpg):" in body and "Only photos (JPEG, PNG, WebP) and PDF documents" in body
    )
    receipt_from(response)
    tip = Tip.objects.get()
    assert tip.attachments.count() == 1


def test_spanish_form_works_and_records_the_language(client):
    page = client.get("/es/report/")
    assert page.status_code == 200
    assert 'lang="es"' in page.content.decode()
    response = client.post("/es/report/", VALID)
    assert response.status_code == 200
    tip = Tip.objects.get()
    assert tip.language == "es"
    ack = tip.messages.get(automatic=True).body
    assert ack != "" and "Thank you" not in ack  # acknowledgement in Spanish
