"""Single-user water-filling: exact solution, batches and a KKT certificate.

Problem (rates in nats): maximise ``sum_k log(1 + p_k / w_k)`` subject to
``sum_k p_k <= budget`` and ``0 <= p_k <= cap_k``, where ``w_k > 0`` is the normalised
noise-plus-interference of carrier ``k`` (``w_k = inf`` forbids the carrier).  The
answer is ``p_k = clip(mu - w_k, 0, cap_k)`` with the *water level* ``mu``.

Conventions (the level is not unique in these cases):

* ``budget = 0``: ``p = 0`` and ``level = min w`` over the usable carriers;
* slack budget (the caps of the usable carriers sum to at most ``budget``): ``p = cap``
  there and ``level = max(w + cap)``; ``binding`` is False;
* no usable carrier (every ``w_k = inf`` or ``cap_k = 0``): an error when
  ``budget > 0`` unless ``allow_idle=True``, which returns ``p = 0`` and ``level = nan``.

A carrier is usable when ``w_k < inf`` and ``cap_k > 0``; unusable carriers get no power.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_bool, check_choice, check_real
from mechkit.errors import InvalidInputError

__all__ = ["WaterFilling", "kkt_residual", "water_fill", "water_fill_batch"]

METHODS = ("select", "sort")


@dataclass(frozen=True, repr=False)
class WaterFilling:
    """Result of :func:`water_fill` (1-D) or :func:`water_fill_batch` (one row per problem).

    Attributes
    ----------
    p : numpy.ndarray
        Optimal powers, shape ``(N,)`` or ``(B, N)``.
    level : float or numpy.ndarray
        Water level ``mu`` (see the module conventions), a float or shape ``(B,)``.
    binding : bool or numpy.ndarray
        Whether the budget constraint binds (False: budget slack, caps reached).
    """

    p: NDArray[np.float64]
    level: Any
    binding: Any

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python version (lists and floats)."""
        lv = self.level
        bd = self.binding
        return {
            "p": self.p.tolist(),
            "level": lv.tolist() if isinstance(lv, np.ndarray) else float(lv),
            "binding": bd.tolist() if isinstance(bd, np.ndarray) else bool(bd),
        }

    def __repr__(self) -> str:
        if self.p.ndim == 1:
            return (f"WaterFilling(N={self.p.shape[0]}, level={float(self.level):.6g}, "
                    f"binding={bool(self.binding)}, total={float(self.p.sum()):.6g})")
        return f"WaterFilling(B={self.p.shape[0]}, N={self.p.shape[1]})"


def _check_w(w: ArrayLike, name: str, ndim: int) -> NDArray[np.float64]:
    arr = as_float_array(w, name, ndim=ndim, allow_inf=True)
    bad = arr <= 0
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidInputError(
            f"{name}: entries must be > 0 (w = noise/gain; w = 0 makes the rate unbounded, "
            f"w = inf forbids a carrier); entry {idx} is {arr[idx]}"
        )
    return arr


def _check_cap(cap: ArrayLike | None, shape: tuple[int, ...], name: str) -> NDArray[np.float64]:
    if cap is None:
        return np.full(shape, np.inf)
    arr = np.asarray(cap)
    if arr.ndim == 0:
        arr = np.full(shape, check_real(arr.item(), name, finite=False))
    c = as_float_array(arr, name, shape=shape, allow_inf=True, allow_empty=True)
    bad = c < 0
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidInputError(f"{name}: entries must be >= 0 (inf = no cap); entry {idx} is {c[idx]}")
    return c


def _check_budget(budget: object, name: str) -> float:
    b = check_real(budget, name)
    if b < 0:
        raise InvalidInputError(f"{name}: must be >= 0; got {b}")
    return b


def _idle_check(w: NDArray[np.float64], c: NDArray[np.float64], budgets: NDArray[np.float64],
                allow_idle: bool) -> None:
    usable = (np.isfinite(w) & (c > 0)).any(axis=-1)
    bad = (~usable) & (budgets > 0)
    if bad.any() and not allow_idle:
        where = "" if w.ndim == 1 else f" (row {int(np.argwhere(bad)[0][0])})"
        raise InvalidInputError(
            f"w: no usable carrier{where} (every w is inf or every cap is 0) but the budget is "
            "positive; this is usually a data bug -- pass allow_idle=True to return zero power"
        )


