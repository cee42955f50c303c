"""Mechanisms: VCG, Myerson (virtual values with ironing), and GSP-style next price.

All three are single-parameter mechanisms over the allocation rules of
:mod:`mechkit.position_auctions.welfare`.  Payments are reported twice: the expected
payment per impression ``p_i`` and the price per click ``p_i / pi_i`` (0 when
``pi_i = 0``).

* :func:`vcg` — the welfare-optimal allocation and Clarke pivots
  ``p_i = W*_{-i} - (W* - b_i pi_i)``.  Ads that are not shown pay 0.  Under MNL the
  price per click has the closed form ``b_i - (W* - W*_{-i}) (w0 + S) / w_i``.  With
  ``method="mir_priority"`` it is VCG over a bid-independent range (maximal in range),
  hence DSIC too.
* :func:`myerson` — allocate by ironed virtual values ``phi_bar_i(b_i)^+`` and charge
  ``p_i = b_i pi_i(b) - int_0^{b_i} pi_i(z, b_-i) dz = sum_k z_k (pi^(k) - pi^(k-1))``:
  the CTR of ``i`` as a function of its own virtual value is a step function whose
  breakpoints ``t_k`` are found by the line-intersection recursion on the convex
  piecewise-linear ``Phi(t) = max_x [t pi_i(x) + sum_{k != i} phi_bar_k pi_k(x)]``, and
  ``z_k = inf {z : phi_bar_i(z) >= t_k}``.  Ironed ties are broken by the solvers' fixed
  index rule (lower ad index first), which never looks at bids.  When ``phi_bar_i`` is
  flat at ``t_k`` (an ironed interval ``[v_lo, v_hi)`` or a discrete support point) the
  allocation is re-solved at virtual bid ``t_k``: the CTR the tie rule gives there is
  reached at ``v_lo`` and the rest of the jump only at ``v_hi`` (a bidder who loses the
  tie pays the end of the flat, not its start).
* :func:`gsp` — the efficient allocation and, per click, the next-lower bid in the bid
  ranking (ties by index).  **Not truthful** (a baseline; never label it DSIC).

Examples
--------
>>> W = [[3, 2, 1], [1, 1, 1], [0.5, 0.5, 0.5], [2, 2, 2]]
>>> out = vcg(AuctionInstance([10, 2, 1, 0.5], W, max_ads=3))
>>> round(float(out.payment[0]), 12), round(float(out.price_per_click[0]), 6)
(1.0, 1.333333)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import check_int, check_real
from mechkit.errors import InvalidInputError, NotConvergedError, SolverError
from mechkit.position_auctions.instance import AuctionInstance
from mechkit.position_auctions.priors import Prior, _Segment, _SegmentRule, check_priors
from mechkit.position_auctions.welfare import (
    Allocation,
    _auto,
    _bids,
    _check_model,
    _result,
    ad_priority_order,
    welfare_optimal_allocation,
)
from mechkit.registry import Registry

__all__ = [
    "MECHANISMS",
    "MechanismOutcome",
    "ctr_breakpoints",
    "gsp",
    "myerson",
    "myerson_integral_payments",
    "vcg",
    "vcg_with_reserve",
]

MECHANISMS: Registry[Callable[..., Any]] = Registry("mechanism")

#: Relative round-off allowed before a payment outside ``[0, b_i pi_i]`` is a bug.
PAYMENT_TOL = 1e-10


@dataclass(frozen=True, eq=False)
class MechanismOutcome:
    """Allocation and payments of one mechanism run.

    Attributes
    ----------
    mechanism : str
    allocation : Allocation
        The allocation (for Myerson its ``welfare`` is the virtual welfare it maximised).
    payment : numpy.ndarray
        Expected payment per impression of every ad.
    price_per_click : numpy.ndarray
        ``payment / ctr`` (0 for ads not shown).
    welfare : float
        ``sum_i b_i pi_i`` at the reported bids.
    revenue : float
        ``sum_i payment_i``.
    details : dict
        Mechanism-specific evidence (virtual bids, CTR breakpoints and critical bids...).
    """

    mechanism: str
    allocation: Allocation
    payment: NDArray[np.float64]
    price_per_click: NDArray[np.float64]
    welfare: float
    revenue: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ctr(self) -> NDArray[np.float64]:
        """CTR of every ad."""
        return self.allocation.ctr

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {
            "mechanism": self.mechanism,
            "allocation": self.allocation.to_dict(),
            "payment": self.payment.tolist(),
            "price_per_click": self.price_per_click.tolist(),
            "welfare": self.welfare,
            "revenue": self.revenue,
        }

    def __repr__(self) -> str:
        return (f"MechanismOutcome({self.mechanism!r}, shown={list(self.allocation.order)}, "
                f"welfare={self.welfare:.6g}, revenue={self.revenue:.6g})")


def _outcome(name: str, instance: AuctionInstance, alloc: Allocation, pay: ArrayLike,
             details: dict[str, Any] | None = None) -> MechanismOutcome:
    b = instance.bids
    pi = alloc.ctr
    pay = np.asarray(pay, dtype=np.float64).copy()
    welfare = float(b @ pi) if instance.n else 0.0
    tol = PAYMENT_TOL * max(1.0, welfare, float(np.max(b, initial=0.0)))
    hi = b * pi
    bad = (pay < -tol) | (pay > hi + tol)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SolverError(f"{name}: payment of ad {i} is {pay[i]}, outside [0, b_i pi_i] = "
                          f"[0, {hi[i]}] beyond round-off; this is a bug, please report it")
    pay = np.clip(pay, 0.0, hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        ppc = np.where(pi > 0, pay / np.where(pi > 0, pi, 1.0), 0.0)
    return MechanismOutcome(name, alloc, pay, ppc, welfare, float(pay.sum()), dict(details or {}))


def _raise_status(st: int) -> None:
    """Turn a kernel status into an exception (0 is success)."""
    if st == 1:
        raise NotConvergedError("Dinkelbach did not converge in a Clarke re-solve")
    if st == 2:
        raise SolverError("vcg: a payment left [0, b_i pi_i] beyond round-off; this is a bug, "
                          "please report it")
    if st != 0:
        raise SolverError(f"vcg: the matching kernel failed (status {st}); this is a bug, "
                          "please report it")


def _check_instance(instance: object) -> AuctionInstance:
    if not isinstance(instance, AuctionInstance):
        raise InvalidInputError(f"instance: must be an AuctionInstance; got "
                                f"{type(instance).__name__}")
    return instance


# --------------------------------------------------------------------------- VCG
@MECHANISMS.register("vcg", truthful=True)
def vcg(instance: AuctionInstance, *, method: str = "auto",
        priority: ArrayLike | None = None) -> MechanismOutcome:
    """VCG (Clarke pivot) auction over the welfare-optimal allocation.

    Parameters
    ----------
    instance : AuctionInstance
    method : str, default "auto"
        Welfare method (see :func:`welfare_optimal_allocation`).  Exact methods give the
        VCG mechanism; ``"mir_priority"`` gives the maximal-in-range VCG (DSIC); the
        heuristics ``"matching_sort"`` and ``"greedy"`` are refused (VCG payments over a
        non-MIR heuristic are not truthful).
    priority : array_like, optional
        Ad priority for ``"mir_priority"``.

    Returns
    -------
    MechanismOutcome

    Examples
    --------
    >>> inst = AuctionInstance([4, 7, 2, 5, 3], ctr=[[0.3] * 3, [0.2] * 3, [0.5] * 3,
    ...     [0.1] * 3, [0.25] * 3], model="cascade",
    ...     continuation=[[0.9] * 3, [0.6] * 3, [0.4] * 3, [0.95] * 3, [0.7] * 3])
    >>> out = vcg(inst)
    >>> round(out.welfare, 12), [round(float(p), 12) for p in out.payment]
    (3.0, [0.6, 0.765, 0.405, 0.0, 0.0])
    """
    instance = _check_instance(instance)
    name = _auto(instance) if method == "auto" else method
    if name in ("matching_sort", "greedy"):
        raise InvalidInputError(f"method: VCG over the heuristic {name!r} is not truthful; use "
                                "an exact method or 'mir_priority' (maximal in range)")
    b = instance.bids
    n = instance.n
    if name in ("dinkelbach", "matching") and n and instance.m and instance.max_ads:
        from solvers.matching import INDEPENDENT, MNL, match_vcg

        _check_model(instance, name)
        pos, _ctr, pay, _wel, st = match_vcg(instance.matrix, b, instance.outside_weight,
                                             instance.max_ads,
                                             MNL if name == "dinkelbach" else INDEPENDENT)
        _raise_status(int(st))
        # the kernel does not keep the Dinkelbach trace; welfare_optimal_allocation
        # returns the certificate (lambda*, residual, iterations)
        alloc = _result(instance, b, pos, name, "optimal")
        return _outcome("vcg", instance, alloc, pay, {"method": name})
    if name == "bitmask_dp" and n and instance.m and instance.max_ads:
        from mechkit.position_auctions.welfare import _order_dp_limit
        from solvers.cascade import order_vcg

        if instance.order != "free":
            raise InvalidInputError("method: 'bitmask_dp' is for order='free'")
        _order_dp_limit(instance, "bitmask_dp")
        order = ad_priority_order(instance, b)
        prune = instance.continuation_rule == "stop_on_click"
        pos, _ctr, pay, _wel, st = order_vcg(instance.ctr, instance.q, b, order,
                                            instance.max_ads, prune)
        _raise_status(int(st))
        alloc = _result(instance, b, pos, "bitmask_dp", "optimal",
                        order=[int(i) for i in order if pos[i] >= 0])
        return _outcome("vcg", instance, alloc, pay, {"method": name})
    alloc = welfare_optimal_allocation(instance, method=name, priority=priority)
    pay = np.zeros(n)
    for i in alloc.order:
        bb = b.copy()
        bb[i] = 0.0
        h = welfare_optimal_allocation(instance, method=name, bids=bb, priority=priority).welfare
        pay[i] = h - (alloc.welfare - b[i] * alloc.ctr[i])
    return _outcome("vcg", instance, alloc, pay, {"method": name})


# --------------------------------------------------------------------------- breakpoints
def ctr_breakpoints(
    instance: AuctionInstance,
    ad: int,
    *,
    bids: ArrayLike | None = None,
    upto: float | None = None,
    method: str = "auto",
    priority: ArrayLike | None = None,
    max_solves: int = 400,
) -> tuple[tuple[float, float], ...]:
    """Where the CTR of ``ad`` jumps as its own bid rises from 0 to ``upto``.

    The welfare ``Phi(t)`` of the allocation rule with ``ad`` bidding ``t`` (others fixed)
    is convex and piecewise linear with slope ``pi_ad(t)``; its breakpoints are found by
    intersecting tangent lines (``O(1)`` solves per breakpoint).

    Parameters
    ----------
    instance : AuctionInstance
    ad : int
        The bidder.
    bids : array_like, optional
        Everyone's bids (default the instance's); ``bids[ad]`` is ignored.
    upto : float, optional
        Largest own bid considered (default ``bids[ad]``).
    method, priority
        The allocation rule (see :func:`welfare_optimal_allocation`).
    max_solves : int, default 400
        Cap on welfare solves (raises :class:`NotConvergedError` beyond).

    Returns
    -------
    tuple of (float, float)
        ``(t_k, ctr just above t_k)`` in increasing ``t_k``; the CTR at 0 is 0.

    Examples
    --------
    >>> inst = AuctionInstance([0.8, 0.6], [[1.0], [1.0]])
    >>> [(round(t, 12), c) for t, c in ctr_breakpoints(inst, 0)]
    [(0.6, 0.5)]
    """
    instance = _check_instance(instance)
    ad = check_int(ad, "ad", minimum=0, maximum=instance.n - 1)
    base = _bids(instance, bids).copy()
    top = float(base[ad]) if upto is None else check_real(upto, "upto")
    if top < 0:
        raise InvalidInputError(f"upto: must be >= 0 (a bid); got {top}")
    max_solves = check_int(max_solves, "max_solves", minimum=2)
    solves = [0]

    def solve(t: float) -> tuple[float, float]:
        solves[0] += 1
        if solves[0] > max_solves:
            raise NotConvergedError(f"ctr_breakpoints: more than {max_solves} solves",
                                    iterations=max_solves)
        bb = base.copy()
        bb[ad] = t
        a = welfare_optimal_allocation(instance, method=method, bids=bb, priority=priority)
        return a.welfare, float(a.ctr[ad])

    if top <= 0:
        return ()
    f0, s0 = solve(0.0)
    f1, s1 = solve(top)
    out: list[tuple[float, float]] = []

    def rec(tl: float, fl: float, sl: float, tr: float, fr: float, sr: float) -> None:
        if sr - sl <= 1e-14:
            return
        t = (fl - sl * tl - fr + sr * tr) / (sr - sl)
        t = min(max(t, tl), tr)
        ft, st = solve(t)
        line = fl + sl * (t - tl)
        if ft <= line + 1e-12 * max(1.0, abs(line)) or t <= tl or t >= tr:
            out.append((t, sr))
            return
        rec(tl, fl, sl, t, ft, st)
        rec(t, ft, st, tr, fr, sr)

    rec(0.0, f0, s0, top, f1, s1)
    out.sort()
    return tuple(out)


def myerson_integral_payments(
    instance: AuctionInstance, *, method: str = "auto", priority: ArrayLike | None = None
) -> NDArray[np.float64]:
    """``p_i = b_i pi_i(b) - int_0^{b_i} pi_i(z, b_-i) dz`` for the welfare-optimal rule.

    By revenue equivalence these equal the VCG payments (a cross-check).

    Examples
    --------
    >>> W = [[3, 2, 1], [1, 1, 1], [0.5, 0.5, 0.5], [2, 2, 2]]
    >>> round(float(myerson_integral_payments(AuctionInstance([10, 2, 1, 0.5], W, max_ads=3))[0]), 12)
    1.0
    """
    instance = _check_instance(instance)
    alloc = welfare_optimal_allocation(instance, method=method, priority=priority)
    pay = np.zeros(instance.n)
    for i in alloc.order:
        prev = 0.0
        for t, s in ctr_breakpoints(instance, i, method=method, priority=priority):
            pay[i] += t * (s - prev)
            prev = s
    return pay


# --------------------------------------------------------------------------- Myerson
@MECHANISMS.register("myerson", truthful=True)
def myerson(instance: AuctionInstance, priors: Sequence[Prior], *, method: str = "auto",
            priority: ArrayLike | None = None) -> MechanismOutcome:
    """Myerson's revenue-optimal mechanism for independent private values.

    Parameters
    ----------
    instance : AuctionInstance
        Bids are the reports.
    priors : sequence of Prior
        One prior per ad (:class:`Uniform`, :class:`Exponential`,
        :class:`PiecewiseUniform`, :class:`Discrete`).
    method : str, default "auto"
        The allocation solver applied to the virtual bids ``phi_bar^+`` (exact methods, or
        ``"mir_priority"``).
    priority : array_like, optional
        Ad priority for ``"mir_priority"``.

    Returns
    -------
    MechanismOutcome
        ``details`` holds ``virtual_bids`` and, per shown ad, its CTR breakpoints in
        virtual-value space and the critical bids.

    Examples
    --------
    >>> from mechkit.position_auctions.priors import Uniform
    >>> out = myerson(AuctionInstance([0.8, 0.6], [[1.0], [1.0]]), [Uniform(0, 1)] * 2)
    >>> round(float(out.price_per_click[0]), 12), round(float(out.payment[0]), 12)
    (0.6, 0.3)
    """
    instance = _check_instance(instance)
    pr = check_priors(priors, instance.n)
    name = _auto(instance) if method == "auto" else method
    if name in ("matching_sort", "greedy"):
        raise InvalidInputError(f"method: Myerson over the heuristic {name!r} is not truthful; "
                                "use an exact method or 'mir_priority'")
    b = instance.bids
    phi = np.array([float(pr[i].ironed_virtual_value(b[i])) for i in range(instance.n)])
    vb = np.maximum(phi, 0.0)
    alloc = welfare_optimal_allocation(instance, method=name, bids=vb, priority=priority)
    pay = np.zeros(instance.n)
    crit: dict[int, list[tuple[float, float, float]]] = {}
    for i in alloc.order:
        lo_i = pr[i].support[0]
        if b[i] < lo_i - 1e-12 * max(1.0, abs(lo_i)):
            raise InvalidInputError(
                f"bids: ad {i} bids {b[i]}, below the support [{lo_i}, {pr[i].support[1]}] of "
                "its prior, and is shown (outside='clamp' evaluates phi_bar at the support's "
                "lower end); its critical bid lies in the support, so it would pay more than "
                "its bid: report a value inside the support"
            )

        def ctr_at(u: float, i: int = i) -> float:
            bb = vb.copy()
            bb[i] = max(u, 0.0)
            return float(welfare_optimal_allocation(instance, method=name, bids=bb,
                                                    priority=priority).ctr[i])

        prev = 0.0
        rows = []
        for t, s in ctr_breakpoints(instance, i, bids=vb, method=name, priority=priority):
            for z, level in _critical_bids(pr[i], t, prev, s, ctr_at):
                pay[i] += z * (level - prev)
                rows.append((t, z, level))
                prev = level
        crit[i] = rows
    # the allocation's welfare field is the virtual welfare; report CTRs at the true bids
    details = {"method": name, "virtual_bids": phi, "breakpoints": crit,
               "virtual_welfare": alloc.welfare}
    return _outcome("myerson", instance, alloc, pay, details)


def _flat_at(prior: Prior, t: float) -> tuple[float, float, float] | None:
    """``(v_lo, v_hi, value)`` of the maximal run of flat segments of ``phi_bar`` at ``t``.

    "At ``t``" is up to ``1e-9`` relative round-off (a breakpoint from the tangent-line
    recursion carries a few ulps of error).  None when ``phi_bar`` is not flat at ``t``.
    """
    segs = prior.segments
    tol = 1e-9 * max(1.0, abs(t))
    for k, s in enumerate(segs):
        if s.beta == 0.0 and s.hi > s.lo and abs(s.alpha - t) <= tol:
            hi = s.hi
            while k + 1 < len(segs) and segs[k + 1].beta == 0.0 and abs(
                    segs[k + 1].alpha - s.alpha) <= tol:
                k += 1
                hi = segs[k].hi
            return s.lo, hi, s.alpha
    return None


def _critical_bids(prior: Prior, t: float, prev: float, level: float,
                   ctr_at: Callable[[float], float]) -> list[tuple[float, float]]:
    """Critical bids ``(z, ctr level reached at z)`` of one CTR jump ``prev -> level`` at ``t``.

    Where ``phi_bar`` is strictly increasing (or jumps across ``t``) this is
    ``inf {z : phi_bar(z) >= t}``.  Where ``phi_bar`` is flat at ``t`` (an ironed interval
    ``[v_lo, v_hi)``, or a support point of a discrete prior) every bid in the flat has the
    virtual bid ``t`` exactly, so the CTR there is whatever the allocation's fixed tie rule
    gives at ``t`` (``c = ctr_at(t)``): the bidder reaches ``c`` at ``v_lo`` and ``level`` only
    at ``v_hi``, the end of the flat.
    """
    flat = _flat_at(prior, t)
    if flat is None:
        return [(float(prior.threshold(t)), level)]
    v_lo, v_hi, value = flat
    if math.isinf(v_hi):
        v_hi = prior.support[1]
    c = min(max(ctr_at(value), prev), level)
    out = []
    if c > prev:
        out.append((float(v_lo), c))
    if level > c:
        out.append((float(v_hi), level))
    return out


class _ReserveRule(_SegmentRule):
    """The pseudo-prior whose ``phi_bar`` is ``b`` above the reserve and ``-1`` below."""

    def __init__(self, reserve: float) -> None:
        self.lo, self.hi, self.outside = 0.0, float("inf"), "clamp"
        self.segments = ((_Segment(0.0, float("inf"), 0.0, 1.0),) if reserve <= 0 else
                         (_Segment(0.0, reserve, -1.0, 0.0),
                          _Segment(reserve, float("inf"), 0.0, 1.0)))


@MECHANISMS.register("vcg_reserve", truthful=True)
def vcg_with_reserve(instance: AuctionInstance, reserve: float | ArrayLike = 0.0, *,
                     method: str = "auto") -> MechanismOutcome:
    """VCG with reserve prices (bids below the reserve are dropped).

    Each shown ad pays at least its reserve per unit of CTR it gains above it.  This is
    Myerson's payment rule applied to ``phi(b) = b`` (``-1`` below the reserve), so it is
    DSIC and IR; with ``reserve = 0`` it is plain VCG.

    Examples
    --------
    >>> out = vcg_with_reserve(AuctionInstance([0.7, 0.4], [[1.0], [1.0]]), 0.5)
    >>> round(float(out.price_per_click[0]), 12)
    0.5
    """
    from mechkit._validate import as_float_array

    instance = _check_instance(instance)
    r = as_float_array(reserve, "reserve", allow_empty=True)
    r = np.broadcast_to(r, (instance.n,)) if r.ndim == 0 or r.size == 1 else r
    if r.shape != (instance.n,):
        raise InvalidInputError(f"reserve: must be a number or have length n={instance.n}; got "
                                f"shape {r.shape}")
    if np.any(r < 0):
        raise InvalidInputError(f"reserve: must be non-negative; got {r.tolist()}")
    out = myerson(instance, [_ReserveRule(float(x)) for x in np.ravel(r)], method=method)
    return MechanismOutcome("vcg_reserve", out.allocation, out.payment, out.price_per_click,
                            out.welfare, out.revenue, out.details)


# --------------------------------------------------------------------------- GSP
@MECHANISMS.register("gsp", truthful=False)
def gsp(instance: AuctionInstance, *, method: str = "auto") -> MechanismOutcome:
    """GSP-style next price: efficient allocation, each shown ad pays the next-lower bid per click.

    Not truthful under any of the models (a baseline).

    Examples
    --------
    >>> out = gsp(AuctionInstance([10, 4, 2], ctr=[[1, .5], [1, .5], [1, .5]],
    ...           model="independent"))
    >>> out.price_per_click.tolist()
    [4.0, 2.0, 0.0]
    """
    instance = _check_instance(instance)
    alloc = welfare_optimal_allocation(instance, method=method)
    b = instance.bids
    rank = sorted(range(instance.n), key=lambda i: (-b[i], i))
    nxt = np.zeros(instance.n)
    for r, i in enumerate(rank):
        nxt[i] = b[rank[r + 1]] if r + 1 < len(rank) else 0.0
    pay = np.where(alloc.ctr > 0, nxt * alloc.ctr, 0.0)
    return _outcome("gsp", instance, alloc, pay, {"method": method})
