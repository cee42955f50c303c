"""Strategyproofness audits in the budget-aggregation setting (reports on the simplex).

Each of ``n`` agents reports a point ``x_i`` of the simplex over ``m`` projects; a
mechanism maps the ``(n, m)`` profile to an allocation ``a`` on the simplex and agent
``i``'s cost is the ``l1`` distance ``sum_j |a_j - x_ij|`` (Freeman, Pennock, Peters and
Wortman Vaughan).  :func:`audit_budget_strategyproofness` searches each agent's
misreports for the largest cost reduction and returns it with a re-evaluable witness.

* The moving-phantom mechanisms (:data:`~mechkit.facility.independent_markets` and the
  ``welfare_maximizing`` family) are strategyproof by Freeman et al.'s theorem
  (continuous phantoms ``f_0(t) >= ... >= f_n(t)`` non-decreasing in ``t``): with
  ``method="auto"`` the verdict is that **certificate**; the search still runs and a
  gain above ``atol`` would raise ``SolverError`` (it would contradict the theorem).
* ``method="search"`` (and any plain callable) is a **black-box search**, never a proof:
  per agent the deviations are the simplex vertices, the other reports, the outcome,
  the barycentre, the report with the over-funded projects' mass removed, the simplex
  grid of step ``h`` (``h`` coarsened until the grid has at most ``MAX_GRID`` points),
  mass transfers ``x_i + delta (e_j - e_k)``, seeded random (Dirichlet) points, then a
  pattern search along the edges ``e_j - e_k`` from the best few.  A search that finds
  nothing says *"no manipulation found at resolution h"*.
* With ``Fraction`` reports and a built-in mechanism, the best witness found in floats
  is made exact (rational, on the simplex) and its gain recomputed exactly.

Examples
--------
>>> from mechkit.facility import independent_markets
>>> X = [[0.6, 0.4, 0.0], [0.0, 0.5, 0.5], [0.2, 0.2, 0.6]]
>>> res = audit_budget_strategyproofness(independent_markets, X, method="search", seed=0)
>>> res.verdict.startswith("no manipulation found"), res.max_gain <= 1e-9
(True, True)
>>> mean = lambda P: P.mean(axis=0)  # the average report: manipulable
>>> res = audit_budget_strategyproofness(mean, [[0.1, 0.9], [0.3, 0.7], [0.9, 0.1]], seed=0)
>>> res.verdict, round(res.max_gain, 9), res.agent, res.deviation
('manipulable', 0.2, 1, (0.0, 1.0))
"""

from __future__ import annotations

import itertools
import math
import numbers
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mechkit._validate import as_float_array, check_choice, check_positive, check_real
from mechkit.errors import InvalidInputError, SolverError
from mechkit.facility._profile import is_exact_input, to_fraction
from mechkit.facility.audit import SPAuditResult
from mechkit.facility.budget import MovingPhantomMechanism, _validate_rows

__all__ = ["audit_budget_strategyproofness"]

#: Largest simplex grid (points per agent) of the search.
MAX_GRID = 2_000
RANDOM_POINTS = 64
PATTERN_STARTS = 3
PATTERN_ITERATIONS = 30
DEFAULT_RESOLUTION = 1 / 16
CERTIFICATE = ("moving-phantom mechanism (phantoms continuous, ordered and non-decreasing in t): "
               "strategyproof for l1 disutility -- Freeman, Pennock, Peters and Wortman Vaughan "
               "(EC 2019; JET 2021)")


def _simplex_grid(m: int, L: int) -> NDArray[np.float64]:
    """All points of the simplex with coordinates in ``{0, 1/L, ..., 1}``."""
    pts = []
    for bars in itertools.combinations(range(L + m - 1), m - 1):
        prev, row = -1, []
        for bpos in bars:
            row.append(bpos - prev - 1)
            prev = bpos
        row.append(L + m - 1 - prev - 1)
        pts.append(row)
    return np.asarray(pts, dtype=np.float64) / L


def _grid_step(m: int, h: float) -> int:
    L = max(1, math.ceil(1 / h - 1e-12))
    while L > 1 and math.comb(L + m - 1, m - 1) > MAX_GRID:
        L -= 1
    return L


