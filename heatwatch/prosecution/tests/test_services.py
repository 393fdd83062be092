"""Prosecution services: stage order, statute codes, versioned edits, encryption."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection

from heatwatch.lib.versioning import StaleEdit
from heatwatch.prosecution import services, statutes
from heatwatch.prosecution.models import Charge, Prosecution, Stage, StageDate
from heatwatch.prosecution.tests.conftest import open_prosecution


def _stage(p, stage, on):
    p.refresh_from_db()
    return services.stage_record(
        prosecution=p, by=p.prosecutor, stage=stage, on=on, version=p.version
    )


def test_stages_run_in_order_and_may_be_skipped(personas, prosecution):
    _stage(prosecution, Stage.CHARGED, date(2026, 9, 10))
    p = _stage(prosecution, Stage.PLEA, date(2026, 10, 1))  # arraignment … trial skipped
    assert p.stage == Stage.PLEA
    # filling in a skipped stage in between keeps the latest as the stage
    p = _stage(prosecution, Stage.ARRAIGNMENT, date(2026, 9, 15))
    assert p.stage == Stage.PLEA


def test_stage_date_before_an_earlier_stage_is_refused_and_nothing_saved(personas, prosecution):
    _stage(prosecution, Stage.CHARGED, date(2026, 9, 10))
    with pytest.raises(services.ProsecutionError) as refused:
        _stage(prosecution, Stage.ARRAIGNMENT, date(2026, 9, 5))
    assert "Arraignment (2026-09-05) cannot come before Charged (2026-09-10)" in str(refused.value)
    prosecution.refresh_from_db()
    assert prosecution.stage == Stage.CHARGED
    assert not StageDate.objects.filter(stage=Stage.ARRAIGNMENT).exists()


def test_correcting_an_earlier_stage_past_a_later_one_is_refused(personas, prosecution):
    _stage(prosecution, Stage.CHARGED, date(2026, 9, 10))
    with pytest.raises(services.ProsecutionError):
        _stage(prosecution, Stage.INVESTIGATION, date(2026, 9, 20))
    assert StageDate.objects.get(stage=Stage.INVESTIGATION).on == date(2026, 9, 1)


def test_a_stage_date_cannot_be_in_the_future(personas, prosecution):
    with pytest.raises(services.ProsecutionError):
        _stage(prosecution, Stage.CHARGED, date(2999, 1, 1))


def test_closing_needs_the_outcome(personas, prosecution):
    with pytest.raises(services.ProsecutionError, match="outcome"):
        _stage(prosecution, Stage.CLOSED, date(2026, 11, 1))


def test_stale_stage_form_saves_nothing(personas, prosecution):
    old = prosecution.version
    _stage(prosecution, Stage.CHARGED, date(2026, 9, 10))
    with pytest.raises(StaleEdit):
        services.stage_record(
            prosecution=prosecution,
            by=personas.prosecutor,
            stage=Stage.ARRAIGNMENT,
            on=date(2026, 9, 12),
            version=old,
        )
    assert not StageDate.objects.filter(stage=Stage.ARRAIGNMENT).exists()


def test_unknown_statute_code_is_refused(personas, prosecution):
    with pytest.raises(services.ProsecutionError, match="Unknown statute code “PC 999”"):
        services.charge_add(prosecution=prosecution, by=personas.prosecutor, statute="PC 999")
    assert not Charge.objects.exists()


def test_known_code_matches_without_case_or_spacing_and_takes_its_description(
    personas, prosecution
):
    charge = services.charge_add(
        prosecution=prosecution, by=personas.prosecutor, statute="pc  236.1(C)", counts=2
    )
    assert charge.statute == "PC 236.1(c)"
    assert charge.description == "Human trafficking of a minor for a commercial sex act"
    assert charge.counts == 2


def test_the_statute_list_is_configurable(personas, prosecution, settings, tmp_path):
    listed = tmp_path / "statutes.txt"
    listed.write_text("# ours\nRCW 9A.40.100 | Trafficking\n", encoding="utf-8")
    settings.HEATWATCH_PROSECUTION_STATUTES_FILE = str(listed)
    services.charge_add(prosecution=prosecution, by=personas.prosecutor, statute="rcw 9a.40.100")
    with pytest.raises(services.ProsecutionError):
        services.charge_add(prosecution=prosecution, by=personas.prosecutor, statute="PC 266h(b)")


def test_a_malformed_statute_file_names_its_line():
    with pytest.raises(statutes.StatuteFileError, match=re.escape("line 3: expected 'CODE |")):
        statutes.parse("# comment\nPC 1 | One\nPC 2 without a bar\n", name="list")
    with pytest.raises(statutes.StatuteFileError, match="line 2: pc 1 is listed twice"):
        statutes.parse("PC 1 | One\npc 1 | Again\n", name="list")


def test_defendant_details_are_encrypted_at_rest(personas, prosecution):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT defendant_name, defendant_aliases FROM prosecution_prosecution WHERE id = %s",
            [prosecution.pk],
        )
        name, aliases = cursor.fetchone()
    assert "Derek" not in name and name.startswith("hw1$")
    assert "D-Money" not in aliases
    assert Prosecution.objects.get().defendant_name == "Derek Synthman"


def test_assignees_must_belong_to_the_office(personas):
    with pytest.raises(services.ProsecutionError, match="advocate"):
        open_prosecution(personas, advocate=personas.advocate)  # an advocate of a provider


def test_update_is_versioned(personas, prosecution):
    defendant = services.DefendantInput(name="Derek Synthman", role="buyer")
    kwargs = dict(
        prosecution=prosecution,
        by=personas.prosecutor,
        defendant=defendant,
        prosecutor=personas.prosecutor,
        advocate=None,
        outcome="",
        sentence="",
    )
    services.prosecution_update(version=prosecution.version, **kwargs)
    with pytest.raises(StaleEdit):
        services.prosecution_update(version=prosecution.version, **{**kwargs, "sentence": "x"})
    prosecution.refresh_from_db()
    assert prosecution.defendant_role == "buyer" and prosecution.sentence == ""
