"""The tipster's follow-up with a receipt code: read, answer, add files; guessing throttled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from heatwatch.tips import services
from heatwatch.tips.models import Tip, TipMessage
from heatwatch.tips.tests.conftest import VALID, jpeg_with_gps, receipt_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def code(client):
    return receipt_from(client.post("/report/", VALID))


def test_code_opens_the_thread_with_the_acknowledgement(client, code):
    response = client.post("/report/follow-up/", {"code": code})
    assert response.status_code == 200
    assert b"Your tip was received" in response.content
    assert b"check back" in response.content.lower()


def test_code_works_without_dashes_or_with_spaces(client, code):
    spaced = code.replace("-", " ")
    assert client.post("/report/follow-up/", {"code": spaced}).status_code == 200


def test_staff_question_and_tipster_answer(client, code, personas):
    tip = Tip.objects.get()
    services.tip_message_tipster(tip=tip, by=personas.coordinator, body="Which bus line?")
    page = client.post("/report/follow-up/", {"code": code}).content.decode()
    assert "Which bus line?" in page

    photo = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(
        "/report/follow-up/", {"code": code, "body": "The 42, going north.", "attachments": photo}
    )
    assert response.status_code == 200
    assert b"We received your message" in response.content
    assert tip.messages.filter(direction=TipMessage.Direction.FROM_TIPSTER).get().body == (
        "The 42, going north."
    )
    assert tip.attachments.count() == 1
    tip.refresh_from_db()
    assert tip.reply_due_at is not None  # staff now owe an answer


def test_empty_answer_shows_an_error_and_keeps_the_thread(client, code):
    response = client.post("/report/follow-up/", {"code": code, "body": ""})
    assert response.status_code == 400
    assert b"Write a message or add a file" in response.content
    assert b"Your tip was received" in response.content


def test_wrong_code_is_refused_without_saying_why(client, code):
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.post("/report/follow-up/", {"code": wrong})
    assert response.status_code == 400
    assert b"could not find a tip with this code" in response.content
    nonsense = client.post("/report/follow-up/", {"code": "<script>x</script>"})
    assert nonsense.status_code == 400
    assert b"<script>x" not in nonsense.content


def test_wrong_codes_are_throttled_per_source(client, code, settings):
    settings.HEATWATCH_RECEIPT_FAILURES_PER_SOURCE = 3
    for n in range(3):
        client.post("/report/follow-up/", {"code": f"9999-0000-0000-0000-000{n}"})
    response = client.post("/report/follow-up/", {"code": code})  # even the right one, now
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    other_source = Client(REMOTE_ADDR="198.51.100.9")
    assert other_source.post("/report/follow-up/", {"code": code}).status_code == 200


def test_wrong_codes_are_throttled_per_code_across_sources(code, settings):
    settings.HEATWATCH_RECEIPT_FAILURES_PER_CODE = 3
    lookup = code.replace("-", "")[:8]
    for n in range(3):
        guesser = Client(REMOTE_ADDR=f"198.51.100.{n + 10}")
        guesser.post("/report/follow-up/", {"code": lookup + f"{n:012d}"})
    owner = Client(REMOTE_ADDR="198.51.100.200")
    assert owner.post("/report/follow-up/", {"code": code}).status_code == 429


def test_throttle_lifts_after_an_hour(client, code, settings, clock):
    settings.HEATWATCH_RECEIPT_FAILURES_PER_SOURCE = 2
    for _ in range(2):
        client.post("/report/follow-up/", {"code": "9999-0000-0000-0000-0000"})
    assert client.post("/report/follow-up/", {"code": code}).status_code == 429
    clock.shift(timedelta(hours=1, minutes=1))
    assert client.post("/report/follow-up/", {"code": code}).status_code == 200


def test_receipt_expires_90_days_after_the_last_visit(client, clock):
    code = receipt_from(client.post("/report/", VALID))
    clock.shift(timedelta(days=80))
    assert client.post("/report/follow-up/", {"code": code}).status_code == 200  # extends
    clock.shift(timedelta(days=89))
    assert client.post("/report/follow-up/", {"code": code}).status_code == 200
    clock.shift(timedelta(days=91))
    assert client.post("/report/follow-up/", {"code": code}).status_code == 400
    assert Tip.objects.count() == 1  # the tip itself is untouched


def test_code_is_posted_never_kept_in_a_cookie_or_url(client, code):
    response = client.post("/report/follow-up/", {"code": code})
    assert set(response.cookies) == set()
    assert code.replace("-", "") not in response.get("Location", "")


def test_receipt_hash_is_argon2id_and_verifies_only_the_right_code():
    from heatwatch.tips import receipts

    code = receipts.new_code()
    encoded = receipts.hash_code(code)
    assert encoded.startswith("receipt_argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert code not in encoded
    assert receipts.verify(code, encoded)
    assert not receipts.verify(code[:-1] + str((int(code[-1]) + 1) % 10), encoded)
    assert not receipts.verify(code, None) and not receipts.verify(code, "md5$x$y")
