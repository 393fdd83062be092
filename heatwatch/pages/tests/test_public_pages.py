"""The public pages: content from the data migration, the chrome around it, both languages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from wagtail.models import Page, Site

from heatwatch.pages.models import HomePage, Point, PointPage

pytestmark = pytest.mark.django_db

PROGRAM = settings.HEATWATCH_PROGRAM
POINT_PATHS = ["/community/", "/law-enforcement/", "/prosecution/", "/policy/", "/services/"]
PUBLIC_PATHS = ["/", *POINT_PATHS]
EMERGENCY = "If a youth is in immediate danger, call 911."


def html(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_page_shows_tip_line_and_911(client, path):
    response = client.get(path)

    assert response.status_code == 200
    body = html(response)
    assert PROGRAM["tipline_phone"] in body
    assert 'href="tel:15550100"' in body
    assert EMERGENCY in body


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_page_has_one_h1_and_the_landmarks(client, path):
    body = html(client.get(path))

    assert body.count("<h1") == 1
    assert '<html lang="en">' in body
    assert 'href="#main-content"' in body
    for landmark in ("<header", "<nav", '<main id="main-content"', "<footer"):
        assert landmark in body


def test_default_site_root_is_the_home_page_and_the_welcome_page_is_gone():
    site = Site.objects.get(is_default_site=True)

    home = site.root_page.specific
    assert isinstance(home, HomePage)
    assert home.slug == "home"
    assert home.depth == 2
    assert not Page.objects.filter(title__startswith="Welcome to your new Wagtail site").exists()
    assert Page.find_problems() == ([], [], [], [], [])


def test_there_is_one_live_point_page_per_point_under_home():
    home = HomePage.objects.get()

    points = list(home.point_pages())

    assert [page.point for page in points] == list(Point.values)
    assert [page.slug for page in points] == [path.strip("/") for path in POINT_PATHS]
    assert all(page.depth == 3 and page.summary and page.body for page in points)


def test_home_page_lists_the_five_points_with_links(client):
    body = html(client.get("/"))

    for path in POINT_PATHS:
        assert f'href="{path}"' in body
    assert "The five points of our response" in body


def test_unpublished_point_page_leaves_navigation_and_overview(client):
    PointPage.objects.get(point=Point.POLICY).unpublish()

    body = html(client.get("/"))

    assert 'href="/policy/"' not in body
    assert client.get("/policy/").status_code == 404


def test_footer_has_contact_email_and_staff_sign_in(client):
    body = html(client.get("/"))

    assert f'href="mailto:{PROGRAM["contact_email"]}"' in body
    assert 'href="/staff/"' in body
    assert "Staff sign in" in body


def test_current_page_is_marked_in_navigation(client):
    body = html(client.get("/services/"))

    assert 'href="/services/" class="usa-nav-link usa-current" aria-current="page"' in body


def test_home_page_needs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get("/")


def test_second_point_page_for_the_same_point_is_rejected():
    from django.core.exceptions import ValidationError

    duplicate = PointPage(title="Community again", slug="community-2", point=Point.COMMUNITY)

    with pytest.raises(ValidationError) as excinfo:
        duplicate.clean()
    assert "point" in excinfo.value.message_dict


def test_staff_login_uses_our_look_not_a_cdn(client):
    response = client.get(reverse("two_factor:login"))

    assert response.status_code == 200
    body = html(response)
    assert "cdnjs" not in body
    assert "uswds/css/uswds.min.css" in body
    assert 'class="usa-label" for="id_auth-username"' in body
    assert 'class="usa-label" for="id_auth-password"' in body
    assert 'class="usa-input"' in body
