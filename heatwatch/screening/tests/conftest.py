"""Helpers for the screening tests: the teacher persona (a professional with a screening grant
and no other role), the default questionnaire loaded through the real service."""

from __future__ import annotations

import pytest

from heatwatch.accounts import services as account_services
from heatwatch.accounts.models import OrganisationType
from heatwatch.conftest import make_user
from heatwatch.screening import services
from heatwatch.screening.models import Screener

ALL_NO = {
    "older-partner": "no",
    "speaks-for": "no",
    "fearful": "never",
    "new-things": "no",
    "exchange": "no",
    "online": "no",
    "substances": "no",
    "runs-away": "no",
    "absent": "no",
    "branding": "no",
    "health-visits": "no",
}


def answers(**changes: str) -> dict[str, str]:
    return {**ALL_NO, **{k.replace("_", "-"): v for k, v in changes.items()}}


@pytest.fixture
def school(db):
    return account_services.organisation_create(
        name="Test Middle School", type=OrganisationType.SCHOOL, by=None
    )


@pytest.fixture
def teacher(school):
    """A teacher: an account with a screening grant for the school, no membership role."""
    user = make_user("teacher")
    Screener.objects.create(user=user, organisation=school)
    return user


@pytest.fixture
def questionnaire(db):
    version, _ = services.questionnaire_load(
        text=services.DEFAULT_QUESTIONNAIRE.read_text(), by=None
    )
    return version


def start(teacher, school, questionnaire, **kwargs):
    return services.screening_start(
        by=teacher, version=questionnaire, organisation=school, **kwargs
    )


def complete(result, by, values):
    return services.screening_complete(
        result=result,
        by=by,
        data=services.DraftInput(answers=values, youth_label="J.R.", youth_age=15),
        version=result.version,
    )
