"""Comparisons, blocking and EM training of the matching engine (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from heatwatch.identity import engine, synth
from heatwatch.identity.batch import Records, dedupe
from heatwatch.identity.names import (
    blocking_keys,
    features_of,
    fold,
    nickname_groups,
    same_nickname_group,
)


def levels_of(a: dict, b: dict) -> dict[str, str]:
    vocabulary = engine.Vocabulary()
    left = engine.Table([features_of(**a)], vocabulary=vocabulary)
    right = engine.Table([features_of(**b)], vocabulary=vocabulary)
    levels = engine.compare(left, right, np.array([0]), np.array([0]))[0]
    return {
        name: engine.COMPARISONS[name][level]
        for name, level in zip(engine.NAMES, levels, strict=True)
    }


def test_fold_drops_accents_case_and_punctuation():
    assert fold("  José-María O'Neil ") == "jose maria oneil"


def test_nickname_table_ships_and_links_short_forms():
    assert "jess" in nickname_groups()
    assert same_nickname_group("jess", "jessica")
    assert same_nickname_group("lupe", "guadalupe")
    assert not same_nickname_group("jessica", "maria")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2010-05-04", "2010-05-04", "exact"),
        ("2010-05-04", "2010-04-05", "day and month swapped"),
        ("2010-05-14", "2010-05-41", None),  # not a date: parse error, tested below
        ("2010-05-12", "2010-05-21", "one digit wrong or transposed"),
        ("2010-05-04", "2010-05-07", "one digit wrong or transposed"),
        ("2009-05-04", "2010-05-04", "year off by one"),
        ("2010-05-04", "2010-05-30", "within 30 days"),
        ("2010-05-04", "2012-11-20", "different"),
        ("2010-05-04", "", "missing"),
    ],
)
def test_date_of_birth_levels(a, b, expected):
    if expected is None:
        with pytest.raises(ValueError):
            features_of(dob=b)
        return
    assert levels_of({"dob": a}, {"dob": b})["dob"] == expected


def test_transposed_day_digits_are_one_edit():
    assert levels_of({"dob": "2010-05-13"}, {"dob": "2010-05-31"})["dob"] != "different"


def test_nickname_alias_and_swapped_names():
    assert levels_of({"given_name": "Jess"}, {"given_name": "Jessica"})["given_name"] == (
        "nickname of the same name"
    )
    street = levels_of(
        {"given_name": "Jessica", "aliases": "Sky"}, {"given_name": "Sky", "family_name": "Ruiz"}
    )
    assert street["given_name"] == "alias, street name or swapped with family name"
    swapped = levels_of(
        {"given_name": "Reyes", "family_name": "Jasmine"},
        {"given_name": "Jasmine", "family_name": "Reyes"},
    )
    assert swapped["given_name"].startswith("alias")
    assert swapped["family_name"].startswith("shares a part")
    assert levels_of({"given_name": "Jasmine"}, {"given_name": "Jasmien"})["given_name"] == (
        "close spelling"
    )
    assert levels_of({"given_name": "Maria"}, {"given_name": "Tariq"})["given_name"] == "different"
    double = levels_of({"family_name": "Garcia Lopez"}, {"family_name": "Garcia"})
    assert double["family_name"].startswith("shares a part")


def test_phone_postcode_and_missing_fields():
    result = levels_of(
        {"phone": "(510) 555-0142", "postcode": "94901"},
        {"phone": "5105550142", "postcode": "94903"},
    )
    assert result["phone"] == "exact"
    assert result["postcode"] == "same area"
    assert result["city"] == "missing"


def test_one_wrong_field_still_shares_a_blocking_key():
    base = {
        "given_name": "Jessica",
        "family_name": "Ruiz",
        "dob": "2010-05-04",
        "postcode": "94901",
    }
    for change in (
        {"dob": ""},
        {"family_name": ""},
        {"given_name": "Jess"},
        {"dob": "2011-05-04"},
        {"dob": "2010-04-05"},
    ):
        other = {**base, **change}
        assert blocking_keys(features_of(**base)) & blocking_keys(features_of(**other)), change


def test_dedupe_pairs_are_unique_and_ordered():
    keys = [{"a", "b"}, {"a", "b"}, {"b"}, {"c"}]
    li, ri = engine.dedupe_pairs(keys)
    assert sorted(zip(li.tolist(), ri.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2)]


def _synthetic(n: int) -> tuple[Records, dict[str, str]]:
    records = Records()
    truth = {}
    for row, cluster in synth.generate(n, seed=3):
        records.ids.append(row["record_id"])
        records.features.append(
            features_of(**{k: v for k, v in row.items() if k not in ("record_id", "source")})
        )
        truth[row["record_id"]] = cluster
    return records, truth


def test_em_training_converges_and_learns_sensible_weights():
    records, _ = _synthetic(3000)
    table = engine.table_from_features(records.features, engine.Vocabulary())
    model = engine.train(table, table)
    assert model.converged
    weights = model.weights()
    dob = engine.NAMES.index("dob")
    given = engine.NAMES.index("given_name")
    assert weights[dob, 6] > 5  # an exact date is strong evidence
    assert weights[dob, 1] < 0  # a different date counts against
    assert weights[given, 5] > 0  # a nickname counts for
    assert 0 < model.lam < 0.01
    again = engine.Model.from_json(model.to_json())
    assert again.m == model.m
    assert "jess" not in model.to_json().lower()  # parameters only, no names


def test_dedupe_finds_most_true_pairs_with_few_false_ones():
    records, truth = _synthetic(3000)
    result = dedupe(records, threshold=0.5)
    pairs = list(zip(result.li.tolist(), result.ri.tolist(), strict=True))
    correct = sum(truth[records.ids[i]] == truth[records.ids[j]] for i, j in pairs)
    assert correct / len(pairs) > 0.85


def test_model_with_other_comparisons_is_refused():
    with pytest.raises(ValueError):
        engine.Model.from_json('{"format": "heatwatch.identity.model.v1", "comparisons": {}}')
    with pytest.raises(ValueError):
        engine.Model.from_json('{"format": "other"}')
