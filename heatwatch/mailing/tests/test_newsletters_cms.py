"""Newsletters composed in the CMS: blocks (rich text, images served from the site, upcoming
events from the events app, toolkit links), English and Spanish versions, preview and test
copy, scheduling, event notices, the public archive, and the footer sign-up form."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.images import ImageFile
from django.test import Client
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Page

from heatwatch.events.models import Event, Kind
from heatwatch.mailing import services, tasks
from heatwatch.mailing.models import Newsletter, NewsletterStatus
from heatwatch.mailing.tests.conftest import SAME_ORIGIN, TOKEN_RE, make_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(personas, login):
    return login(Client(), personas.coordinator)


def make_event(title: str, *, kind: str = Kind.COALITION, days: int = 10, **extra) -> Event:
    start = timezone.now() + timedelta(days=days)
    return Event.objects.create(
        kind=kind,
        title=title,
        slug=title.lower().replace(" ", "-")[:80],
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=30,
        venue_address="1 Civic Center Plaza, Bayview",
        **extra,
    )


def make_image() -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", (800, 400), (0, 94, 162)).save(buffer, "PNG")
    return Image.objects.create(title="Coalition", file=ImageFile(buffer, name="coalition.png"))


def cms_newsletter(*, spanish: bool = True) -> Newsletter:
    image = make_image()
    page = Page.objects.filter(depth__gte=2).order_by("depth", "pk").first()
    toolkit_links = [
        {
            "page": None,
            "url": "https://example.org/guide",
            "title": "A guide",
            "summary": "For schools",
        }
    ]
    if page is not None:
        toolkit_links.insert(0, {"page": page.pk, "url": "", "title": "", "summary": ""})
    blocks = [
        {"type": "heading", "value": "This season"},
        {"type": "paragraph", "value": '<p>Read <a href="/directory/">our directory</a>.</p>'},
        {"type": "image", "value": {"image": image.pk, "alt": "Coalition members", "caption": ""}},
        {
            "type": "upcoming_events",
            "value": {"heading": "Upcoming events", "kind": "", "count": 2},
        },
        {"type": "toolkit", "value": {"heading": "From the toolkit", "links": toolkit_links}},
    ]
    fields = {}
    if spanish:
        fields = {
            "subject_es": "Boletín de invierno",
            "preheader_es": "Tres capacitaciones",
            "content_es": [{"type": "paragraph", "value": "<p>Hola, lectores.</p>"}],
        }
    return Newsletter.objects.create(
        subject="Winter newsletter",
        preheader="Three trainings this winter",
        content=blocks,
        interest="newsletter",
        **fields,
    )


def test_a_cms_newsletter_reaches_each_reader_in_their_language_with_its_blocks(
    smtp_sink, personas, django_capture_on_commit_callbacks
):
    make_event("Spring coalition training")
    make_event("Cancelled talk", kind=Kind.OUTREACH, cancelled_at=timezone.now())
    make_subscriber("ana@example.test")
    make_subscriber("dolores@example.test", language="es")
    item = cms_newsletter()
    with django_capture_on_commit_callbacks(execute=True):
        services.newsletter_send(newsletter=item, by=personas.coordinator)
    (english,) = smtp_sink.to("ana@example.test")
    (spanish,) = smtp_sink.to("dolores@example.test")
    assert english["Subject"] == "Winter newsletter"
    assert spanish["Subject"] == "Boletín de invierno"
    html = english.get_body(preferencelist=("html",)).get_content()
    text = english.get_body(preferencelist=("plain",)).get_content()
    assert "Three trainings this winter" in html  # the preheader
    assert 'href="http://127.0.0.1:8000/directory/"' in html  # links made absolute
    assert "our directory (http://127.0.0.1:8000/directory/)" in text
    assert "Spring coalition training" in html and "Spring coalition training" in text
    assert "Cancelled talk" not in html
    assert "https://example.org/guide" in html and "A guide: For schools" in text
    # The image is served from our site: the same address for every reader, no tracking.
    assert 'src="http://127.0.0.1:8000/media/' in html and 'alt="Coalition members"' in html
    assert html.count("<img") == 1
    assert "[Coalition members]" in text
    assert "Hola, lectores." in spanish.get_body(preferencelist=("plain",)).get_content()
    item.refresh_from_db()
    assert set(item.frozen) == {"en", "es"} and item.status == NewsletterStatus.SENT


def test_a_spanish_reader_gets_english_when_there_is_no_spanish_version(
    smtp_sink, personas, django_capture_on_commit_callbacks
):
    make_subscriber("dolores@example.test", language="es")
    item = cms_newsletter(spanish=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.newsletter_send(newsletter=item, by=personas.coordinator)
    (message,) = smtp_sink.to("dolores@example.test")
    assert message["Subject"] == "Winter newsletter"
    assert "/es/unsubscribe/one-click/" in message["List-Unsubscribe"]


def test_sent_issues_are_in_the_public_archive_in_english_and_spanish(
    client, smtp_sink, personas, django_capture_on_commit_callbacks
):
    item = cms_newsletter()
    draft = Newsletter.objects.create(subject="Not yet", body="Draft text")
    notice = Newsletter.objects.create(subject="A notice", body="x", interest="trainings")
    assert client.get(f"/newsletter/{item.pk}/").status_code == 404  # not sent yet
    with django_capture_on_commit_callbacks(execute=True):
        services.newsletter_send(newsletter=item, by=personas.coordinator)
        services.newsletter_send(newsletter=notice, by=personas.coordinator)
    listing = client.get("/newsletter/").content.decode()
    assert "Winter newsletter" in listing and "Not yet" not in listing
    assert "A notice" not in listing  # notices are not issues of the newsletter
    page = client.get(f"/newsletter/{item.pk}/").content.decode()
    assert "This season" in page and "Coalition members" in page
    assert "/unsubscribe/one-click/" not in page  # no reader's own links
    spanish = client.get(f"/es/newsletter/{item.pk}/")
    assert spanish.status_code == 200 and 'lang="es"' in spanish.content.decode()
    assert "Boletín de invierno" in spanish.content.decode()
    assert client.get("/es/newsletter/").status_code == 200
    assert client.get(f"/newsletter/{draft.pk}/").status_code == 404
    assert client.get(f"/newsletter/{notice.pk}/").status_code == 404


def test_a_coordinator_previews_and_sends_a_test_copy_to_themselves(
    coordinator, personas, mailoutbox, django_capture_on_commit_callbacks
):
    make_subscriber("ana@example.test")
    mailoutbox.clear()
    item = cms_newsletter()
    preview = coordinator.get(f"/staff/mailing/{item.pk}/preview/?language=es")
    assert preview.status_code == 200 and "Boletín de invierno" in preview.content.decode()
    assert (
        "Winter newsletter"
        in coordinator.get(f"/staff/mailing/{item.pk}/preview/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(f"/staff/mailing/{item.pk}/test/", {"language": "en"})
    assert response.status_code == 302
    (copy,) = mailoutbox
    assert copy.to == [personas.coordinator.email]
    assert copy.subject == "[Test] Winter newsletter"
    item.refresh_from_db()
    assert item.status == NewsletterStatus.DRAFT and not item.deliveries.exists()


def test_a_newsletter_is_scheduled_and_the_periodic_job_sends_it(
    coordinator, smtp_sink, django_capture_on_commit_callbacks
):
    make_subscriber("ana@example.test")
    item = cms_newsletter()
    past = coordinator.post(
        f"/staff/mailing/{item.pk}/schedule/", {"version": item.version, "at": "2020-01-01T09:00"}
    )
    assert past.status_code == 400 and "in the future" in past.content.decode()
    when = timezone.localtime() + timedelta(days=1)
    response = coordinator.post(
        f"/staff/mailing/{item.pk}/schedule/",
        {"version": item.version, "at": when.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SCHEDULED
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_scheduled.enqueue()
    assert smtp_sink.received == []
    Newsletter.objects.filter(pk=item.pk).update(scheduled_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_scheduled.enqueue()
    assert smtp_sink.per_recipient() == {"ana@example.test": 1}
    item.refresh_from_db()
    assert item.status == NewsletterStatus.SENT


def test_a_published_coalition_training_is_offered_as_a_notice_the_coordinator_confirms(
    coordinator, smtp_sink, django_capture_on_commit_callbacks
):
    make_subscriber("trainee@example.test", interests=("trainings",))
    make_subscriber("news@example.test", interests=("newsletter",))
    training = make_event("Quarterly coalition training")
    make_event("Hidden one", is_public=False)
    make_event("A webinar", kind=Kind.WEBINAR)
    page = coordinator.get("/staff/mailing/").content.decode()
    assert "Quarterly coalition training" in page
    assert "Hidden one" not in page and "A webinar" not in page
    created = coordinator.post(f"/staff/mailing/notices/{training.pk}/")
    assert created.status_code == 302
    notice = Newsletter.objects.get(event=training)
    assert notice.status == NewsletterStatus.DRAFT and notice.interest == "trainings"
    assert smtp_sink.received == []  # nothing goes out before the coordinator confirms
    assert f"/staff/mailing/notices/{training.pk}/" not in (
        coordinator.get("/staff/mailing/").content.decode()
    )
    assert coordinator.post(f"/staff/mailing/notices/{training.pk}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(f"/staff/mailing/{notice.pk}/send/", {"version": notice.version})
    (message,) = smtp_sink.to("trainee@example.test")
    assert "Quarterly coalition training" in message["Subject"]
    assert f"/events/{training.slug}/" in message.get_body(preferencelist=("plain",)).get_content()
    assert smtp_sink.to("news@example.test") == []


def test_the_cms_edits_newsletters_but_not_a_sent_one(coordinator, personas):
    assert coordinator.get("/cms/snippets/mailing/newsletter/add/").status_code == 200
    item = cms_newsletter()
    assert coordinator.get(f"/cms/snippets/mailing/newsletter/edit/{item.pk}/").status_code == 200
    Newsletter.objects.filter(pk=item.pk).update(status=NewsletterStatus.SENT)
    response = coordinator.get(f"/cms/snippets/mailing/newsletter/edit/{item.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/staff/mailing/{item.pk}/"


@pytest.mark.parametrize("path", ["/events/", "/es/events/", "/subscribe/", "/es/directory/"])
def test_every_public_page_has_the_footer_sign_up_form(
    path, mailoutbox, django_capture_on_commit_callbacks
):
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="usa-form hw-footer-signup"' in html
    spanish = path.startswith("/es/")
    footer = html[html.index("hw-footer-signup") :]
    assert ('name="language" value="es"' in footer) == spanish
    token = TOKEN_RE.findall(html)[-1]  # the footer's form is the page's last
    with django_capture_on_commit_callbacks(execute=True):
        answer = visitor.post(
            "/es/subscribe/" if spanish else "/subscribe/",
            {
                "form_token": token,
                "email": "footer@example.test",
                "interests": "newsletter",
                "language": "es" if spanish else "en",
                "website": "",
            },
            **SAME_ORIGIN,
        )
    assert answer.status_code == 200
    (confirmation,) = mailoutbox
    assert confirmation.to == ["footer@example.test"]
