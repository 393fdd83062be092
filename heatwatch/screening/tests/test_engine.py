"""The scoring engine and the file format: every scoring branch, every kind of bad file."""

from __future__ import annotations

import json

import pytest

from heatwatch.screening import engine, services

from .conftest import ALL_NO, answers


@pytest.fixture(scope="module")
def definition():
    return engine.load_text(services.DEFAULT_QUESTIONNAIRE.read_text())


def test_default_questionnaire_is_bilingual(definition):
    texts = [definition.title, definition.description]
    for section in definition.sections:
        texts.append(section.title)
        for item in section.items:
            texts.append(item.text)
            texts += [c.label for c in item.choices]
    texts += [r.next_step for r in definition.rules] + [i.label for i in definition.indicators]
    assert all(t.en and t.es for t in texts)
    assert definition.title.get("es").startswith("Evaluación")
    assert not definition.licensed


def test_all_no_is_no_concern(definition):
    s = engine.score(definition, ALL_NO)
    assert (s.score, s.level, s.rule_index, s.unanswered, s.unknown) == (0, "none", 3, (), 0)


def test_yes_adds_the_indicator_weight_and_possible_threshold(definition):
    s = engine.score(definition, answers(older_partner="yes", absent="yes"))  # 3 + 1
    assert (s.score, s.level) == (4, "possible")
    assert s.positive_indicators == ("older_partner", "school")
    assert "designated lead" in s.next_step.get("en")


def test_just_under_the_possible_threshold_is_no_concern(definition):
    s = engine.score(definition, answers(older_partner="yes"))  # 3
    assert (s.score, s.level) == (3, "none")


def test_choice_adds_weight_times_factor(definition):
    s = engine.score(definition, answers(fearful="sometimes", runs_away="once"))  # 2.5 + 1.5
    assert (s.score, s.level) == (4, "possible")


def test_score_threshold_gives_clear_concern(definition):
    # 5 + 5 (controlled twice) = 10, no "exchange"
    s = engine.score(definition, answers(speaks_for="yes", fearful="often"))
    assert (s.score, s.level, s.rule_index) == (10, "clear", 1)


def test_any_of_indicator_gives_clear_concern_whatever_the_score(definition):
    s = engine.score(definition, answers(exchange="yes"))
    assert (s.score, s.level, s.rule_index) == (6, "clear", 0)
    assert "911" in s.next_step.get("en") and "911" in s.next_step.get("es")


def test_unknown_adds_nothing_and_is_counted(definition):
    s = engine.score(definition, answers(exchange="unknown", fearful="unknown"))
    assert (s.score, s.level, s.unknown) == (0, "none", 2)


def test_unanswered_and_foreign_answers(definition):
    s = engine.score(definition, {"exchange": "yes", "bogus": "yes", "absent": "maybe"})
    assert s.level == "clear"
    assert "absent" in s.unanswered and len(s.unanswered) == 10
    assert engine.clean_answers(definition, {"bogus": "yes", "absent": "maybe"}) == {}


def test_no_rule_holding_is_an_error():
    data = _minimal()
    data["rules"] = [{"level": "clear", "min_score": 5, "next_step": "x"}]
    with pytest.raises(engine.DefinitionError, match="last rule must have no condition"):
        engine.parse_definition(data)


def _minimal():
    return {
        "format": engine.FORMAT,
        "slug": "mini",
        "version": 1,
        "title": "Mini",
        "indicators": [{"code": "a", "label": "A", "weight": 1}],
        "sections": [
            {
                "key": "s",
                "title": "S",
                "items": [{"key": "q", "kind": "yes_no_unknown", "indicator": "a", "text": "Q?"}],
            }
        ],
        "rules": [{"level": "none", "next_step": "Nothing"}],
    }


def _text(data) -> str:
    return json.dumps(data, indent=2)


def test_malformed_json_names_the_line():
    with pytest.raises(engine.DefinitionError) as e:
        engine.load_text('{\n  "slug": "x",\n  "version": 1,\n}\n')
    assert e.value.line == 4 and "line 4" in str(e.value)


def test_wrong_type_names_line_and_field():
    data = _minimal()
    data["sections"][0]["items"][0]["kind"] = "scale"
    text = _text(data)
    with pytest.raises(engine.DefinitionError) as e:
        engine.load_text(text)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if '"scale"' in t)
    assert (e.value.line, e.value.field) == (line, "sections[0].items[0].kind")
    assert f'line {line}, field "sections[0].items[0].kind"' in str(e.value)


def test_missing_field_and_unknown_indicator_all_reported():
    data = _minimal()
    del data["indicators"][0]["weight"]
    data["sections"][0]["items"][0]["indicator"] = "zzz"
    with pytest.raises(engine.DefinitionError) as e:
        engine.load_text(_text(data))
    fields = [p.field for p in e.value.all]
    assert fields == ["indicators[0].weight", "sections[0].items[0].indicator"]
    assert all(p.line for p in e.value.all)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(format="other/1"), "format"),
        (lambda d: d.update(version="one"), "version"),
        (lambda d: d.update(slug="Not A Slug"), "slug"),
        (lambda d: d["indicators"][0].update(weight=500), "indicators[0].weight"),
        (lambda d: d["indicators"][0].update(weight=True), "indicators[0].weight"),
        (lambda d: d["rules"][0].update(level="severe"), "rules[0].level"),
        (lambda d: d.update(licensed=True), "licence_note"),
        (
            lambda d: d["sections"][0]["items"][0].update(kind="choice", choices=[]),
            "sections[0].items[0].choices",
        ),
        (
            lambda d: d["sections"][0]["items"].append(dict(d["sections"][0]["items"][0])),
            "sections[0].items[1].key",
        ),
    ],
)
def test_each_bad_field_is_named(change, field):
    data = _minimal()
    change(data)
    with pytest.raises(engine.DefinitionError) as e:
        engine.load_text(_text(data))
    assert field in [p.field for p in e.value.all]


def test_file_too_large_is_refused():
    with pytest.raises(engine.DefinitionError, match="larger than"):
        engine.load_text(" " * (engine.MAX_FILE_BYTES + 1))