def _project(D: NDArray[np.float64]) -> NDArray[np.float64]:
    """Clip tiny negatives and renormalise rows onto the simplex."""
    D = np.clip(D, 0.0, None)
    return D / D.sum(axis=1, keepdims=True)


class _Evaluator:
    """Evaluates allocations of a mechanism on stacks of ``(n, m)`` profiles."""

    def __init__(self, mechanism: Any) -> None:
        if isinstance(mechanism, str):
            from mechkit.facility.mechanisms import get_mechanism

            mechanism = get_mechanism(mechanism)
        self.builtin = isinstance(mechanism, MovingPhantomMechanism)
        if not self.builtin and not (callable(mechanism) and not isinstance(mechanism, type)):
            raise InvalidInputError(f"mechanism: must be a moving-phantom mechanism, its name or a "
                                    f"callable (n, m) -> allocation; got {mechanism!r}")
        if self.builtin and mechanism.family is None:
            raise InvalidInputError("mechanism: moving_phantoms needs a family; audit "
                                    "independent_markets or a callable wrapping moving_phantoms")
        self.mech = mechanism
        self.name = getattr(mechanism, "name", getattr(mechanism, "__name__", repr(mechanism)))
        self.evaluations = 0

    def __call__(self, P: NDArray[np.float64]) -> NDArray[np.float64]:
        self.evaluations += P.shape[0]
        if self.builtin:
            return np.asarray(self.mech.batch(P).allocation)
        out = np.empty((P.shape[0], P.shape[2]))
        for r in range(P.shape[0]):
            a = np.asarray(self.mech(P[r].copy()), dtype=object)
            if a.shape != (P.shape[2],) or any(isinstance(v, bool) or not isinstance(v, numbers.Real)
                                               or not math.isfinite(float(v)) for v in a):
                raise InvalidInputError(
                    f"mechanism: {self.name} must return {P.shape[2]} finite shares; got {a!r} on "
                    f"profile {P[r].tolist()}")
            out[r] = a.astype(float)
        return out


def _costs(ev: _Evaluator, X: NDArray[np.float64], i: int, D: NDArray[np.float64]
           ) -> NDArray[np.float64]:
    P = np.repeat(X[None], D.shape[0], axis=0)
    P[:, i, :] = D
    return np.abs(ev(P) - X[i][None, :]).sum(axis=1)


def _candidates(X: NDArray[np.float64], i: int, a: NDArray[np.float64], grid: NDArray[np.float64],
                h: float, rng: np.random.Generator) -> NDArray[np.float64]:
    m = X.shape[1]
    r = X[i]
    rows = [np.eye(m), X, a[None], np.full((1, m), 1 / m), grid,
            rng.dirichlet(np.ones(m), RANDOM_POINTS)]
    over = np.where(a > r, 0.0, r)  # drop the over-funded projects' mass
    if over.sum() > 0:
        rows.append((over / over.sum())[None])
    moves = []
    for j, k in itertools.permutations(range(m), 2):
        for delta in (r[k], r[k] / 2, h, h / 4):
            if 0 < delta <= r[k]:
                d = r.copy()
                d[j] += delta
                d[k] -= delta
                moves.append(d)
    if moves:
        rows.append(np.asarray(moves))
    return np.unique(_project(np.concatenate(rows)), axis=0)


