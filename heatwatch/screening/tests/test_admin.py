"""The admin screens: administrators only; a draft's definition is checked with line and
field; a version in use is read-only."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from heatwatch.screening import services
from heatwatch.screening.models import QuestionnaireVersion

pytestmark = pytest.mark.django_db


def test_admin_loads_a_draft_and_names_line_and_field(personas, login, questionnaire):
    client = login(Client(), personas.administrator)
    assert client.get("/staff/admin/screening/questionnaireversion/").status_code == 200
    data = json.loads(services.DEFAULT_QUESTIONNAIRE.read_text())
    data["version"] = 2
    data["rules"][0]["level"] = "severe"
    text = json.dumps(data, indent=2)
    bad = client.post("/staff/admin/screening/questionnaireversion/add/", {"definition_text": text})
    assert bad.status_code == 200
    line = next(n for n, t in enumerate(text.splitlines(), 1) if '"severe"' in t)
    assert f"line {line}, field &quot;rules[0].level&quot;" in bad.content.decode()
    data["rules"][0]["level"] = "clear"
    good = client.post(
        "/staff/admin/screening/questionnaireversion/add/", {"definition_text": json.dumps(data)}
    )
    assert good.status_code == 302
    draft = QuestionnaireVersion.objects.get(number=2)
    assert draft.status == "draft"
    # in use: read-only
    page = client.get(f"/staff/admin/screening/questionnaireversion/{questionnaire.pk}/change/")
    assert page.status_code == 200 and 'name="definition_text"' not in page.content.decode()


def test_admin_screens_are_for_administrators_only(personas, login):
    client = login(Client(), personas.coordinator)
    assert client.get("/staff/admin/screening/screener/").status_code in (302, 403)
