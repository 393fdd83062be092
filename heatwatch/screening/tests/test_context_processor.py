import pytest
from django.test import RequestFactory

from heatwatch.screening.context_processors import screening


@pytest.mark.django_db
def test_may_screen_for_grants_and_roles(personas, teacher):
    request = RequestFactory().get("/staff/")
    for user, expected in [(teacher, True), (personas.advocate, True), (personas.officer, False)]:
        request.user = user
        assert screening(request) == {"may_screen": expected}
