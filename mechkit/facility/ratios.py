"""Exact worst-case approximation ratios by vertex enumeration.

For a mechanism that is affine on every cell of the arrangement ``{x_i = x_j}`` and
``{x_i = c}`` (``c`` in a finite set ``C`` containing 0, 1 and its phantoms), the total
and maximum cost of its outcome are convex on each cell, the optimum's welfare, total
cost and maximum cost are affine there, so each ratio (welfare ``SW*/SW``, cost
``TC/TC*``, maximum cost ``MC/MC*``) is quasi-convex on each cell and its supremum over
``[0, 1]^n`` is attained at a vertex: a profile with every coordinate in ``C``.  The
vertices are enumerated with a numba kernel (multisets for anonymous mechanisms), the
float maximisers (all rows within a relative ``1e-9`` of the maximum) are re-checked in
exact ``Fraction`` arithmetic, and the exact maximum is returned with the
lexicographically first maximising profile as witness.

The Nash-welfare ratio ``NW*/NW`` (``NW(y) = prod_i (1 - |y - x_i|)``; expected ``NW``
for lotteries) is *not* quasi-convex on the cells, and ``NW*`` is in general irrational,
so it has no exact enumeration here: ``objective="nash_welfare"`` is a **lower bound from
search** (vertex and grid profiles, seeded random profiles and a pattern search), and
its number is exact and attained: for the rational witness profile ``x`` and a rational
``y_r`` next to the Nash-optimal location, ``ratio = NW(y_r) / NW(f(x)) <= NW*(x) /
NW(f(x)) <= sup``, all in ``Fraction`` arithmetic.  ``RatioResult.upper`` brackets the
witness's own ratio from above (``NW*`` is at most the product of each utility's
maximum over a rational interval certified, by exact derivative signs, to hold the
optimum); it is **not** a bound on the supremum.

Conventions: ``TC* = 0 = TC`` (or ``MC* = 0 = MC``) skips the profile; a zero
denominator with a positive numerator is an infinite ratio (``math.inf``), never a
large float; if every profile is skipped (the mechanism is optimal everywhere, e.g.
``n = 1``) the ratio is 1.  Welfare is ``SW = n - TC`` (utility ``1 - |y - x_i|``).

Examples
--------
>>> from mechkit.facility import uniform_phantom, leftmost
>>> r = approximation_ratio(uniform_phantom, 3, "welfare")
>>> r.ratio, r.witness
(Fraction(6, 5), (Fraction(0, 1), Fraction(0, 1), Fraction(1, 1)))
>>> approximation_ratio(uniform_phantom, 4, "cost").ratio
Fraction(3, 1)
>>> approximation_ratio(leftmost, 2, "max_cost").ratio
Fraction(2, 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from mechkit._validate import check_choice, check_int
from mechkit.errors import InvalidInputError, SolverError
from mechkit.facility._profile import to_fraction
from mechkit.facility.lottery import Lottery, LotteryBatch
from mechkit.facility.mechanisms import resolve_mechanism

__all__ = ["RatioResult", "approximation_ratio", "endpoint_welfare_bound"]

OBJECTIVES = ("welfare", "cost", "max_cost", "nash_welfare")
LINEAR_FRACTIONAL = ("welfare", "cost", "max_cost")
#: Profiles re-checked exactly by the Nash-welfare search.
NASH_RECHECK = 12
NASH_STARTS = 8
NASH_PATTERN_ITERATIONS = 40
NASH_MAX_ENUMERATION = 200_000
CHUNK = 1 << 15
REL_TOL = 1e-9


@dataclass(frozen=True)
class RatioResult:
    """A worst-case approximation ratio with its witness.

    Attributes
    ----------
    ratio : Fraction or float
        The exact worst-case ratio (``math.inf`` when unbounded).
    witness : tuple of Fraction
        A profile attaining it (lexicographically first in sorted-profile order).
    outcome : Fraction or Lottery
        The mechanism's outcome on the witness.
    objective : str
        ``"welfare"``, ``"cost"``, ``"max_cost"`` or ``"nash_welfare"``.
    n : int
        Number of agents.
    mechanism : str
        Mechanism name.
    method : str
        ``"vertex enumeration"`` (the supremum over all profiles), ``"grid"`` (the
        maximum over a grid: a lower bound on the supremum) or ``"search"`` (Nash
        welfare: a lower bound attained by the witness).
    profiles : int
        Profiles evaluated.
    constants : tuple of Fraction
        The coordinate set ``C`` enumerated.
    rechecked : int
        Float maximisers re-checked exactly.
    upper : Fraction, float or None
        ``"search"`` only: an exact upper bound on the *witness profile's* ratio (so
        ``ratio <= witness ratio <= upper``); not a bound on the supremum.
    """

    ratio: Any
    witness: tuple[Fraction, ...]
    outcome: Any
    objective: str
    n: int
    mechanism: str
    method: str
    profiles: int
    constants: tuple[Fraction, ...]
    rechecked: int
    upper: Any = None

    @property
    def is_supremum(self) -> bool:
        """True for vertex enumeration (the exact worst case), False for lower bounds."""
        return self.method == "vertex enumeration"

    @property
    def verdict(self) -> str:
        """How to read ``ratio``: exact supremum, or a lower bound (grid or search).

        One of ``"exact supremum (vertex enumeration)"``, ``"lower bound from grid"`` and
        ``"lower bound from search"``.
        """
        if self.method == "vertex enumeration":
            return "exact supremum (vertex enumeration)"
        return f"lower bound from {self.method}"

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (fractions as strings)."""
        out = self.outcome.to_dict() if isinstance(self.outcome, Lottery) else str(self.outcome)
        return {"ratio": "inf" if self.ratio == math.inf else str(self.ratio),
                "ratio_float": float(self.ratio), "witness": [str(v) for v in self.witness],
                "outcome": out, "objective": self.objective, "n": self.n,
                "mechanism": self.mechanism, "method": self.method, "verdict": self.verdict,
                "profiles": self.profiles, "rechecked": self.rechecked,
                "upper": None if self.upper is None else
                ("inf" if self.upper == math.inf else str(self.upper))}

    def __repr__(self) -> str:
        w = "(" + ", ".join(str(v) for v in self.witness) + ")"
        return (f"RatioResult({self.mechanism}, n={self.n}, {self.objective}: {self.ratio} "
                f"~ {float(self.ratio):.6g} [{self.verdict}], witness {w})")


