"""The public site of issue 15: Spanish page text, program settings, toolkit, learning pages,
news and podcast feeds, posters, policy tracker, search and caching."""

from __future__ import annotations

import io

import feedparser
import pikepdf
import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile

from heatwatch.audit.models import AuditEntry
from heatwatch.pages.documents import CheckedDocumentForm, DocumentRefused, clean_document
from heatwatch.pages.models import (
    EpisodePage,
    GlossaryPage,
    MythsFactsPage,
    NewsIndexPage,
    NewsPostPage,
    PodcastIndexPage,
    Point,
    PointPage,
    PolicyItemPage,
    ProgramSettings,
    RedFlagsPage,
    ResourcePage,
    ToolkitIndexPage,
)
from heatwatch.pages.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_page_cache():
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def toolkit():
    index = f.add(f.home(), ToolkitIndexPage(title="Toolkit", slug="toolkit"))
    deck = f.document("training.pptx", _pptx())
    pdf = f.document("protocol.pdf", f.pdf_bytes())
    f.add(
        index,
        ResourcePage(
            title="Recognising exploitation: a training deck",
            slug="training-deck",
            summary="Slides for a one-hour training.",
            kind="training",
            topic="recognising",
            audience="educators",
            point=Point.COMMUNITY,
            document=deck,
            credit_note="Bayview County HEAT Watch",
            last_updated=f.TODAY,
        ),
    )
    f.add(
        index,
        ResourcePage(
            title="County protocol template",
            slug="protocol-template",
            summary="A protocol to adapt.",
            kind="template",
            topic="law",
            audience="programs",
            point=Point.POLICY,
            document=pdf,
            last_updated=f.TODAY,
        ),
    )
    return index


def _pptx(author: str = "Jane Author") -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("ppt/presentation.xml", "<p:presentation/>" + "x" * 2000)
        z.writestr(
            "docProps/core.xml",
            f"<cp:coreProperties><dc:creator>{author}</dc:creator></cp:coreProperties>",
        )
    return out.getvalue()


# --- Spanish page text ---------------------------------------------------------------------


def test_spanish_translation_is_served_under_es(client):
    community = PointPage.objects.get(point=Point.COMMUNITY)
    f.translate(community, "es", title="Comunidad", summary="La comunidad protege a los jóvenes.")

    body = html(client.get("/es/community/"))

    assert "<h1>Comunidad</h1>" in body
    assert "hw-language-notice" not in body
    assert '<div lang="es">' in body


def test_untranslated_page_under_es_is_english_with_a_notice(client):
    response = client.get("/es/prosecution/")

    assert response.status_code == 200
    body = html(response)
    assert "hw-language-notice" in body
    assert '<div lang="en">' in body


def test_untranslated_child_of_a_translated_home_falls_back(client):
    f.translate(f.home(), "es", title="Juntos protegemos a los jóvenes")

    assert "Juntos protegemos" in html(client.get("/es/"))
    response = client.get("/es/services/")
    assert response.status_code == 200
    assert "hw-language-notice" in html(response)


def test_switcher_goes_to_the_translation_even_with_another_slug(client):
    community = PointPage.objects.get(point=Point.COMMUNITY)
    f.translate(community, "es", title="Comunidad", slug="comunidad")

    english = html(client.get("/community/"))
    spanish = html(client.get("/es/comunidad/"))

    assert 'href="/es/comunidad/" lang="es"' in english
    assert 'href="/community/" lang="en"' in spanish


# --- program settings ------------------------------------------------------------------------


def test_environment_defaults_show_without_settings(client):
    body = html(client.get("/"))
    assert "1-555-0100" in body


def test_coordinator_changes_tip_line_in_cms_and_every_page_shows_it(client, login, personas):
    from wagtail.models import Site

    assert "1-555-0100" in html(client.get("/"))  # now cached
    editor = login(__import__("django.test").test.Client(), personas.coordinator)
    site = Site.objects.get(is_default_site=True)
    response = editor.post(
        f"/cms/settings/pages/programsettings/{site.pk}/",
        {
            "name": "",
            "area": "",
            "tipline_phone": "1-555-0199",
            "contact_email": "",
            "theme": "red-60v",
            "facebook_url": "",
            "instagram_url": "",
            "x_url": "",
            "youtube_url": "",
        },
    )
    assert response.status_code == 302, html(response)[:3000]

    for path in ["/", "/community/", "/es/services/"]:
        body = html(client.get(path))
        assert "1-555-0199" in body
        assert "1-555-0100" not in body
    assert "hw-theme--red-60v" in html(client.get("/"))
    entry = AuditEntry.objects.filter(object_type="pages.programsettings").latest("pk")
    assert "tipline_phone" in entry.fields


