"""The coordinators' newsletter pages: compose, send (to the aiosmtpd sink), the send log."""

from __future__ import annotations

import pytest
from django.test import Client

from heatwatch.mailing.models import DeliveryStatus, Newsletter, NewsletterStatus
from heatwatch.mailing.tests.conftest import make_subscriber

pytestmark = pytest.mark.django_db

DRAFT = {
    "subject": "Spring trainings",
    "body": "Four coalition trainings this spring.",
    "interest": "trainings",
    "language": "",
}


@pytest.fixture
def coordinator(personas, login):
    return login(Client(), personas.coordinator)


def test_a_coordinator_composes_sends_and_reads_the_send_log(
    coordinator, smtp_sink, django_capture_on_commit_callbacks
):
    make_subscriber("trainer.one@example.test", interests=("trainings",))
    make_subscriber("trainer.two@example.test", interests=("trainings", "events"))
    make_subscriber("news.only@example.test", interests=("newsletter",))
    response = coordinator.post("/staff/mailing/", DRAFT)
    assert response.status_code == 302
    item = Newsletter.objects.get()
    assert item.status == NewsletterStatus.DRAFT
    page = coordinator.get(response["Location"])
    assert "2 confirmed subscribers now" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = coordinator.post(f"/staff/mailing/{item.pk}/send/")
    assert sent.status_code == 302
    assert set(smtp_sink.per_recipient()) == {
        "trainer.one@example.test",
        "trainer.two@example.test",
    }
    log = coordinator.get(f"/staff/mailing/{item.pk}/").content.decode()
    assert "Accepted by SMTP: 2" in log.replace("</li>", "")
    assert "trainer.one@example.test" not in log  # the log never shows addresses
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SENT
    assert item.deliveries.filter(status=DeliveryStatus.ACCEPTED).count() == 2


def test_a_newsletter_is_sent_once_even_if_send_is_pressed_twice(
    coordinator, smtp_sink, django_capture_on_commit_callbacks
):
    make_subscriber("trainer.one@example.test", interests=("trainings",))
    coordinator.post("/staff/mailing/", DRAFT)
    item = Newsletter.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(f"/staff/mailing/{item.pk}/send/")
        again = coordinator.post(f"/staff/mailing/{item.pk}/send/", follow=True)
    assert "already been sent" in again.content.decode()
    assert smtp_sink.per_recipient() == {"trainer.one@example.test": 1}


def test_a_bad_draft_is_shown_again_with_what_was_typed(coordinator):
    response = coordinator.post("/staff/mailing/", {**DRAFT, "subject": ""})
    assert response.status_code == 400
    assert "Four coalition trainings this spring." in response.content.decode()
    assert not Newsletter.objects.exists()


@pytest.mark.parametrize("persona", ["advocate", "officer", "analyst", "administrator"])
def test_other_staff_cannot_compose_or_send(personas, login, persona):
    client = login(Client(), getattr(personas, persona))
    assert client.get("/staff/mailing/").status_code == 403
    assert client.post("/staff/mailing/", DRAFT).status_code == 403
    assert not Newsletter.objects.exists()


def test_a_subject_with_a_line_break_is_refused(coordinator):
    response = coordinator.post("/staff/mailing/", {**DRAFT, "subject": "Hello\r\nBcc: x@y.z"})
    assert response.status_code == 400
    assert "The subject must be one line." in response.content.decode()
    assert not Newsletter.objects.exists()