def _pattern_search(ev: _Evaluator, X: NDArray[np.float64], i: int, starts: NDArray[np.float64],
                    costs: NDArray[np.float64], h: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Move each start along ``e_j - e_k`` while the cost drops, halving the step otherwise."""
    m = X.shape[1]
    dirs = np.array([np.eye(m)[j] - np.eye(m)[k] for j, k in itertools.permutations(range(m), 2)])
    if dirs.size == 0:
        return starts, costs
    pts, best = starts.copy(), costs.copy()
    step = np.full(pts.shape[0], h)
    for _ in range(PATTERN_ITERATIONS):
        trial = pts[:, None, :] + step[:, None, None] * dirs[None, :, :]
        trial = np.clip(trial, 0.0, None)
        flat = _project(trial.reshape(-1, m))
        c = _costs(ev, X, i, flat).reshape(pts.shape[0], dirs.shape[0])
        k = np.argmin(c, axis=1)
        cbest = c[np.arange(pts.shape[0]), k]
        better = cbest < best
        pts[better] = flat.reshape(pts.shape[0], dirs.shape[0], m)[better, k[better]]
        best[better] = cbest[better]
        step = np.where(better, step, step / 2)
    return pts, best


def _search_profile(ev: _Evaluator, X: NDArray[np.float64], h: float, refine: bool,
                    rng: np.random.Generator) -> tuple[float, int, NDArray[np.float64], float]:
    n, m = X.shape
    L = _grid_step(m, h)
    grid = _simplex_grid(m, L)
    a = ev(X[None])[0]
    truth = np.abs(a[None, :] - X).sum(axis=1)
    best = (-math.inf, 0, X[0].copy())
    for i in range(n):
        D = _candidates(X, i, a, grid, 1 / L, rng)
        c = _costs(ev, X, i, D)
        if refine:
            top = np.argsort(c, kind="stable")[:PATTERN_STARTS]
            pts, cp = _pattern_search(ev, X, i, D[top], c[top], 1 / L)
            D, c = np.concatenate([D, pts]), np.concatenate([c, cp])
        k = int(np.argmin(c))
        g = float(truth[i] - c[k])
        if g > best[0]:
            best = (g, i, D[k].copy())
    return best[0], best[1], best[2], 1 / L


def _exact_point(d: NDArray[np.float64]) -> list[Fraction]:
    """A rational point of the simplex next to the float point ``d``."""
    q = [Fraction(float(v)).limit_denominator(10**12) for v in d]
    j = max(range(len(q)), key=lambda k: q[k])
    q[j] += 1 - sum(q)
    return q


def _as_profile(x: Any) -> tuple[NDArray[np.float64], bool, list[list[Fraction]] | None]:
    exact_rows = None
    if isinstance(x, list | tuple) and x and all(isinstance(r, list | tuple) for r in x) and \
            any(is_exact_input(list(r)) for r in x):
        exact_rows = [[to_fraction(v, f"x[{i}][{j}]") for j, v in enumerate(r)] for i, r in enumerate(x)]
    arr = as_float_array(x, "x")
    if arr.ndim not in (2, 3) or 0 in arr.shape:
        raise InvalidInputError(f"x: must be an (n, m) profile of reports on the simplex or a (B, n, m) "
                                f"batch; got shape {arr.shape}")
    _validate_rows(arr, "x")
    if exact_rows is not None:
        for i, r in enumerate(exact_rows):
            if sum(r) != 1:
                raise InvalidInputError(f"x: every exact report must sum to 1; report {i} sums to {sum(r)}")
    return arr, arr.ndim == 3, exact_rows


def audit_budget_strategyproofness(
    mechanism: Any,
    x: Any,
    *,
    method: str = "auto",
    resolution: float | None = None,
    refine: bool = True,
    exact: bool | None = None,
    atol: float = 1e-9,
    seed: Any = None,
) -> SPAuditResult:
    """Search single-agent misreports of a budget-aggregation mechanism (``l1`` costs).

    Parameters
    ----------
    mechanism : MovingPhantomMechanism, str or callable
        A built-in moving-phantom mechanism (or its name), or a black box
        ``f(P) -> allocation`` taking an ``(n, m)`` float array.
    x : array_like
        One profile ``(n, m)`` (rows on the simplex) or a batch ``(B, n, m)``;
        ``Fraction`` entries (one profile, built-in mechanism) make the witness exact.
    method : {"auto", "certificate", "search"}
        ``auto``/``certificate``: Freeman et al.'s theorem for the built-in mechanisms
        (the search still runs as a check); ``search``: black-box search only.
    resolution : float, optional
        Step ``h`` of the simplex grid in ``(0, 1]`` (default 1/16; coarsened so the grid
        has at most ``MAX_GRID`` points per agent).
    refine : bool, default True
        Pattern search from each agent's best few deviations.
    exact : bool, optional
        Exact witness re-check (default: when ``x`` holds ``Fraction`` s).
    atol : float, default 1e-9
        A gain above ``atol`` counts as a manipulation.
    seed : int or numpy.random.Generator, optional
        Seed of the random deviations.

    Returns
    -------
    SPAuditResult
        ``profile`` is a tuple of report tuples; ``deviation`` and the outcomes are
        tuples of shares; ``resolution`` is the grid step actually used.

    Examples
    --------
    >>> from mechkit.facility import independent_markets
    >>> audit_budget_strategyproofness(independent_markets, [[0.5, 0.5], [1.0, 0.0]]).verdict
    'strategyproof (certificate)'
    """
    from mechkit.random import as_generator

    check_choice(method, "method", ("auto", "certificate", "search"))
    ev = _Evaluator(mechanism)
    tol = check_real(atol, "atol")
    if tol < 0:
        raise InvalidInputError(f"atol: must be >= 0 (a gain above atol is a manipulation); got {tol}")
    h = DEFAULT_RESOLUTION if resolution is None else check_positive(resolution, "resolution")
    if h > 1:
        raise InvalidInputError(f"resolution: must be <= 1; got {h}")
    if method == "certificate" and not ev.builtin:
        raise InvalidInputError(f"method: no strategyproofness certificate for {ev.name!r} (only the "
                                "built-in moving-phantom mechanisms have one); use method='search'")
    cert = CERTIFICATE if ev.builtin and method != "search" else None
    arr, batch, exact_rows = _as_profile(x)
    use_exact = exact_rows is not None if exact is None else bool(exact)
    if use_exact and (batch or not ev.builtin):
        raise InvalidInputError("exact: the exact witness re-check needs one profile and a built-in "
                                "moving-phantom mechanism")
    rng = as_generator(seed)
    X3 = arr if batch else arr[None]
    gains = np.empty(X3.shape[0])
    best: tuple[float, int, NDArray[np.float64], float] | None = None
    best_b = 0
    for b in range(X3.shape[0]):
        res = _search_profile(ev, np.ascontiguousarray(X3[b]), h, refine, rng)
        gains[b] = res[0]
        if best is None or res[0] > best[0]:
            best, best_b = res, b
    assert best is not None
    g, i, d, h_used = best
    Xb = X3[best_b]
    Pd = Xb.copy()
    Pd[i] = d
    y, yd = ev(np.stack([Xb, Pd]))
    gain: Any = g
    profile: tuple[Any, ...] = tuple(tuple(float(v) for v in row) for row in Xb)
    dev: Any = tuple(float(v) for v in d)
    outcome: Any = tuple(float(v) for v in y)
    dev_outcome: Any = tuple(float(v) for v in yd)
    if use_exact:
        rows = exact_rows if exact_rows is not None else [_exact_point(r) for r in Xb]
        dq = _exact_point(d)
        res_t = ev.mech(rows, exact=True)
        res_d = ev.mech([dq if k == i else r for k, r in enumerate(rows)], exact=True)
        def cost(alloc: Any) -> Any:
            return sum(abs(u - v) for u, v in zip(alloc, rows[i], strict=True))

        gain = cost(res_t.allocation) - cost(res_d.allocation)
        profile = tuple(tuple(r) for r in rows)
        dev, outcome, dev_outcome = tuple(dq), res_t.allocation, res_d.allocation
        manip = gain > 0
    else:
        manip = g > tol
    if cert is not None:
        if manip:
            raise SolverError(f"the search found a gain of {gain} for the certified mechanism {ev.name}; "
                              "this contradicts Freeman et al.'s theorem (numerical failure?)")
        verdict, meth = "strategyproof (certificate)", "certificate"
    else:
        verdict = "manipulable" if manip else f"no manipulation found at resolution {h_used:g}"
        meth = "search"
    return SPAuditResult(gain, i, dev, profile, outcome, dev_outcome, verdict, meth, cert, h_used,
                         ev.evaluations, gains if batch else None, best_b,
                         0.0 if use_exact else tol)
