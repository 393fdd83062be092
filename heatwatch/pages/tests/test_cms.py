"""Coordinators edit the public pages in the Wagtail admin at /cms/ (docs/content.md)."""

from __future__ import annotations

import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from heatwatch.pages.models import HomePage, Point, PointPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, login, personas):
    """The program coordinator: the role that edits public content."""
    return login(client, personas.coordinator)


@pytest.mark.parametrize("model", [HomePage, PointPage])
def test_edit_view_opens_for_each_page_type(editor, model):
    page = model.objects.first()

    response = editor.get(f"/cms/pages/{page.pk}/edit/")

    assert response.status_code == 200


def test_published_edit_shows_on_the_public_page(editor, client):
    page = PointPage.objects.get(point=Point.SERVICES)
    data = nested_form_data(
        {
            "title": "Services",
            "slug": "services",
            "point": Point.SERVICES,
            "summary": "Stabilise first, then long-term support.",
            "body": streamfield(
                [
                    ("heading", "A new section"),
                    ("paragraph", rich_text("<p>Written by a coordinator.</p>")),
                    ("bullets", streamfield([("item", "First item"), ("item", "Second item")])),
                ]
            ),
            "action-publish": "publish",
        }
    )

    response = editor.post(f"/cms/pages/{page.pk}/edit/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    body = client.get("/services/").content.decode()
    assert "Stabilise first, then long-term support." in body
    assert "<h2>A new section</h2>" in body
    assert "<li>Second item</li>" in body


def test_cms_refuses_a_second_page_for_the_same_point(editor):
    home = HomePage.objects.get()
    data = nested_form_data(
        {
            "title": "Community again",
            "slug": "community-again",
            "point": Point.COMMUNITY,
            "summary": "Duplicate.",
            "body": streamfield([]),
            "action-publish": "publish",
        }
    )

    editor.post(f"/cms/pages/add/pages/pointpage/{home.pk}/", data)

    assert PointPage.objects.filter(point=Point.COMMUNITY).count() == 1


def test_advocate_cannot_open_the_cms(client, login, personas):
    login(client, personas.advocate)

    response = client.get(f"/cms/pages/{PointPage.objects.first().pk}/edit/")

    assert response.status_code in {302, 403}


def test_cms_makes_no_third_party_requests(client, personas, login):
    from django.test import Client

    coordinator = login(Client(), personas.coordinator)
    body = coordinator.get("/cms/").content.decode()
    assert "gravatar.com" not in body
