"""Every public page keeps the Content-Security-Policy and anonymity promises (DESIGN.md §5-6):
no inline scripts, handlers or styles, and nothing loaded from or linking to another site."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.template import loader
from django.utils import translation

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/community/",
    "/law-enforcement/",
    "/prosecution/",
    "/policy/",
    "/services/",
    "/es/",
    "/es/services/",
    "/no-such-page/",
    "/es/no-such-page/",
]

TAG = re.compile(r"<[a-zA-Z][^>]*>")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""", re.IGNORECASE)
LOCAL_HOSTS = {"testserver", "localhost", "127.0.0.1"}


def problems(body: str) -> list[str]:
    found = [f"inline script: {m}" for m in INLINE_SCRIPT.findall(body)]
    for tag in TAG.findall(body):
        if EVENT_HANDLER.search(tag):
            found.append(f"event handler: {tag}")
        if re.search(r"\sstyle\s*=", tag, re.IGNORECASE):
            found.append(f"style attribute: {tag}")
        for url in ABSOLUTE_URL.findall(tag):
            if urlsplit(url if "://" in url else "http:" + url).hostname not in LOCAL_HOSTS:
                found.append(f"off-site URL: {url}")
    if "<style" in body.lower():
        found.append("inline <style> element")
    return found


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_inline_code_styles_or_third_party_urls(client, path):
    response = client.get(path)

    assert response.status_code in {200, 404}
    assert problems(response.content.decode()) == []


def test_checker_catches_what_it_should():
    bad = (
        '<script>alert(1)</script><a href="https://evil.example/x" onclick="x()">x</a>'
        '<p style="color:red"></p><img src="//cdn.example/a.png">'
    )

    assert len(problems(bad)) == 5


def test_tel_and_mailto_links_are_allowed():
    assert problems('<a href="tel:15550100">x</a><a href="mailto:a@b.example">y</a>') == []


def test_unknown_url_gets_the_friendly_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "<h1>Page not found</h1>" in body
    assert "If a youth is in immediate danger, call 911." in body
    assert "Traceback" not in body


def test_unknown_url_under_spanish_prefix_gets_the_spanish_404(client):
    response = client.get("/es/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert '<html lang="es">' in body
    assert "Página no encontrada" in body
    assert 'href="/no-such-page/" lang="en"' in body


def test_500_page_renders_without_context_or_request():
    with translation.override("en"):
        body = loader.get_template("500.html").render()

    assert "call 911" in body
    assert 'href="/"' in body
    assert problems(body) == []


def test_500_page_is_translated():
    with translation.override("es"):
        body = loader.get_template("500.html").render()

    assert '<html lang="es">' in body
    assert "llame al 911" in body


def test_400_page_renders_without_request():
    with translation.override("en"):
        body = loader.get_template("400.html").render()

    assert "call 911" in body
    assert problems(body) == []


def test_403_page_is_friendly_and_safe(rf):
    from django.shortcuts import render

    request = rf.get("/staff/secret/")
    with translation.override("en"):
        response = render(request, "403.html", status=403)

    body = response.content.decode()
    assert "<h1>You do not have access to this page</h1>" in body
    assert "If a youth is in immediate danger, call 911." in body
    assert problems(body) == []