def water_fill(
    w: ArrayLike,
    budget: float,
    cap: ArrayLike | None = None,
    *,
    method: str = "select",
    allow_idle: bool = False,
) -> WaterFilling:
    """Exact single-user water-filling ``p_k = clip(mu - w_k, 0, cap_k)``.

    Parameters
    ----------
    w : array_like, shape (N,)
        Normalised noise-plus-interference ``w_k = sigma2_k / g_k`` in ``(0, inf]``;
        ``inf`` marks a forbidden carrier.
    budget : float
        Total power ``P >= 0`` (``sum p <= P``; ``fractions.Fraction`` accepted).
    cap : array_like, shape (N,), or float, optional
        Per-carrier caps in ``[0, inf]`` (spectral mask); default none.
    method : {"select", "sort"}, default "select"
        ``"select"``: Michelot's active-set selection with branch-free passes (expected
        linear time, sorted fallback after 32 passes) and variable fixing for caps (numba);
        ``"sort"``: ``O(N log N)`` breakpoint scan.  Both finish with the closed-form level
        on the identified active set, so they agree to rounding.
    allow_idle : bool, default False
        Return zero power instead of raising when ``budget > 0`` and no carrier is usable.

    Returns
    -------
    WaterFilling
        Powers, water level and whether the budget binds (conventions in the module doc).

    Raises
    ------
    InvalidInputError
        For NaN, ``w <= 0`` or ``-inf``, a negative or non-finite budget, negative or NaN
        caps, wrong shapes, or no usable carrier with a positive budget.

    Examples
    --------
    >>> r = water_fill([1, 4, 6, 3], 10)
    >>> r.p.tolist(), r.level
    ([5.0, 2.0, 0.0, 3.0], 6.0)
    >>> water_fill([1, 2, 3], 3, cap=[0.5, 10, 10]).p.tolist()
    [0.5, 1.75, 0.75]
    >>> water_fill([1, float("inf")], 2).p.tolist()
    [2.0, 0.0]
    """
    from solvers.waterfill import wf_row_select, wf_row_sort

    wv = _check_w(w, "w", 1)
    b = _check_budget(budget, "budget")
    c = _check_cap(cap, wv.shape, "cap")
    check_choice(method, "method", METHODS)
    _idle_check(wv, c, np.array(b), allow_idle)
    out = np.empty(wv.shape[0])
    kern = wf_row_select if method == "select" else wf_row_sort
    level = float(kern(wv, b, c, out))
    usable = np.isfinite(wv) & (c > 0)
    binding = bool(b > 0 and usable.any() and c[usable].sum() > b)
    return WaterFilling(out, level, binding)


def water_fill_batch(
    W: ArrayLike,
    budgets: ArrayLike,
    caps: ArrayLike | None = None,
    *,
    method: str = "select",
    allow_idle: bool = False,
    parallel: bool = True,
) -> WaterFilling:
    """Water-fill every row of ``W`` with its own budget (and caps).

    Parameters
    ----------
    W : array_like, shape (B, N)
        One water-filling problem per row (entries in ``(0, inf]``).
    budgets : array_like, shape (B,), or float
        Budget per row (a scalar applies to every row).
    caps : array_like, shape (B, N), or float, optional
        Caps per entry.
    method : {"select", "sort"}, default "select"
        As in :func:`water_fill`.
    allow_idle : bool, default False
        As in :func:`water_fill`.
    parallel : bool, default True
        With ``method="select"`` and ``B * N >= 16384`` entries
        (:data:`solvers.waterfill.PAR_MIN_ELEMENTS`), split the rows over numba's threads;
        the result is bitwise the same either way.  ``False`` keeps the call on one core.

    Returns
    -------
    WaterFilling
        ``p`` of shape ``(B, N)``, ``level`` and ``binding`` of shape ``(B,)``.

    Examples
    --------
    >>> r = water_fill_batch([[1, 4, 6, 3], [5, 4, 3, 6]], [10, 5])
    >>> r.p[0].tolist(), r.level.round(4).tolist()
    ([5.0, 2.0, 0.0, 3.0], [6.0, 5.6667])
    """
    from solvers.waterfill import batch_threads, wf_rows_select, wf_rows_sort

    Wv = _check_w(W, "W", 2)
    B = Wv.shape[0]
    bud = np.asarray(budgets)
    if bud.ndim == 0:
        bud = np.full(B, _check_budget(bud.item(), "budgets"))
    bv = as_float_array(bud, "budgets", shape=(B,))
    if (bv < 0).any():
        i = int(np.argwhere(bv < 0)[0][0])
        raise InvalidInputError(f"budgets: entries must be >= 0; entry ({i},) is {bv[i]}")
    c = _check_cap(caps, Wv.shape, "caps")
    check_choice(method, "method", METHODS)
    par = check_bool(parallel, "parallel")
    _idle_check(Wv, c, bv, allow_idle)
    P = np.empty_like(Wv)
    levels = np.empty(B)
    if method == "select":
        wf_rows_select(Wv, bv, c, P, levels, batch_threads(B, Wv.shape[1]) if par else 1)
    else:
        wf_rows_sort(Wv, bv, c, P, levels)
    usable = np.isfinite(Wv) & (c > 0)
    binding = (bv > 0) & (np.where(usable, c, 0.0).sum(axis=1) > bv)
    return WaterFilling(P, levels, binding)


