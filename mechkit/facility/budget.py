"""Moving-phantom mechanisms for budget aggregation (Freeman, Pennock, Peters, Wortman Vaughan).

Each of ``n`` agents reports a point of the simplex over ``m`` projects (a row of
``X``, shape ``(n, m)``).  A moving-phantom mechanism takes per-project medians of the
reports and ``n + 1`` phantoms ``f_0(t) >= ... >= f_n(t)`` and picks the time ``t*`` at
which the medians sum to one.  The time is found *exactly*: between consecutive
candidate times the medians are affine in ``t``, so a binary search over the sorted
candidates plus one interpolation gives ``t*`` (``Fraction`` s in exact mode).

With ``m = 2`` projects Independent Markets reduces to the Uniform Phantom mechanism:
``independent_markets([[x_i, 1 - x_i] ...])[0] == uniform_phantom(x)`` with ``t* = 1/n``.

Examples
--------
>>> from fractions import Fraction as F
>>> res = independent_markets([[F(1, 10), F(9, 10)], [F(3, 10), F(7, 10)], [F(9, 10), F(1, 10)]])
>>> res.allocation, res.t
((Fraction(1, 3), Fraction(2, 3)), Fraction(1, 3))
>>> independent_markets.batch([[[0.1, 0.9], [0.3, 0.7], [0.9, 0.1]]]).allocation.round(12).tolist()
[[0.333333333333, 0.666666666667]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_choice
from mechkit.errors import InvalidInputError
from mechkit.facility._profile import is_exact_input, to_fraction
from mechkit.facility.mechanisms import MECHANISMS

__all__ = [
    "BudgetBatchResult",
    "BudgetResult",
    "MovingPhantomMechanism",
    "independent_markets",
    "moving_phantoms",
]

FAMILIES = ("independent_markets", "welfare_maximizing")
SUM_ATOL = 1e-9


@dataclass(frozen=True)
class BudgetResult:
    """Outcome of a moving-phantom mechanism on one profile.

    Attributes
    ----------
    allocation : tuple
        Aggregate shares per project (sum to one).
    t : float or Fraction
        The phantom time ``t*`` (the smallest time at which the medians sum to one).
    family : str
        The phantom family.
    """

    allocation: tuple[Any, ...]
    t: Any
    family: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        conv: Callable[[Any], Any] = str if isinstance(self.t, Fraction) else float
        return {"allocation": [conv(a) for a in self.allocation], "t": conv(self.t),
                "family": self.family}


@dataclass(frozen=True)
class BudgetBatchResult:
    """Outcomes for a batch: ``allocation`` ``(B, m)`` and ``t`` ``(B,)``."""

    allocation: NDArray[np.float64]
    t: NDArray[np.float64]
    family: str


def _phantom(family: str, n: int, k: int, t: Any) -> Any:
    v = t * (n - k) if family == "independent_markets" else t * (n + 1) - k
    return min(max(v, 0 * t), 0 * t + 1)


def _candidates(family: str, X: list[list[Fraction]]) -> list[Fraction]:
    n = len(X)
    out = {Fraction(0), Fraction(1)}
    for k in range(n + 1):
        if family == "independent_markets":
            if k < n:
                out.add(Fraction(1, n - k))
                out.update(v / (n - k) for row in X for v in row)
        else:
            out.update((Fraction(k, n + 1), Fraction(k + 1, n + 1)))
            out.update((v + k) / (n + 1) for row in X for v in row)
    return sorted(t for t in out if 0 <= t <= 1)


def _medians(family: str, X: list[list[Fraction]], t: Fraction) -> list[Fraction]:
    n, m = len(X), len(X[0])
    ph = [_phantom(family, n, k, t) for k in range(n + 1)]
    return [sorted([*(X[i][j] for i in range(n)), *ph])[n] for j in range(m)]


def _exact_solve(family: str, X: list[list[Fraction]]) -> BudgetResult:
    ts = _candidates(family, X)
    lo, hi = 0, len(ts) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if sum(_medians(family, X, ts[mid])) >= 1:
            hi = mid
        else:
            lo = mid + 1
    med_hi = _medians(family, X, ts[lo])
    s_hi = sum(med_hi)
    if lo == 0 or s_hi == 1:
        return BudgetResult(tuple(med_hi), ts[lo], family)
    med_lo = _medians(family, X, ts[lo - 1])
    s_lo = sum(med_lo)
    w = (1 - s_lo) / (s_hi - s_lo)
    alloc = tuple(a + w * (b - a) for a, b in zip(med_lo, med_hi, strict=True))
    return BudgetResult(alloc, ts[lo - 1] + w * (ts[lo] - ts[lo - 1]), family)


def _validate_rows(arr: NDArray[np.float64], name: str) -> None:
    if (arr < 0).any():
        idx = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise InvalidInputError(f"{name}: reports must be non-negative; entry {idx} is {arr[idx]}")
    sums = arr.sum(axis=-1)
    bad = np.abs(sums - 1.0) > SUM_ATOL
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidInputError(
            f"{name}: every report must sum to 1 over the projects (atol {SUM_ATOL}); report "
            f"{idx} sums to {sums[idx]}"
        )


class MovingPhantomMechanism:
    """A moving-phantom budget-aggregation mechanism (callable, with ``.batch``).

    Parameters
    ----------
    name : str
        Registry name.
    family : str or None
        ``"independent_markets"``, ``"welfare_maximizing"``, or ``None`` to take it as a
        call parameter.
    """

    def __init__(self, name: str, family: str | None) -> None:
        self.name = name
        self.family = family
        self.randomized = False
        self.anonymous = True
        self.strategyproof = True

    def _family(self, family: str | None) -> str:
        fam = family if family is not None else self.family
        if fam is None:
            raise InvalidInputError(f"family: {self.name} needs family= one of {FAMILIES}")
        return str(check_choice(fam, "family", FAMILIES))

    def __call__(self, X: Any, *, family: str | None = None, exact: bool | None = None) -> BudgetResult:
        """Aggregate one profile ``X`` of shape ``(n, m)`` (rows on the simplex).

        Returns
        -------
        BudgetResult
        """
        fam = self._family(family)
        use_exact = (exact if exact is not None else
                     isinstance(X, list | tuple) and any(is_exact_input(list(r)) for r in X
                                                          if isinstance(r, list | tuple)))
        if use_exact:
            if not isinstance(X, list | tuple | np.ndarray) or not len(X):
                raise InvalidInputError(f"X: must be a non-empty (n, m) table of reports; got {X!r}")
            rows = [list(r) if isinstance(r, list | tuple | np.ndarray) else None for r in X]
            if any(r is None for r in rows) or len({len(r) for r in rows if r is not None}) != 1:
                raise InvalidInputError("X: must be a rectangular (n, m) table of reports")
            Xf = [[to_fraction(v, f"X[{i}][{j}]") for j, v in enumerate(r)]
                  for i, r in enumerate(rows) if r is not None]
            if not Xf[0]:
                raise InvalidInputError("X: needs m >= 1 projects; got 0")
            for i, r in enumerate(Xf):
                if any(v < 0 for v in r):
                    raise InvalidInputError(f"X: reports must be non-negative; report {i} is "
                                            f"{[str(v) for v in r]}")
                if sum(r) != 1:
                    raise InvalidInputError(f"X: every report must sum to 1 over the projects; "
                                            f"report {i} sums to {sum(r)}")
            return _exact_solve(fam, Xf)
        arr = as_float_array(X, "X")
        if arr.ndim != 2 or 0 in arr.shape:
            raise InvalidInputError(f"X: must be 2-dimensional (n agents x m projects); got shape "
                                    f"{arr.shape}")
        _validate_rows(arr, "X")
        res = self.batch(arr[None], family=fam)
        return BudgetResult(tuple(float(v) for v in res.allocation[0]), float(res.t[0]), fam)

    def batch(self, X: ArrayLike, *, family: str | None = None) -> BudgetBatchResult:
        """Aggregate a ``(B, n, m)`` array of profiles with the numba kernel."""
        from solvers.facility_budget import moving_phantoms_batch

        fam = self._family(family)
        arr = as_float_array(X, "X", allow_empty=True)
        if arr.ndim != 3 or 0 in arr.shape:
            raise InvalidInputError(
                f"X: must be 3-dimensional (B profiles x n agents x m projects) with no empty "
                f"axis; got shape {arr.shape}"
            )
        _validate_rows(arr, "X")
        alloc, t = moving_phantoms_batch(arr, FAMILIES.index(fam))
        return BudgetBatchResult(alloc, t, fam)

    def __repr__(self) -> str:
        return f"MovingPhantomMechanism({self.name!r})"


independent_markets = MovingPhantomMechanism("independent_markets", "independent_markets")
moving_phantoms = MovingPhantomMechanism("moving_phantoms", None)

for _m, _desc in ((independent_markets, "Independent Markets: f_k(t) = min(t(n-k), 1); proportional"),
                  (moving_phantoms, "moving phantoms (family= independent_markets | "
                                    "welfare_maximizing)")):
    MECHANISMS.register(_m.name, _m, anonymous=True, strategyproof=True, randomized=False,
                        phantom_form="moving", params=() if _m.family else ("family",),
                        description=_desc, overwrite=True)
