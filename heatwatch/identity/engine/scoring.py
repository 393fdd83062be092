"""The Fellegi–Sunter model and scoring: :class:`Model` (m, u, the prior λ, term-frequency
rates; saved as JSON), match weights and probabilities of compared pairs, the reasons shown for a
candidate, and the path of the model that ships with heatwatch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from heatwatch.identity.engine.comparison import (
    _BITS,
    COMPARISONS,
    LABELS,
    NAMES,
    TF_COMPARISONS,
    compare,
)
from heatwatch.identity.engine.table import FloatArray, IntArray, Table

_TF_CLIP = (-6.0, 8.0)  # bits: a very common or very rare name moves the score this much at most


@dataclass
class Model:
    """Fellegi–Sunter parameters: m and u per comparison level, and the prior λ.

    ``lam`` is the share of matches among *blocked* pairs (the only pairs ever scored).
    ``tf_u`` holds, for the name comparisons, the chance that two random records agree exactly;
    an exact agreement on a value of frequency ``p`` adds ``log2(tf_u / p)`` to the weight
    (term-frequency adjustment: "Maria" counts for less than "Xiomara").
    """

    lam: float
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    tf_u: dict[str, float] = field(default_factory=dict)
    iterations: int = 0
    converged: bool = False
    trained_on: str = ""
    records: int = 0  # how many records it was trained on (see realtime_prior)

    def weights(self) -> FloatArray:
        """log2(m/u) per comparison (rows) and level (columns); 0 for "missing"."""
        table = np.zeros((len(NAMES), 1 << _BITS))
        for c, name in enumerate(NAMES):
            for level in range(1, len(COMPARISONS[name])):
                m = max(self.m[name][level], 1e-9)
                u = max(self.u[name][level], 1e-9)
                table[c, level] = math.log2(m / u)
        return table

    def to_json(self) -> str:
        """Serialise (parameters only: no names, no data)."""
        return json.dumps(
            {
                "format": "heatwatch.identity.model.v1",
                "comparisons": {name: list(levels) for name, levels in COMPARISONS.items()},
                "lam": self.lam,
                "m": self.m,
                "u": self.u,
                "tf_u": self.tf_u,
                "iterations": self.iterations,
                "converged": self.converged,
                "trained_on": self.trained_on,
                "records": self.records,
            },
            indent=1,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Model:
        """Load a model saved by :meth:`to_json`; ValueError if it does not fit this engine."""
        data = json.loads(text)
        if data.get("format") != "heatwatch.identity.model.v1":
            raise ValueError("not a heatwatch identity model (format v1)")
        if data.get("comparisons") != {k: list(v) for k, v in COMPARISONS.items()}:
            raise ValueError("the model was trained with other comparisons; train it again")
        return cls(
            lam=float(data["lam"]),
            m={k: [float(x) for x in v] for k, v in data["m"].items()},
            u={k: [float(x) for x in v] for k, v in data["u"].items()},
            tf_u={k: float(v) for k, v in data.get("tf_u", {}).items()},
            iterations=int(data.get("iterations", 0)),
            converged=bool(data.get("converged", False)),
            trained_on=str(data.get("trained_on", "")),
            records=int(data.get("records", 0)),
        )

    def realtime_prior(self, stored: int) -> float:
        """The chance that one stored record is the youth looked up, in a register of ``stored``.

        λ is "matches per pair" of the training data; λ × its size is how many other records
        one youth has on average, spread over the ``stored`` records now in the register.
        Capped at 1%: a small register must not make a thin resemblance look likely.
        """
        if self.records <= 0 or stored <= 0:
            return self.lam
        return min(self.lam * self.records / stored, 0.01)

    def save(self, path: Path) -> None:
        """Write the model to ``path``."""
        path.write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Model:
        """Read a model from ``path``."""
        return cls.from_json(path.read_text(encoding="utf-8"))


def match_weights(
    model: Model,
    levels: IntArray,
    *,
    left_tf: FloatArray | None,
    right_tf: FloatArray | None,
    lam: float | None = None,
) -> FloatArray:
    """The match weight (log2 odds) of each pair, with term-frequency adjustments.

    ``left_tf``/``right_tf`` are (pairs × 2) arrays of the given- and family-name frequencies
    of each side, or None to skip the adjustment.
    """
    table = model.weights()
    prior_p = model.lam if lam is None else lam
    prior = math.log2(prior_p / (1 - prior_p))
    total = np.full(len(levels), prior)
    for c in range(len(NAMES)):
        total += table[c, levels[:, c]]
    if left_tf is not None and right_tf is not None:
        for k, name in enumerate(TF_COMPARISONS):
            c = NAMES.index(name)
            exact = levels[:, c] == len(COMPARISONS[name]) - 1
            base = model.tf_u.get(name, 0.0)
            freq = np.maximum(left_tf[:, k], right_tf[:, k])
            use = exact & (freq > 0) & (base > 0)
            if use.any():
                adjust = np.log2(base / freq[use])
                total[use] += np.clip(adjust, *_TF_CLIP)
    return total


def probabilities(weights: FloatArray) -> FloatArray:
    """Match probability from match weight."""
    return 1.0 / (1.0 + np.exp2(-np.clip(weights, -60, 60)))


def score_pairs(
    model: Model,
    left: Table,
    right: Table,
    li: IntArray,
    ri: IntArray,
    *,
    lam: float | None = None,
) -> tuple[IntArray, FloatArray]:
    """Levels and match probability of each pair (``lam`` overrides the model's prior)."""
    levels = compare(left, right, li, ri)
    ltf = np.stack([left.given_tf[li], left.family_tf[li]], axis=1)
    rtf = np.stack([right.given_tf[ri], right.family_tf[ri]], axis=1)
    weights = match_weights(model, levels, left_tf=ltf, right_tf=rtf, lam=lam)
    return levels, probabilities(weights)


def reasons(levels: Sequence[int]) -> list[tuple[str, str, bool]]:
    """(field label, level label, agrees?) for one pair's levels, missing fields left out."""
    out: list[tuple[str, str, bool]] = []
    for name, level in zip(NAMES, levels, strict=True):
        if level == 0:
            continue
        out.append((LABELS[name], COMPARISONS[name][level], level >= 2))
    return out


def default_model_path() -> Path:
    """The model that ships with heatwatch (trained on the synthetic generator's data)."""
    # heatwatch/identity/data/: beside the engine package, not inside it.
    return Path(__file__).parent.parent / "data" / "model.json"


ProgressFn = Callable[[str, float], None]