def test_bad_phone_is_refused_with_the_form_kept(login, personas):
    from django.test import Client
    from wagtail.models import Site

    editor = login(Client(), personas.coordinator)
    site = Site.objects.get(is_default_site=True)
    response = editor.post(
        f"/cms/settings/pages/programsettings/{site.pk}/",
        {"tipline_phone": "call us!", "theme": "blue-60v"},
    )
    assert response.status_code == 200
    assert "call us!" in html(response)
    assert not ProgramSettings.objects.filter(tipline_phone="call us!").exists()


# --- toolkit ---------------------------------------------------------------------------------


def test_toolkit_lists_resources_with_type_and_size(client, toolkit):
    body = html(client.get("/toolkit/"))

    assert "Recognising exploitation: a training deck" in body
    assert "PowerPoint, " in body
    assert "PDF, " in body


def test_toolkit_filters_without_javascript(client, toolkit):
    body = html(client.get("/toolkit/?kind=template&point=policy"))

    assert "County protocol template" in body
    assert "training deck" not in body
    assert '<option value="template" selected>' in body


def test_unknown_filter_values_are_ignored(client, toolkit):
    response = client.get("/toolkit/?kind=<script>&page=99999999999999999999")
    assert response.status_code == 200
    assert "training deck" in html(response)


def test_resource_page_shows_credit_and_download(client, toolkit):
    body = html(client.get("/toolkit/training-deck/"))

    assert "Please credit:" in body
    assert "Bayview County HEAT Watch" in body
    assert "/documents/" in body


def test_toolkit_list_queries_do_not_grow(client, toolkit, queries_do_not_grow):
    def add_rows():
        for i in range(10):
            f.add(
                toolkit,
                ResourcePage(
                    title=f"Extra {i}",
                    slug=f"extra-{i}",
                    summary="x",
                    kind="data",
                    topic="evaluation",
                    audience="programs",
                    point=Point.SERVICES,
                    link="https://example.org/",
                ),
            )

    def fetch():
        caches["pages"].clear()
        return client.get("/toolkit/")

    queries_do_not_grow(fetch, add_rows, most=40)


def test_resource_needs_a_file_link_or_recording():
    from django.core.exceptions import ValidationError

    page = ResourcePage(
        title="Nothing",
        slug="nothing",
        summary="x",
        kind="data",
        topic="law",
        audience="youth",
        point=Point.POLICY,
    )
    with pytest.raises(ValidationError):
        page.clean()


# --- document checks -------------------------------------------------------------------------


def test_pdf_metadata_is_stripped():
    source = io.BytesIO()
    with pikepdf.open(io.BytesIO(f.pdf_bytes())) as pdf:
        pdf.docinfo["/Author"] = "Jane Author"
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)")
        pdf.save(source)

    cleaned = clean_document("x.pdf", source.getvalue())

    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert "/Author" not in pdf.docinfo
        assert "/OpenAction" not in pdf.Root
        assert len(pdf.pages) == 1
    assert b"Jane Author" not in cleaned


def test_office_author_is_stripped():
    cleaned = clean_document("deck.pptx", _pptx("Jane Author"))
    assert b"Jane Author" not in cleaned


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("deck.pptx", b"%PDF-1.4 not a deck"),
        ("notes.pdf", b"PK\x03\x04 not a pdf"),
        ("tool.exe", b"MZ"),
        ("audio.mp3", b"hello"),
        ("empty.pdf", b""),
    ],
)
def test_wrong_or_unknown_content_is_refused(name, data):
    with pytest.raises(DocumentRefused):
        clean_document(name, data)


def test_oversized_document_is_refused(settings):
    settings.HEATWATCH_DOCUMENT_MAX_BYTES = 1000
    with pytest.raises(DocumentRefused, match="too large"):
        clean_document("x.pdf", b"%PDF-" + b"0" * 2000)