def kkt_residual(
    w: ArrayLike,
    p: ArrayLike,
    budget: float,
    cap: ArrayLike | None = None,
    *,
    level: float | None = None,
) -> float:
    """Largest violation of the KKT conditions certifying ``p`` as the water-filling of ``w``.

    The maximum of: negativity and cap violation; power on unusable carriers;
    ``|sum p - min(budget, sum_D cap)|``; and, when the budget binds, the spread of
    ``p_k + w_k`` around the level on free carriers (``0 < p_k < cap_k``),
    ``(level - w_k)^+`` on unused carriers and ``(w_k + cap_k - level)^+`` on capped ones.
    The level defaults to the mean of ``p_k + w_k`` over the free carriers (the midpoint
    of the admissible interval when none is free).  Zero certifies optimality (the
    problem is concave); in power units -- accept about ``1e-12 * max(1, budget)``.

    Parameters
    ----------
    w : array_like, shape (N,)
        As in :func:`water_fill`.
    p : array_like, shape (N,)
        Candidate powers.
    budget : float
        Budget.
    cap : array_like or float, optional
        Caps.
    level : float, optional
        Water level to test against (estimated from ``p`` if omitted).

    Returns
    -------
    float
        The residual (0 for an exact solution).

    Examples
    --------
    >>> r = water_fill([1.0, 2.0, 2.0, 5.0], 1.0)
    >>> kkt_residual([1.0, 2.0, 2.0, 5.0], r.p, 1.0)
    0.0
    >>> kkt_residual([1.0, 2.0], [0.0, 1.0], 1.0)
    2.0
    """
    wv = _check_w(w, "w", 1)
    pv = as_float_array(p, "p", shape=wv.shape)
    b = _check_budget(budget, "budget")
    c = _check_cap(cap, wv.shape, "cap")
    usable = np.isfinite(wv) & (c > 0)
    viol = [0.0, float(np.max(-pv, initial=0.0)), float(np.max(pv - c, initial=0.0)),
            float(np.max(np.abs(pv[~usable]), initial=0.0))]
    total_cap = float(c[usable].sum()) if usable.any() else 0.0
    viol.append(abs(float(pv.sum()) - min(b, total_cap)))
    binding = b > 0 and total_cap > b
    if binding:
        wu, pu, cu = wv[usable], pv[usable], c[usable]
        free = (pu > 0) & (pu < cu)
        zero = pu <= 0
        capped = (pu >= cu) & ~zero
        if level is not None:
            mu = check_real(level, "level")
        elif free.any():
            mu = float(np.mean(pu[free] + wu[free]))
        else:
            lo = float(np.max(wu[capped] + cu[capped], initial=-math.inf))
            hi = float(np.min(wu[zero], initial=math.inf))
            mu = lo if not math.isfinite(hi) else hi if not math.isfinite(lo) else (lo + hi) / 2
        if free.any():
            viol.append(float(np.max(np.abs(pu[free] + wu[free] - mu))))
        viol.append(float(np.max(mu - wu[zero], initial=0.0)))
        viol.append(float(np.max(wu[capped] + cu[capped] - mu, initial=0.0)))
    return max(0.0, *viol)
