"""The helpers behind the site chrome."""

from __future__ import annotations

import pytest
from django.utils import translation

from heatwatch.pages import chrome


@pytest.mark.parametrize(
    ("path", "language", "expected"),
    [
        ("/", "es", "/es/"),
        ("/report/", "es", "/es/report/"),
        ("/es/report/", "es", "/es/report/"),
        ("/es/report/", "en", "/report/"),
        ("/es", "en", "/"),
        ("/community/", "en", "/community/"),
        ("report/", "es", "/es/report/"),
    ],
)
def test_localized_path(path, language, expected):
    assert chrome.localized_path(path, language) == expected


def test_localized_path_follows_the_active_language():
    with translation.override("es"):
        assert chrome.localized_path("/events/") == "/es/events/"
    with translation.override("en"):
        assert chrome.localized_path("/events/") == "/events/"


def test_strip_language_prefix_leaves_lookalike_paths_alone():
    assert chrome.strip_language_prefix("/estate/") == "/estate/"
    assert chrome.strip_language_prefix("/es/estate/") == "/estate/"


@pytest.mark.parametrize(
    ("number", "expected"),
    [("1-555-0100", "tel:15550100"), ("+1 (555) 010-0100", "tel:+15550100100"), ("", "tel:")],
)
def test_tel_href(number, expected):
    assert chrome.tel_href(number) == expected


def test_chrome_without_a_request_degrades_gracefully(db):
    assert chrome.language_links(request=None) == []
    labels = [str(item.label) for item in chrome.primary_nav(request=None)]
    assert labels[0] == "Home"
    assert len(labels) == 6


@pytest.mark.parametrize("path", ["//evil.example/", "/es//evil.example/"])
def test_localized_path_never_yields_a_protocol_relative_url(path):
    for language in ("en", "es"):
        assert not chrome.localized_path(path, language).startswith("//")


def test_language_links_never_point_off_site(rf):
    for path in ("//evil.example/x/", "/es//evil.example/x/"):
        with translation.override("es" if path.startswith("/es") else "en"):
            links = chrome.language_links(request=rf.get(path))
        assert all(not link.url.startswith("//") for link in links)