def test_cms_document_form_refuses_a_disguised_file(personas):
    from wagtail.documents.forms import get_document_form
    from wagtail.documents.models import Document

    form_class = get_document_form(Document)
    assert issubclass(form_class, CheckedDocumentForm)
    form = form_class(
        data={"title": "Fake", "collection": 1},
        files={"file": SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 not a pdf")},
        user=personas.coordinator,
    )
    assert not form.is_valid()
    assert "file" in form.errors


# --- learning pages --------------------------------------------------------------------------


def test_red_flags_myths_and_glossary_render(client):
    home = f.home()
    f.add(
        home,
        RedFlagsPage(
            title="Red flags",
            slug="red-flags",
            groups=[("group", {"setting": "school", "flags": ["Misses school often"]})],
        ),
    )
    f.add(
        home,
        MythsFactsPage(
            title="Myths and facts",
            slug="myths-and-facts",
            items=[
                ("item", {"myth": "It only happens elsewhere", "fact": "<p>It happens here.</p>"})
            ],
        ),
    )
    f.add(
        home,
        GlossaryPage(
            title="Glossary",
            slug="glossary",
            terms=[("term", {"term": "The game", "definition": "The life of exploitation."})],
        ),
    )

    red = html(client.get("/red-flags/"))
    assert "At school" in red
    assert "Misses school often" in red
    assert 'href="/report/"' in red
    assert "It happens here." in html(client.get("/myths-and-facts/"))
    assert "The game" in html(client.get("/glossary/"))
    assert client.get("/es/red-flags/").status_code == 200


# --- news and podcast ------------------------------------------------------------------------


@pytest.fixture
def news():
    index = f.add(f.home(), NewsIndexPage(title="News", slug="news"))
    for i in range(12):
        post = NewsPostPage(
            title=f"Post {i}",
            slug=f"post-{i}",
            author="Program staff",
            summary=f"Summary {i}",
            date=f.TODAY,
        )
        index.add_child(instance=post)
        post.tags.add("training" if i % 2 else "community")
        f.publish(post)
    return index


def test_news_listing_pages_and_tags(client, news):
    first = html(client.get("/news/"))
    assert first.count('class="usa-collection__item"') == 10
    assert "Page 1 of 2" in first
    assert html(client.get("/news/?tag=training")).count('class="usa-collection__item"') == 6


def test_news_feed_parses(client, news):
    response = client.get("/news/feed.xml")
    feed = feedparser.parse(response.content)

    assert response["Content-Type"].startswith("application/rss+xml")
    assert not feed.bozo
    assert len(feed.entries) == 12
    assert feed.entries[0].author


@pytest.fixture
def podcast():
    index = f.add(
        f.home(),
        PodcastIndexPage(title="Podcast", slug="podcast", description="Conversations."),
    )
    audio = f.document("episode-1.wav", f.wav_bytes(1.0))
    f.add(
        index,
        EpisodePage(
            title="Episode one",
            slug="episode-one",
            episode_number=1,
            audio=audio,
            duration_seconds=61,
            show_notes="<p>Notes.</p>",
            transcript="Hello.",
            date=f.TODAY,
        ),
    )
    return index


def test_podcast_feed_is_rss_with_itunes_tags(client, podcast):
    feed = feedparser.parse(client.get("/podcast/feed.xml").content)

    assert not feed.bozo
    assert feed.version == "rss20"
    entry = feed.entries[0]
    enclosure = entry.enclosures[0]
    assert int(enclosure.length) > 1000
    assert enclosure.type == "audio/wav"
    assert enclosure.href.startswith("http")
    assert entry.itunes_duration == "61"
    assert entry.itunes_explicit is False or entry.itunes_explicit in ("no", None)
    assert entry.id
    assert entry.published
    assert feed.feed.itunes_explicit is False or feed.feed.itunes_explicit in ("no", None)


def test_episode_page_has_player_and_transcript(client, podcast):
    body = html(client.get("/podcast/episode-one/"))
    assert "<audio" in body
    assert "controls" in body
    assert "Transcript" in body
    assert "1:01" in body


# --- posters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("template", ["poster", "flyer", "wallet-card", "sticker"])
def test_poster_pdf_has_number_and_a_qr_code_to_the_tip_form(client, template, settings):
    import pypdfium2
    import zxingcpp

    response = client.get(f"/es/posters/{template}-letter.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    document = pypdfium2.PdfDocument(response.content)
    text = document[0].get_textpage().get_text_range()
    assert "1-555-0100" in text
    image = document[0].render(scale=2).to_pil()
    decoded = {result.text for result in zxingcpp.read_barcodes(image)}
    assert settings.HEATWATCH_BASE_URL.rstrip("/") + "/es/report/" in decoded


def test_poster_sizes_and_unknown_poster(client):
    import pypdfium2

    for size, width_pt in [("a4", 595), ("11x17", 792)]:
        document = pypdfium2.PdfDocument(client.get(f"/posters/poster-{size}.pdf").content)
        assert abs(document[0].get_width() - width_pt) < 2
    assert client.get("/posters/billboard-letter.pdf").status_code == 404
    assert client.get("/posters/").status_code == 200


# --- policy tracker --------------------------------------------------------------------------


def test_policy_tracker_on_the_policy_page_filters(client):
    policy = PointPage.objects.get(point=Point.POLICY)
    f.add(
        policy,
        PolicyItemPage(
            title="Safe harbor for youth",
            slug="safe-harbor",
            kind="law",
            jurisdiction="State",
            number="SB 100",
            status="enacted",
            topic="safe_harbor",
            summary="Youth are not charged.",
        ),
    )
    f.add(
        policy,
        PolicyItemPage(
            title="County identification protocol",
            slug="protocol",
            kind="protocol",
            jurisdiction="County",
            status="model",
            topic="coordination",
            summary="A model.",
        ),
    )

    everything = html(client.get("/policy/"))
    laws = html(client.get("/policy/?kind=law"))

    assert "SB 100" in everything and "County identification protocol" in everything
    assert "SB 100" in laws and "County identification protocol" not in laws
    assert client.get("/policy/safe-harbor/").status_code == 200
    assert not PolicyItemPage.can_create_at(PointPage.objects.get(point=Point.COMMUNITY))


# --- search ----------------------------------------------------------------------------------


def test_search_finds_pages_in_both_languages(client, toolkit):
    resource = ResourcePage.objects.get(slug="training-deck")
    f.translate(resource, "es", title="Cómo reconocer la explotación", summary="Diapositivas.")

    english = html(client.get("/search/?q=training+deck"))
    spanish = html(client.get("/es/search/?q=reconocer"))

    assert "Recognising exploitation: a training deck" in english
    assert "Cómo reconocer la explotación" in spanish
    assert client.get("/search/?q=" + "x" * 5000).status_code == 200


# --- caching ---------------------------------------------------------------------------------


def test_public_pages_are_cached_per_language_and_purged_on_publish(client):
    community = PointPage.objects.get(point=Point.COMMUNITY)
    assert client.get("/community/")["X-Heatwatch-Cache"] == "miss"
    assert client.get("/community/")["X-Heatwatch-Cache"] == "hit"
    assert client.get("/es/community/")["X-Heatwatch-Cache"] == "miss"

    community.summary = "A freshly published summary."
    f.publish(community)

    response = client.get("/community/")
    assert response["X-Heatwatch-Cache"] == "miss"
    assert "A freshly published summary." in html(response)


def test_cached_page_keeps_security_headers(client):
    client.get("/")
    response = client.get("/")
    assert response["X-Heatwatch-Cache"] == "hit"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_tip_form_and_follow_up_are_never_cached(client):
    for path in ["/report/", "/report/follow-up/", "/es/report/"]:
        client.get(path)
        response = client.get(path)
        assert "X-Heatwatch-Cache" not in response
        assert "no-store" in response["Cache-Control"]


def test_signed_in_staff_never_get_cached_pages(client, login, personas):
    client.get("/")
    login(client, personas.coordinator)
    response = client.get("/")
    assert "X-Heatwatch-Cache" not in response


# --- demo content ----------------------------------------------------------------------------


def test_demo_seed_fills_every_page_type_in_both_languages_and_runs_twice(client):
    import random

    from heatwatch.pages.seed import seed_pages

    seed_pages(scale=1, rng=random.Random(1), demo=True)
    again = seed_pages(scale=1, rng=random.Random(1), demo=True)

    assert again == ["pages: 0 demo pages created, 0 Spanish translations"]
    for model in (
        ToolkitIndexPage,
        ResourcePage,
        RedFlagsPage,
        MythsFactsPage,
        GlossaryPage,
        NewsIndexPage,
        NewsPostPage,
        PodcastIndexPage,
        EpisodePage,
        PolicyItemPage,
        PointPage,
    ):
        languages = set(model.objects.values_list("locale__language_code", flat=True))
        assert languages == {"en", "es"}, model
    for path in [
        "/toolkit/",
        "/red-flags/",
        "/myths-and-facts/",
        "/glossary/",
        "/news/",
        "/podcast/",
        "/podcast/episode-1/",
        "/policy/",
        "/toolkit/program-data-dictionary/",
    ]:
        assert client.get(path).status_code == 200, path
        spanish = client.get("/es" + path)
        assert spanish.status_code == 200, path
        assert "hw-language-notice" not in spanish.content.decode(), path
    feed = feedparser.parse(client.get("/es/podcast/feed.xml").content)
    assert len(feed.entries) == 2


def test_feeds_without_listing_pages_are_valid_and_empty(client):
    for path in ["/news/feed.xml", "/es/podcast/feed.xml"]:
        feed = feedparser.parse(client.get(path).content)
        assert not feed.bozo, path
        assert feed.entries == []


def test_cms_images_need_alt_text(personas):
    from wagtail.images.forms import get_image_form
    from wagtail.images.models import Image

    from heatwatch.pages.images import AltTextImageForm

    form_class = get_image_form(Image)
    assert issubclass(form_class, AltTextImageForm)
    form = form_class(
        data={"title": "Logo", "collection": 1, "description": ""}, user=personas.coordinator
    )
    assert not form.is_valid()
    assert "description" in form.errors
