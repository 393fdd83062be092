"""Pages under /es/: the same content, with the chrome in Spanish."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

POINT_PATHS = ["/community/", "/law-enforcement/", "/prosecution/", "/policy/", "/services/"]


def html(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("path", ["/", *POINT_PATHS])
def test_page_renders_under_spanish_prefix_with_spanish_chrome(client, path):
    response = client.get("/es" + path)

    assert response.status_code == 200
    body = html(response)
    assert '<html lang="es">' in body
    assert "Si un joven corre peligro inmediato, llame al 911." in body
    assert "Acceso para el personal" in body
    assert "Staff sign in" not in body


def test_spanish_navigation_is_translated_and_stays_under_the_prefix(client):
    body = html(client.get("/es/"))

    assert '<a href="/es/community/" class="usa-nav-link"><span>Comunidad</span></a>' in body
    assert (
        '<a href="/es/" class="usa-nav-link usa-current" aria-current="page"><span>Inicio' in body
    )
    assert 'href="/community/"' not in body


def test_english_content_under_spanish_chrome_is_marked_english(client):
    body = html(client.get("/es/community/"))

    assert '<div lang="en">' in body
    assert "hw-language-notice" in body


@pytest.mark.parametrize("path", ["/", *POINT_PATHS])
def test_language_switcher_is_a_plain_link_to_the_same_page(client, path):
    english = html(client.get(path))
    spanish = html(client.get("/es" + path))

    assert f'href="/es{path}" lang="es" hreflang="es">Español</a>' in english
    assert f'href="{path}" lang="en" hreflang="en">English</a>' in spanish


def test_language_switcher_keeps_the_query_string(client):
    body = html(client.get("/community/?from=poster"))

    assert 'href="/es/community/?from=poster" lang="es"' in body


def test_spanish_report_link_keeps_the_prefix(client):
    assert 'href="/es/report/"' in html(client.get("/es/"))
    assert 'href="/report/"' in html(client.get("/"))