def _exact_terms(mech: Any, prof: list[Fraction], objective: str) -> tuple[Fraction, Fraction, Any]:
    n = len(prof)
    srt = sorted(prof)
    med = srt[(n - 1) // 2]
    out = mech(prof, exact=True)
    pairs = list(zip(out.support, out.probs, strict=True)) if isinstance(out, Lottery) else [(out, 1)]
    if objective == "max_cost":
        lo, hi = srt[0], srt[-1]
        num = sum((p * max(y - lo, hi - y) for y, p in pairs), start=Fraction(0))
        return num, (hi - lo) / 2, out
    opt = sum((abs(v - med) for v in prof), start=Fraction(0))
    tc = sum((p * sum((abs(v - y) for v in prof), start=Fraction(0)) for y, p in pairs),
             start=Fraction(0))
    if objective == "welfare":
        return n - opt, n - tc, out
    return tc, opt, out


def _ratio(num: Fraction, den: Fraction) -> Fraction | float | None:
    if den == 0:
        return None if num == 0 else math.inf
    return num / den


def endpoint_welfare_bound(n: int) -> tuple[Fraction, int]:
    """The welfare ratio every UFS mechanism has on endpoint profiles, and its ``k``.

    On ``(0^(n-k), 1^k)`` every UFS mechanism outputs ``k/n`` (proportionality), so
    ``max_k max(k, n-k) / (n - 2k(n-k)/n)`` bounds its welfare ratio from below; the
    Uniform Phantom attains it.

    Examples
    --------
    >>> endpoint_welfare_bound(5)
    (Fraction(20, 17), 1)
    >>> endpoint_welfare_bound(1000)[0]
    Fraction(353500, 292849)
    """
    n = check_int(n, "n", minimum=1)
    best, arg = Fraction(1), 0
    for k in range(n + 1):
        val = Fraction(max(k, n - k)) / (n - Fraction(2 * k * (n - k), n))
        if val > best:
            best, arg = val, k
    return best, arg


def approximation_ratio(
    mechanism: Any,
    n: int,
    objective: str = "welfare",
    *,
    method: str = "auto",
    step: Fraction | None = None,
    max_profiles: int = 50_000_000,
    recheck_limit: int = 200_000,
    samples: int = 20_000,
    seed: Any = None,
) -> RatioResult:
    """Exact worst-case approximation ratio of a mechanism for ``n`` agents.

    Parameters
    ----------
    mechanism : Mechanism or str
        A mechanism declaring its breakpoints (every registered deterministic phantom
        mechanism, ``mean``, ``midpoint``, ``lrm``, ``random_rank``, ``moulin_minmax``).
    n : int
        Number of agents (``>= 1``).
    objective : {"welfare", "cost", "max_cost", "nash_welfare"}
        ``SW*/SW``, ``TC/TC*``, ``MC/MC*`` or ``NW*/NW`` (expected values for lotteries;
        ``NW`` is the product of the utilities ``1 - |y - x_i|``).
    method : {"auto", "vertices", "grid", "search"}
        ``vertices``: the supremum by vertex enumeration (needs declared breakpoints;
        welfare, cost and max cost).  ``grid``: the maximum over profiles on the grid
        ``{0, step, ..., 1}`` (any mechanism with an exact evaluation; a lower bound).
        ``search``: Nash welfare only -- a lower bound attained by its witness (see the
        module notes).  ``auto``: ``vertices``, or ``search`` for Nash welfare.
    step : Fraction, optional
        Grid step for ``method="grid"`` (default ``1/(4n)``; also the grid of the Nash
        search); ``1/step`` must be an integer.
    max_profiles : int, default 5e7
        Refuse enumerations larger than this.
    recheck_limit : int, default 2e5
        Refuse (``SolverError``) when more float near-maximisers than this need an exact
        re-check, rather than return an unchecked number.
    samples : int, default 20000
        Nash search: random profiles drawn (besides the vertex and grid profiles).
    seed : int or numpy.random.Generator, optional
        Nash search: seed of the random profiles.

    Returns
    -------
    RatioResult

    Examples
    --------
    >>> from mechkit.facility import ufs_clipped_median, uniform_phantom
    >>> approximation_ratio(ufs_clipped_median, 3, "cost", method="grid").ratio
    Fraction(4, 3)
    >>> r = approximation_ratio(uniform_phantom, 2, "nash_welfare", seed=0)
    >>> r.ratio, r.witness, r.verdict
    (Fraction(9, 8), (Fraction(0, 1), Fraction(1, 2)), 'lower bound from search')
    """
    mech = resolve_mechanism(mechanism)
    n = check_int(n, "n", minimum=1)
    check_choice(objective, "objective", OBJECTIVES)
    check_choice(method, "method", ("auto", "vertices", "grid", "search"))
    if objective == "nash_welfare":
        if method not in ("auto", "search"):
            raise InvalidInputError(
                f"method: the Nash-welfare ratio is not linear-fractional, so {method!r} gives no "
                "exact value; use method='search' (a lower bound attained by its witness)")
        return _nash_search(mech, n, step=step, samples=samples, seed=seed,
                            max_profiles=check_int(max_profiles, "max_profiles", minimum=1))
    if method == "search":
        raise InvalidInputError(f"method: 'search' is for objective='nash_welfare'; the {objective} "
                                "ratio is exact by method='vertices'")
    if samples != 20_000 or seed is not None:
        raise InvalidInputError("samples: samples= and seed= are used by the Nash-welfare search only")
    method = "vertices" if method == "auto" else method
    max_profiles = check_int(max_profiles, "max_profiles", minimum=1)
    recheck_limit = check_int(recheck_limit, "recheck_limit", minimum=1)
    if step is not None and method != "grid":
        raise InvalidInputError(f"step: only used with method='grid'; got step={step!r} with "
                                f"method={method!r}")
    if not hasattr(mech, "_exact"):
        raise InvalidInputError(
            f"mechanism: exact ratios need a registered mechanism with an exact evaluation; got "
            f"{getattr(mech, 'name', mech)!r}"
        )
    if method == "vertices":
        consts = mech.breakpoints(n)
        if consts is None:
            raise InvalidInputError(
                f"mechanism: {mech.name} declares no breakpoints (it is not affine on the cells of "
                "an arrangement), so vertex enumeration would not give the supremum; use "
                "method='grid' for a lower bound"
            )
        label = "vertex enumeration"
    else:
        h = Fraction(1, 4 * n) if step is None else to_fraction(step, "step")
        if h <= 0 or h > 1 or (1 / h).denominator != 1:
            raise InvalidInputError(f"step: must be 1/L for a positive integer L; got {step}")
        L = int(1 / h)
        consts = [Fraction(k, L) for k in range(L + 1)]
        label = "grid"
    C = sorted(set(consts) | {Fraction(0), Fraction(1)})
    m = len(C)
    if mech.anonymous:
        _probe_anonymity(mech, n, C)
    total = math.comb(m + n - 1, n) if mech.anonymous else m**n
    if total > max_profiles:
        raise InvalidInputError(
            f"n: enumeration needs {total} profiles (|C| = {m}, n = {n}); more than "
            f"max_profiles={max_profiles}"
        )
    from solvers.facility_ratio import fill_profiles, objective_terms

    obj_code = OBJECTIVES.index(objective)
    Cf = np.array([float(c) for c in C])
    idx = np.zeros(n, dtype=np.int64)
    buf = np.empty((min(CHUNK, total), n))
    best_finite = -math.inf
    cands: list[tuple[float, np.ndarray]] = []  # (float ratio, index rows) near the running max
    any_inf: list[np.ndarray] = []
    offset = 0
    done = False
    ones = np.ones(1)
    while not done:
        r, done = fill_profiles(idx, Cf, buf, bool(mech.anonymous))
        X = np.ascontiguousarray(buf[:r])
        out = mech.batch(X)
        if isinstance(out, LotteryBatch):
            num, den = objective_terms(X, np.ascontiguousarray(out.support),
                                       np.ascontiguousarray(out.probs), obj_code)
        else:
            num, den = objective_terms(X, np.ascontiguousarray(out).reshape(-1, 1), ones, obj_code)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        inf_rows = np.flatnonzero((den <= 0) & (num > 0))
        if inf_rows.size:
            any_inf.append(inf_rows + offset)
        if np.isfinite(ratio).any():
            mx = float(np.nanmax(ratio))
            if mx >= best_finite * (1 - REL_TOL):
                best_finite = max(best_finite, mx)
                thr = best_finite * (1 - REL_TOL) - 1e-15
                cands = [(v, rows) for v, rows in cands if v >= thr]
                rows = np.flatnonzero(ratio >= thr)
                cands.append((mx, rows + offset))
        offset += r
    # exact re-check
    def profile_at(k: int) -> list[Fraction]:
        state = np.zeros(n, dtype=np.int64)
        return _unrank(k, n, m, bool(mech.anonymous), C, state)

    # float "infinite" rows (zero denominator) and the finite near-maximisers, all re-checked
    parts = any_inf + [rows for _, rows in cands]
    to_check = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    if to_check.size > recheck_limit:
        raise SolverError(
            f"{to_check.size} near-maximising profiles need an exact re-check (limit "
            f"recheck_limit={recheck_limit}); raise the limit to compute the exact ratio"
        )
    best: tuple[Any, list[Fraction], Any] | None = None
    for k in sorted(int(v) for v in to_check):
        prof = profile_at(k)
        num_e, den_e, out_e = _exact_terms(mech, prof, objective)
        val = _ratio(num_e, den_e)
        if val is None:
            continue
        if best is None or val > best[0]:
            best = (val, prof, out_e)
    if best is None:  # every profile is skipped (0/0): the mechanism is optimal everywhere
        prof = [C[0]] * n
        return RatioResult(Fraction(1), tuple(prof), mech(prof, exact=True), objective, n, mech.name,
                           label, total, tuple(C), int(to_check.size))
    return RatioResult(best[0], tuple(best[1]), best[2], objective, n, mech.name, label, total,
                       tuple(C), int(to_check.size))


def _probe_anonymity(mech: Any, n: int, C: list[Fraction]) -> None:
    """Refuse a user-built mechanism that is declared anonymous but is not.

    Anonymous mechanisms are enumerated over multisets (sorted profiles) only, which
    misses every worst case of, e.g., a dictatorship.  The built-in mechanisms are
    anonymous by construction; for the others a few sorted vertex profiles are compared
    with their reversals and rotations (a spot check, not a proof).
    """
    from mechkit.facility.audit import _is_builtin
    from mechkit.facility.mechanisms import Mechanism

    if n < 2 or (isinstance(mech, Mechanism) and _is_builtin(mech)):
        return
    m = len(C)
    probes = [sorted(C[(i * s) % m] for i in range(n)) for s in (1, 2, 3)]
    probes.append([C[0]] * (n - 1) + [C[-1]])
    probes.append([C[0]] + [C[m // 2]] * (n - 1))
    for prof in probes:
        y = mech(prof, exact=True)
        for perm in (prof[::-1], prof[1:] + prof[:1]):
            if mech(perm, exact=True) != y:
                raise InvalidInputError(
                    f"mechanism: {mech.name} is declared anonymous (its ratio is enumerated over "
                    f"sorted profiles only) but gives {mech(perm, exact=True)} on {perm} and {y} on "
                    f"{prof}; construct it with anonymous=False")


def _unrank(k: int, n: int, m: int, anonymous: bool, C: list[Fraction],
            state: np.ndarray) -> list[Fraction]:
    """The ``k``-th profile (0-based) of the enumeration order of ``fill_profiles``."""
    out: list[int] = []
    if not anonymous:
        digits = []
        for _ in range(n):
            digits.append(k % m)
            k //= m
        return [C[d] for d in reversed(digits)]
    lo = 0
    for pos in range(n):
        rest = n - pos - 1
        for v in range(lo, m):
            cnt = math.comb(m - v + rest - 1, rest)  # completions with entries >= v
            if k < cnt:
                out.append(v)
                lo = v
                break
            k -= cnt
    return [C[v] for v in out]


# -- Nash welfare: a lower bound from search, exact and attained ------------------------------
def _nw_exact(prof: list[Fraction], y: Fraction) -> Fraction:
    out = Fraction(1)
    for v in prof:
        out *= 1 - abs(y - v)
    return out


def _nw_mech_exact(prof: list[Fraction], out: Any) -> Fraction:
    if isinstance(out, Lottery):
        return sum((p * _nw_exact(prof, y) for y, p in zip(out.support, out.probs, strict=True)),
                   start=Fraction(0))
    return _nw_exact(prof, out)


def _nw_right_derivative_sign(prof: list[Fraction], y: Fraction) -> int:
    """Sign of the right derivative of log NW at ``y`` (exact; utilities must be positive)."""
    d = Fraction(0)
    for v in prof:
        u = 1 - abs(y - v)
        d += (1 / u) if v > y else -(1 / u)
    return (d > 0) - (d < 0)


def _nw_opt_bounds(prof: list[Fraction], y_float: float) -> tuple[Fraction, Fraction, Fraction]:
    """Exact ``(lower, upper, y_r)`` with ``NW(y_r) = lower <= NW* <= upper``.

    ``lower`` is NW at the best of a few rational points near the float maximiser.  For
    ``upper``: ``log NW`` is concave, so when its right derivative is ``> 0`` at ``l`` and
    ``<= 0`` at ``r`` the maximiser lies in ``[l, r]`` (else the hull ``[min x, max x]``
    holds it), and ``NW* <= prod_i max_{y in [l, r]} u_i(y)``.
    """
    lo, hi = min(prof), max(prof)
    base = Fraction(y_float) if math.isfinite(y_float) else (lo + hi) / 2
    cands = {min(max(c, lo), hi) for c in
             [base, (lo + hi) / 2, *(base.limit_denominator(10**k) for k in (2, 3, 4, 6, 9, 12))]}
    y_r = max(sorted(cands), key=lambda c: _nw_exact(prof, c))
    lower = _nw_exact(prof, y_r)
    left, right = lo, hi
    if lo < hi:
        for eps in (Fraction(1, 10**12), Fraction(1, 10**9), Fraction(1, 10**6)):
            a, b = max(lo, y_r - eps), min(hi, y_r + eps)
            a_ok = a == lo or (_nw_exact(prof, a) > 0 and _nw_right_derivative_sign(prof, a) > 0)
            b_ok = b == hi or (_nw_exact(prof, b) > 0 and _nw_right_derivative_sign(prof, b) <= 0)
            if a_ok and b_ok:
                left, right = a, b
                break
    upper = Fraction(1)
    for v in prof:
        dist = Fraction(0) if left <= v <= right else min(abs(v - left), abs(v - right))
        upper *= 1 - dist
    return lower, upper, y_r


def _nash_search(mech: Any, n: int, *, step: Any, samples: Any, seed: Any, max_profiles: int
                 ) -> RatioResult:
    from mechkit.random import as_generator
    from solvers.facility_ratio import fill_profiles, nash_log_terms

    if not hasattr(mech, "_exact"):
        raise InvalidInputError(
            f"mechanism: the Nash-welfare search re-checks its witness exactly and needs a registered "
            f"mechanism with an exact evaluation; got {getattr(mech, 'name', mech)!r}")
    samples = check_int(samples, "samples", minimum=0)
    rng = as_generator(seed)
    h = Fraction(1, 4 * n) if step is None else to_fraction(step, "step")
    if h <= 0 or h > 1 or (1 / h).denominator != 1:
        raise InvalidInputError(f"step: must be 1/L for a positive integer L; got {step}")
    anonymous = bool(mech.anonymous)
    if anonymous:
        _probe_anonymity(mech, n, [Fraction(0), Fraction(1, 2), Fraction(1)])
    ones = np.ones(1)
    evaluated = 0

    def log_ratio(X: np.ndarray) -> np.ndarray:
        nonlocal evaluated
        evaluated += X.shape[0]
        out = mech.batch(np.ascontiguousarray(X))
        if isinstance(out, LotteryBatch):
            lo_, lm, _ = nash_log_terms(X, np.ascontiguousarray(out.support),
                                        np.ascontiguousarray(out.probs))
        else:
            lo_, lm, _ = nash_log_terms(X, np.ascontiguousarray(out).reshape(-1, 1), ones)
        with np.errstate(invalid="ignore"):
            return np.where(np.isneginf(lm), np.inf, lo_ - lm)

    # candidate profiles: vertices (if declared), the grid, random profiles
    sets: list[list[Fraction]] = [[Fraction(k, int(1 / h)) for k in range(int(1 / h) + 1)]]
    bps = mech.breakpoints(n) if hasattr(mech, "breakpoints") else None
    if bps is not None:
        sets.insert(0, sorted(set(bps) | {Fraction(0), Fraction(1)}))
    blocks: list[np.ndarray] = []
    for C in sets:
        m = len(C)
        total = math.comb(m + n - 1, n) if anonymous else m**n
        if total > min(max_profiles, NASH_MAX_ENUMERATION):
            continue
        idx = np.zeros(n, dtype=np.int64)
        buf = np.empty((total, n))
        r, _ = fill_profiles(idx, np.array([float(c) for c in C]), buf, anonymous)
        blocks.append(buf[:r])
    if samples:
        blocks.append(rng.random((samples, n)))
    X = np.concatenate(blocks) if blocks else rng.random((1, n))
    vals = log_ratio(X)
    # pattern search (coordinate moves) from the best starts
    order = np.argsort(-vals, kind="stable")
    starts = X[order[:NASH_STARTS]].copy()
    best = vals[order[:NASH_STARTS]].copy()
    stepv = np.full(starts.shape[0], float(h))
    for _ in range(NASH_PATTERN_ITERATIONS):
        trial = np.repeat(starts, 2 * n, axis=0).reshape(starts.shape[0], 2 * n, n)
        for i in range(n):
            trial[:, 2 * i, i] += stepv
            trial[:, 2 * i + 1, i] -= stepv
        trial = np.clip(trial, 0.0, 1.0)
        tv = log_ratio(trial.reshape(-1, n)).reshape(starts.shape[0], 2 * n)
        k = np.argmax(tv, axis=1)
        tb = tv[np.arange(starts.shape[0]), k]
        better = tb > best
        starts[better] = trial[better, k[better]]
        best[better] = tb[better]
        stepv = np.where(better, stepv, stepv / 2)
    pool = np.concatenate([starts, X[order[:NASH_RECHECK]]])
    # exact re-check: the ratio reported is NW(y_r)/NW(f(x)) for a rational profile x
    result: tuple[Any, list[Fraction], Any, Any] | None = None
    seen: set[tuple[Fraction, ...]] = set()
    for row in pool:
        prof = [Fraction(float(v)).limit_denominator(10**6) for v in row]
        key = tuple(sorted(prof)) if anonymous else tuple(prof)
        if key in seen:
            continue
        seen.add(key)
        out = mech(prof, exact=True)
        den = _nw_mech_exact(prof, out)
        y_float = float(nash_log_terms(np.array([[float(v) for v in prof]]), np.zeros((1, 1)),
                                       ones)[2][0])
        lower, upper, _ = _nw_opt_bounds(prof, y_float)
        lower = max(lower, den)  # NW* >= NW(f(x)) (expected NW for lotteries)
        val: Any = math.inf if den == 0 else lower / den
        up: Any = math.inf if den == 0 else upper / den
        if result is None or val > result[0]:
            result = (val, prof, out, up)
    assert result is not None
    return RatioResult(result[0], tuple(result[1]), result[2], "nash_welfare", n, mech.name,
                       "search", evaluated, tuple(sets[0]), len(seen), result[3])
