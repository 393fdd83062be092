"""The matching engine: blocking, graded comparisons, a Fellegi–Sunter model trained by EM.

Records are held column-wise (:class:`Table`) and pairs are compared many at a time with numpy
and rapidfuzz, so the same code scores ten candidates at intake and ten million pairs in a batch
dedupe. See docs/identity.md for the model, its levels and how it is trained.

By concept; ``from heatwatch.identity import engine`` gives them all. Imports point one way,
``table`` ← ``comparison`` ← ``blocking`` / ``scoring`` ← ``training``:

- ``table``: the vocabulary of string codes, records as columns, name-token sets, term
  frequencies, the array types.
- ``comparison``: the comparisons and their levels, and :func:`compare`.
- ``blocking``: the pairs that share a blocking key, block caps.
- ``scoring``: the model, match weights and probabilities, reasons, the shipped model's path.
- ``training``: u from random pairs, m and λ by EM, refinement with reviewed pairs.
"""

from __future__ import annotations

from heatwatch.identity.engine.blocking import (
    BLOCK_CAPS,
    DEFAULT_MAX_BLOCK,
    dedupe_pairs,
    link_pairs,
    unique_ints,
)
from heatwatch.identity.engine.comparison import (
    COMPARISONS,
    LABELS,
    NAMES,
    PARALLEL_PAIRS,
    TF_COMPARISONS,
    compare,
)
from heatwatch.identity.engine.scoring import (
    Model,
    ProgressFn,
    default_model_path,
    match_weights,
    probabilities,
    reasons,
    score_pairs,
)
from heatwatch.identity.engine.table import (
    FloatArray,
    IntArray,
    Table,
    TokenSets,
    Vocabulary,
    table_from_features,
    term_frequencies,
)
from heatwatch.identity.engine.training import (
    LABEL_PRIOR_PAIRS,
    MIN_LABELS,
    LabelFit,
    estimate_u,
    expectation_maximisation,
    refine_with_labels,
    train,
)

__all__ = [
    "BLOCK_CAPS",
    "COMPARISONS",
    "DEFAULT_MAX_BLOCK",
    "FloatArray",
    "IntArray",
    "LABELS",
    "LABEL_PRIOR_PAIRS",
    "LabelFit",
    "MIN_LABELS",
    "Model",
    "NAMES",
    "PARALLEL_PAIRS",
    "ProgressFn",
    "TF_COMPARISONS",
    "Table",
    "TokenSets",
    "Vocabulary",
    "compare",
    "dedupe_pairs",
    "default_model_path",
    "estimate_u",
    "expectation_maximisation",
    "link_pairs",
    "match_weights",
    "probabilities",
    "reasons",
    "refine_with_labels",
    "score_pairs",
    "table_from_features",
    "term_frequencies",
    "train",
    "unique_ints",
]
