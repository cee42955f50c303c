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

OBJECTIVES = ("welfare", "cost", "max_cost")
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
        ``"welfare"``, ``"cost"`` or ``"max_cost"``.
    n : int
        Number of agents.
    mechanism : str
        Mechanism name.
    method : str
        ``"vertex enumeration"`` (the supremum over all profiles) or ``"grid"`` (the
        maximum over a grid: a lower bound on the supremum).
    profiles : int
        Profiles evaluated.
    constants : tuple of Fraction
        The coordinate set ``C`` enumerated.
    rechecked : int
        Float maximisers re-checked exactly.
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

    @property
    def is_supremum(self) -> bool:
        """True for vertex enumeration (the exact worst case), False for a grid lower bound."""
        return self.method == "vertex enumeration"

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (fractions as strings)."""
        out = self.outcome.to_dict() if isinstance(self.outcome, Lottery) else str(self.outcome)
        return {"ratio": "inf" if self.ratio == math.inf else str(self.ratio),
                "ratio_float": float(self.ratio), "witness": [str(v) for v in self.witness],
                "outcome": out, "objective": self.objective, "n": self.n,
                "mechanism": self.mechanism, "method": self.method, "profiles": self.profiles,
                "rechecked": self.rechecked}

    def __repr__(self) -> str:
        w = "(" + ", ".join(str(v) for v in self.witness) + ")"
        return (f"RatioResult({self.mechanism}, n={self.n}, {self.objective}: {self.ratio} "
                f"~ {float(self.ratio):.6g}, witness {w})")


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
    method: str = "vertices",
    step: Fraction | None = None,
    max_profiles: int = 50_000_000,
    recheck_limit: int = 200_000,
) -> RatioResult:
    """Exact worst-case approximation ratio of a mechanism for ``n`` agents.

    Parameters
    ----------
    mechanism : Mechanism or str
        A mechanism declaring its breakpoints (every registered deterministic phantom
        mechanism, ``mean``, ``midpoint``, ``lrm``, ``random_rank``, ``moulin_minmax``).
    n : int
        Number of agents (``>= 1``).
    objective : {"welfare", "cost", "max_cost"}
        ``SW*/SW``, ``TC/TC*`` or ``MC/MC*`` (expected values for lotteries).
    method : {"vertices", "grid"}
        ``vertices``: the supremum by vertex enumeration (needs declared breakpoints).
        ``grid``: the maximum over profiles on the grid ``{0, step, ..., 1}`` (any
        mechanism with an exact evaluation; a lower bound on the supremum).
    step : Fraction, optional
        Grid step for ``method="grid"`` (default ``1/(4n)``); ``1/step`` must be an integer.
    max_profiles : int, default 5e7
        Refuse enumerations larger than this.
    recheck_limit : int, default 2e5
        Refuse (``SolverError``) when more float near-maximisers than this need an exact
        re-check, rather than return an unchecked number.

    Returns
    -------
    RatioResult

    Examples
    --------
    >>> from mechkit.facility import ufs_clipped_median
    >>> approximation_ratio(ufs_clipped_median, 3, "cost", method="grid").ratio
    Fraction(4, 3)
    """
    mech = resolve_mechanism(mechanism)
    n = check_int(n, "n", minimum=1)
    check_choice(objective, "objective", OBJECTIVES)
    check_choice(method, "method", ("vertices", "grid"))
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
