"""Statistical disclosure control for the public data page: small-cell suppression with
complementary suppression chosen by integer programming, and the attacker who tries to undo it.

Pure Python over numpy/scipy (no Django), so it can be tested on synthetic tables. The rule it
enforces, in words (docs/insights.md, "The disclosure rule"):

* Every published count is 0 or at least ``K`` (11); a count from 1 to 10 is suppressed
  (*primary* suppression).
* An attacker who knows every value ever published (every table of every published snapshot,
  their totals, that counts are whole numbers from 0 to ``BOUND``, and that a service count is
  at most its year's total) must not be able to narrow a suppressed small count to an interval
  that excludes 0 or excludes every value of ``K`` or more, and must not pin any suppressed
  cell to a single value. The same holds for the *difference* of one cell between two
  snapshots (the differencing attack): a change from 1 to 10 must not be learnable.

The data model is a set of **variables** (one per cell, or per cell *and* snapshot when the cell
is not frozen), each with its true value and a state (published, suppressed, or open: to be
decided now), linear **relations** between them (a total is the sum of its parts; a part is at
most its total) and **pairs** (one cell in two snapshots, whose difference is protected).

:func:`protect` decides the open variables: it forces primary suppressions, then solves a
master integer programme (``scipy.optimize.milp``, HiGHS) that minimises the information lost
subject to *cuts*; each cut comes from the dual of an attacker's linear programme that found a
protection requirement unmet (Fischetti and Salazar's exact model, solved by cut generation),
until no requirement is violated; then the integer attacker (:func:`attack`) checks the result
and, should it find anything the linear one missed, one more cell is forced in and the loop
goes on. :func:`attack` and :func:`check` are the attacker test used before publishing and in CI.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix

K = 11  #: the threshold: published counts are 0 or at least K
BOUND = 100_000  #: what the attacker assumes at most any count can be
_EPS = 1e-6

PUBLISHED = "published"
SUPPRESSED = "suppressed"
OPEN = "open"


class DisclosureError(Exception):
    """The published record cannot be protected (or the problem is malformed)."""


@dataclass(frozen=True)
class Var:
    id: str
    value: int
    state: str = OPEN


@dataclass(frozen=True)
class Relation:
    """``eq``: the parts add up to the total; ``le``: each part is at most the total."""

    total: str
    parts: tuple[str, ...]
    kind: str = "eq"


@dataclass
class Problem:
    vars: dict[str, Var]
    relations: list[Relation] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (older, newer)
    cheaper: frozenset[str] = frozenset()  # open variables suppressed the previous time

    def __post_init__(self) -> None:
        for rel in self.relations:
            for name in (rel.total, *rel.parts):
                if name not in self.vars:
                    raise DisclosureError(f"relation names an unknown variable {name}")
            if rel.kind not in ("eq", "le"):
                raise DisclosureError(f"unknown relation kind {rel.kind}")
        for a, b in self.pairs:
            if a not in self.vars or b not in self.vars:
                raise DisclosureError("pair names an unknown variable")


def is_small(value: int) -> bool:
    """A count the rule never publishes: 1 to K - 1 (negative for differences too)."""
    return 0 < abs(value) < K


# --- the linear system the attacker knows ----------------------------------------------------


@dataclass
class _System:
    ids: list[str]
    index: dict[str, int]
    values: np.ndarray
    a_eq: csr_matrix
    a_ub: csr_matrix
    h_ub: np.ndarray  # right-hand side of a_ub in z = x - value space


def _system(problem: Problem) -> _System:
    ids = list(problem.vars)
    index = {name: i for i, name in enumerate(ids)}
    values = np.array([problem.vars[name].value for name in ids], dtype=float)
    eq_rows: list[int] = []
    eq_cols: list[int] = []
    eq_vals: list[float] = []
    ub_rows: list[int] = []
    ub_cols: list[int] = []
    ub_vals: list[float] = []
    h: list[float] = []
    n_eq = 0
    for rel in problem.relations:
        t = index[rel.total]
        if rel.kind == "eq":
            for part in rel.parts:
                eq_rows.append(n_eq)
                eq_cols.append(index[part])
                eq_vals.append(1.0)
            eq_rows.append(n_eq)
            eq_cols.append(t)
            eq_vals.append(-1.0)
            n_eq += 1
        else:
            for part in rel.parts:
                p = index[part]
                row = len(h)
                ub_rows += [row, row]
                ub_cols += [p, t]
                ub_vals += [1.0, -1.0]
                h.append(values[t] - values[p])
    n = len(ids)
    a_eq = csr_matrix((eq_vals, (eq_rows, eq_cols)), shape=(n_eq, n))
    a_ub = csr_matrix((ub_vals, (ub_rows, ub_cols)), shape=(len(h), n))
    return _System(ids, index, values, a_eq, a_ub, np.array(h, dtype=float))


def components(problem: Problem) -> list[list[str]]:
    """The variables in groups that no relation or pair connects: an attacker's programme for
    one variable needs only its group (each year's tables are one group, say), which keeps
    every programme small."""
    parent = {name: name for name in problem.vars}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    for rel in problem.relations:
        for part in rel.parts:
            union(rel.total, part)
    for a, b in problem.pairs:
        union(a, b)
    groups: dict[str, list[str]] = {}
    for name in problem.vars:
        groups.setdefault(find(name), []).append(name)
    return list(groups.values())


def _sub(problem: Problem, names: list[str]) -> Problem:
    keep = set(names)
    return Problem(
        vars={n: problem.vars[n] for n in names},
        relations=[r for r in problem.relations if r.total in keep],
        pairs=[(a, b) for a, b in problem.pairs if a in keep],
        cheaper=frozenset(n for n in problem.cheaper if n in keep),
    )


@dataclass(frozen=True)
class Requirement:
    """``max coeffs·z >= threshold`` where z is each variable's distance from its true value."""

    coeffs: tuple[tuple[str, float], ...]
    threshold: float
    label: str


def _requirements(problem: Problem, suppressed: set[str]) -> list[Requirement]:
    """What protection the suppressed variables and the pairs need (see the module doc)."""
    found: list[Requirement] = []
    for name in sorted(suppressed):
        value = problem.vars[name].value
        if is_small(value):
            found.append(Requirement(((name, 1.0),), K - value, f"{name} can reach {K}"))
            found.append(Requirement(((name, -1.0),), value, f"{name} can be 0"))
    for older, newer in problem.pairs:
        if older not in suppressed and newer not in suppressed:
            continue
        d = problem.vars[newer].value - problem.vars[older].value
        if not is_small(d):
            continue
        up = ((newer, 1.0), (older, -1.0))
        down = ((newer, -1.0), (older, 1.0))
        label = f"{newer} - {older}"
        if d > 0:
            found.append(Requirement(up, K - d, f"{label} can reach {K}"))
            found.append(Requirement(down, d, f"{label} can be 0"))
        else:
            found.append(Requirement(up, -d, f"{label} can be 0"))
            found.append(Requirement(down, K + d, f"{label} can reach -{K}"))
    return found


def _dense(system: _System, coeffs: Iterable[tuple[str, float]]) -> np.ndarray:
    c = np.zeros(len(system.ids))
    for name, w in coeffs:
        c[system.index[name]] += w
    return c


def _lp_max(system: _System, c: np.ndarray, y: np.ndarray) -> tuple[float, Any]:
    """Maximise c·z over what the attacker knows, with y marking the suppressed variables."""
    lo = np.where(y > 0.5, -system.values, 0.0)
    hi = np.where(y > 0.5, BOUND - system.values, 0.0)
    res = linprog(
        -c,
        A_ub=system.a_ub if system.a_ub.shape[0] else None,
        b_ub=system.h_ub if system.a_ub.shape[0] else None,
        A_eq=system.a_eq if system.a_eq.shape[0] else None,
        b_eq=np.zeros(system.a_eq.shape[0]) if system.a_eq.shape[0] else None,
        bounds=np.column_stack([lo, hi]),
        method="highs",
    )
    if res.status != 0:
        raise DisclosureError(f"the attacker's programme failed: {res.message}")
    return float(-res.fun), res


def _cut(system: _System, c: np.ndarray, res: Any, threshold: float) -> tuple[np.ndarray, float]:
    """From the dual of the attacker's programme, a valid inequality ``g·y >= rhs``.

    For any multipliers λ (equalities) and μ <= 0 (inequalities), weak duality bounds the
    attacker's maximum by ``-μ·h + Σ_j y_j g_j`` with ``g_j = max(d_j v_j, -d_j (BOUND - v_j))``
    and ``d = -c - A_eqᵀλ - A_ubᵀμ``: whatever the suppression pattern. So a pattern can meet
    the requirement only if ``g·y >= threshold + μ·h``. With the optimal duals the bound is
    tight at the pattern just tried, which this inequality then cuts off.
    """
    d = -c.copy()
    if system.a_eq.shape[0]:
        lam = np.array(res.eqlin.marginals, dtype=np.float64)
        d -= system.a_eq.T @ lam
    mu_h = 0.0
    if system.a_ub.shape[0]:
        mu = np.minimum(np.array(res.ineqlin.marginals, dtype=np.float64), 0.0)
        d -= system.a_ub.T @ mu
        mu_h = float(mu @ system.h_ub)
    d[np.abs(d) < 1e-9] = 0.0
    g = np.maximum(d * system.values, -d * (BOUND - system.values))
    g = np.maximum(g, 0.0)
    rhs = threshold + mu_h
    g = np.minimum(g, max(rhs, 0.0))  # a coefficient above the right-hand side adds nothing
    return g, rhs


# --- choosing the suppression pattern ------------------------------------------------------


@dataclass
class Outcome:
    suppressed: set[str]
    primary: set[str]
    rounds: int
    cuts: int
    report: Report | None = None  # the integer attacker's, on the chosen pattern


def _weights(problem: Problem, open_ids: list[str]) -> np.ndarray:
    """Information lost by suppressing each open cell: a little per cell, more for larger
    counts, half for a cell suppressed the previous time (stable patterns)."""
    w = []
    for name in open_ids:
        value = problem.vars[name].value
        cost = 1.0 + math.log1p(max(value, 0))
        if name in problem.cheaper:
            cost *= 0.5
        w.append(cost)
    return np.array(w, dtype=float)


def _primary(problem: Problem) -> set[str]:
    forced = {n for n, v in problem.vars.items() if v.state == OPEN and is_small(v.value)}
    for older, newer in problem.pairs:
        d = problem.vars[newer].value - problem.vars[older].value
        if not is_small(d):
            continue
        states = {problem.vars[older].state, problem.vars[newer].state}
        if states == {PUBLISHED}:
            raise DisclosureError(f"{older} and {newer} were both published {d} apart")
        for name in (older, newer):
            other = newer if name == older else older
            if problem.vars[name].state == OPEN and problem.vars[other].state == PUBLISHED:
                forced.add(name)
    for name, var in problem.vars.items():
        if var.state == PUBLISHED and is_small(var.value):
            raise DisclosureError(f"{name} was published below {K}")
    return forced


def protect(problem: Problem, *, max_rounds: int = 400) -> Outcome:
    """Decide which open variables to suppress so that the whole record meets the rule."""
    primary = _primary(problem)
    groups = components(problem)
    group_of = {name: i for i, names in enumerate(groups) for name in names}
    systems: dict[int, _System] = {}

    def system_of(name: str) -> _System:
        i = group_of[name]
        if i not in systems:
            systems[i] = _system(_sub(problem, groups[i]))
        return systems[i]

    open_ids = [name for name in problem.vars if problem.vars[name].state == OPEN]
    open_pos = {name: i for i, name in enumerate(open_ids)}
    weights = _weights(problem, open_ids)
    lower = np.array([1.0 if name in primary else 0.0 for name in open_ids])
    cut_rows: list[np.ndarray] = []  # over open variables
    cut_rhs: list[float] = []

    # Cheap necessary cuts first: a suppressed cell in an equation where everything else is
    # published is pinned, so each equation with a suppressed cell needs a second one.
    for rel in problem.relations:
        if rel.kind != "eq":
            continue
        members = (rel.total, *rel.parts)
        for name in members:
            if name in primary or problem.vars[name].state == SUPPRESSED:
                row = np.zeros(len(open_ids))
                rhs = 1.0
                for other in members:
                    if other == name:
                        continue
                    if other in open_pos:
                        row[open_pos[other]] = 1.0
                    elif problem.vars[other].state == SUPPRESSED:
                        rhs -= 1.0
                if rhs > 0:
                    if not row.any():
                        raise DisclosureError(f"{name} is pinned by published cells")
                    cut_rows.append(row)
                    cut_rhs.append(rhs)

    guards: set[str] = set()
    rounds = 0
    while True:
        rounds += 1
        if rounds > max_rounds:
            raise DisclosureError("no suppression pattern found within the round limit")
        y_open = _solve_master(weights, lower, cut_rows, cut_rhs)
        suppressed = {
            name
            for name, var in problem.vars.items()
            if var.state == SUPPRESSED or (name in open_pos and y_open[open_pos[name]] > 0.5)
        }
        reqs = _requirements(problem, suppressed) + [
            Requirement(((g, 1.0),), 1.0, f"{g} is not pinned") for g in sorted(guards)
        ]
        added = 0
        for req in reqs:
            system = system_of(req.coeffs[0][0])
            y = np.array([1.0 if name in suppressed else 0.0 for name in system.ids])
            c = _dense(system, req.coeffs)
            best, res = _lp_max(system, c, y)
            if best >= req.threshold - _EPS:
                continue
            g, rhs = _cut(system, c, res, req.threshold)
            row = np.zeros(len(open_ids))
            const = 0.0
            for j, name in enumerate(system.ids):
                if name in open_pos:
                    row[open_pos[name]] = g[j]
                elif problem.vars[name].state == SUPPRESSED:
                    const += float(g[j])
            rhs -= const
            if rhs <= _EPS or float(row @ y_open) >= rhs - _EPS:
                row, rhs = _no_good(open_ids, y_open)
            if not row.any():
                raise DisclosureError(f"cannot protect: {req.label}")
            cut_rows.append(row)
            cut_rhs.append(rhs)
            added += 1
        if added:
            continue
        # The linear attacker is satisfied; the integer attacker has the last word.
        pattern = _with_states(problem, suppressed)
        report = attack(pattern, extra_guards=guards)
        failures = check(pattern, report)
        if not failures:
            return Outcome(
                suppressed=suppressed,
                primary=primary,
                rounds=rounds,
                cuts=len(cut_rows),
                report=report,
            )
        new_guards = {f.var for f in failures if f.kind == "pinned" and f.var not in guards}
        if new_guards:
            guards |= new_guards
            continue
        row, rhs = _no_good(open_ids, y_open)
        if not row.any():
            raise DisclosureError(f"cannot protect: {failures[0].message}")
        cut_rows.append(row)
        cut_rhs.append(rhs)


def _no_good(open_ids: list[str], y_open: np.ndarray) -> tuple[np.ndarray, float]:
    """At least one more open cell suppressed (valid: fewer suppressions only narrow the
    attacker's intervals, so a failing pattern fails with any subset of it)."""
    row = np.array([0.0 if y_open[i] > 0.5 else 1.0 for i in range(len(open_ids))])
    return row, 1.0


def _solve_master(
    weights: np.ndarray, lower: np.ndarray, rows: list[np.ndarray], rhs: list[float]
) -> np.ndarray:
    m = len(weights)
    if m == 0:
        return np.zeros(0)
    constraints = []
    if rows:
        constraints.append(LinearConstraint(np.vstack(rows), lb=np.array(rhs), ub=np.inf))
    res = milp(
        weights,
        integrality=np.ones(m),
        bounds=Bounds(lower, np.ones(m)),
        constraints=constraints,
    )
    if res.status != 0 or res.x is None:
        raise DisclosureError(f"no suppression pattern protects the record: {res.message}")
    return np.round(res.x)


def _with_states(problem: Problem, suppressed: set[str]) -> Problem:
    return Problem(
        vars={
            n: Var(n, v.value, SUPPRESSED if n in suppressed else PUBLISHED)
            for n, v in problem.vars.items()
        },
        relations=problem.relations,
        pairs=problem.pairs,
        cheaper=problem.cheaper,
    )


# --- the attacker test -----------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    low: int
    high: int
    true: int


@dataclass
class Report:
    cells: dict[str, Interval]
    pairs: dict[tuple[str, str], Interval]


def attack(problem: Problem, *, extra_guards: Iterable[str] = ()) -> Report:
    """The attacker: by integer programming over everything published, the lowest and highest
    value of every suppressed variable and of every small difference between two snapshots of
    one cell (the change from 1 to 10 the rule protects; a pair of published values is exact).
    ``problem`` has no open variables (each is published or suppressed)."""
    del extra_guards  # every suppressed variable is bounded anyway
    if any(v.state == OPEN for v in problem.vars.values()):
        raise DisclosureError("the attacker needs every variable decided")
    cells: dict[str, Interval] = {}
    pairs: dict[tuple[str, str], Interval] = {}
    for names in components(problem):
        sub = _sub(problem, names)
        if not sub.pairs and all(v.state == PUBLISHED for v in sub.vars.values()):
            continue
        if len(names) == 1 and not sub.relations:
            only = sub.vars[names[0]]
            if only.state == SUPPRESSED:  # nothing links it: anything from 0 to BOUND
                cells[only.id] = Interval(0, BOUND, only.value)
            continue
        part = _attack_group(sub)
        cells.update(part.cells)
        pairs.update(part.pairs)
    return Report(cells=cells, pairs=pairs)


def _attack_group(problem: Problem) -> Report:
    system = _system(problem)
    n = len(system.ids)
    suppressed = np.array(
        [problem.vars[name].state == SUPPRESSED for name in system.ids], dtype=bool
    )
    lo = np.where(suppressed, 0.0, system.values)
    hi = np.where(suppressed, float(BOUND), system.values)
    # In x space: equalities A_eq x = 0, inequalities part - total <= 0.
    constraints = []
    if system.a_eq.shape[0]:
        constraints.append(LinearConstraint(system.a_eq, lb=0.0, ub=0.0))
    if system.a_ub.shape[0]:
        constraints.append(LinearConstraint(system.a_ub, lb=-np.inf, ub=0.0))
    integrality = suppressed.astype(float)
    bounds = Bounds(lo, hi)

    def extreme(c: np.ndarray) -> tuple[int, int]:
        low = milp(c, integrality=integrality, bounds=bounds, constraints=constraints)
        high = milp(-c, integrality=integrality, bounds=bounds, constraints=constraints)
        if low.status != 0 or high.status != 0:
            raise DisclosureError("the published record is inconsistent")
        return round(low.fun), round(-high.fun)

    cells: dict[str, Interval] = {}
    for j in range(n):
        if not suppressed[j]:
            continue
        c = np.zeros(n)
        c[j] = 1.0
        low, high = extreme(c)
        cells[system.ids[j]] = Interval(low, high, int(system.values[j]))
    pairs: dict[tuple[str, str], Interval] = {}
    for older, newer in problem.pairs:
        i, j = system.index[older], system.index[newer]
        true = int(system.values[j] - system.values[i])
        if not suppressed[i] and not suppressed[j]:
            pairs[(older, newer)] = Interval(true, true, true)
            continue
        if not is_small(true):
            continue  # the rule protects small changes only; larger ones may be learnt
        c = np.zeros(n)
        c[j] += 1.0
        c[i] -= 1.0
        low, high = extreme(c)
        pairs[(older, newer)] = Interval(low, high, true)
    return Report(cells=cells, pairs=pairs)


@dataclass(frozen=True)
class Failure:
    kind: str  # "published_small" | "small_cell" | "pinned" | "difference"
    var: str
    message: str


def check(problem: Problem, report: Report) -> list[Failure]:
    """Every way the record breaks the rule (empty when it passes)."""
    failures: list[Failure] = []
    for name, var in problem.vars.items():
        if var.state == PUBLISHED and is_small(var.value):
            failures.append(Failure("published_small", name, f"{name} published as {var.value}"))
    for name, iv in report.cells.items():
        if iv.low == iv.high:
            failures.append(Failure("pinned", name, f"{name} is pinned to {iv.low}"))
        if is_small(iv.true) and not (iv.low <= 0 and iv.high >= K):
            failures.append(
                Failure("small_cell", name, f"{name} is known to lie in [{iv.low}, {iv.high}]")
            )
    for (older, newer), iv in report.pairs.items():
        if not is_small(iv.true):
            continue
        ok = (iv.low <= 0 and iv.high >= K) if iv.true > 0 else (iv.high >= 0 and iv.low <= -K)
        if not ok:
            failures.append(
                Failure(
                    "difference",
                    newer,
                    f"{newer} - {older} is known to lie in [{iv.low}, {iv.high}]",
                )
            )
    return failures


def primary_only(problem: Problem) -> Problem:
    """The naive pattern (suppress just the small cells): what the attacker test must reject."""
    return Problem(
        vars={
            n: Var(
                n,
                v.value,
                v.state if v.state != OPEN else (SUPPRESSED if is_small(v.value) else PUBLISHED),
            )
            for n, v in problem.vars.items()
        },
        relations=problem.relations,
        pairs=problem.pairs,
    )


def decided(problem: Problem, outcome: Outcome) -> Problem:
    """``problem`` with its open variables set as ``outcome`` chose."""
    return _with_states(problem, outcome.suppressed)


def values_of(problem: Problem) -> Mapping[str, int | None]:
    """What the public sees: the published values, None for suppressed ones."""
    return {n: (v.value if v.state == PUBLISHED else None) for n, v in problem.vars.items()}
