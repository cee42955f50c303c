"""Welfare-maximising allocations under the MNL, cascade and independent user models.

Solvers are registered by name in :data:`WELFARE_METHODS` with metadata ``exact``
(``True`` when the method returns an optimum of the stated range), ``models`` and
``limit`` (the documented size limit of exponential methods):

================  =====  ==========================================================
name              exact  what
================  =====  ==========================================================
``dinkelbach``    yes    MNL: Dinkelbach over <= K bipartite matchings (certificate
                         ``lam* = W*``: ``g(lam*) = w0 lam*``)
``matching``      yes    independent model: max-weight <= K matching of ``b_i p_ij``
``kempe_mahdian`` yes    cascade with ``p_ij = c_i``, ``q_ij = q_i`` (any order mode)
``bitmask_dp``    yes    cascade, free order, when ``p_ij / (1 - q_ij)`` depends on the
                         ad only (stop-on-click included): ads in decreasing
                         ``b_i p/(1-q)``, bitmask over positions, ``m <= 20``
``fixed_order_dp`` yes   cascade, fixed order: bitmask over ads, ``n <= 16``
``brute_force``   yes    every model: enumerates matchings (cascade free order sorts
                         each by the ordering lemma), at most 200 000 allocations
``mir_priority``  range  cascade: exact over the bid-independent range "render ads in a
                         fixed priority order" (maximal in range, so VCG on it is DSIC)
``matching_sort`` no     cascade heuristic: max-weight matching of ``b p``, then the
                         ordering lemma
``greedy``        no     cascade heuristic: add the pair with the largest welfare gain
``milp``          yes    every model via :func:`to_milp` (pulp + HiGHS, else CBC; a cross-check)
================  =====  ==========================================================

``method="auto"`` picks ``dinkelbach`` / ``matching`` / ``kempe_mahdian`` /
``bitmask_dp`` / ``fixed_order_dp`` / ``brute_force`` in that order of applicability.

**Tie rule.**  Maximise; an ad is shown only if it strictly raises the objective (beyond
``1e-13`` relative round-off in the matching), so ads with zero bid, zero weight or, under
MNL, bid ``<= W*`` are never shown ("fewer ads").  Remaining exact ties (measure zero for
continuous data) are broken by the solver's fixed scan order (lower ad index, then lower
position index first); the rule never looks at bids.

Examples
--------
>>> W = [[3, 2, 1], [1, 1, 1], [0.5, 0.5, 0.5], [2, 2, 2]]
>>> alloc = welfare_optimal_allocation(AuctionInstance([10, 2, 1, 0.5], W, max_ads=3))
>>> alloc.assignment, alloc.welfare, alloc.certificate["lambda"]
((0, -1, -1, -1), 7.5, 7.5)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_in_range, check_int
from mechkit.errors import InvalidInputError, NotConvergedError, SolverError
from mechkit.position_auctions.instance import AuctionInstance, ctr_of
from mechkit.registry import Registry

__all__ = [
    "BRUTE_FORCE_LIMIT",
    "FIXED_DP_MAX_ADS",
    "ORDER_DP_MAX_POSITIONS",
    "WELFARE_METHODS",
    "Allocation",
    "count_allocations",
    "welfare_optimal_allocation",
]

#: Largest number of allocations ``brute_force`` enumerates.
BRUTE_FORCE_LIMIT = 200_000
#: Largest ``m`` for the position-bitmask DP (and ``(n + 1) 2^m <= 2^24`` table entries).
ORDER_DP_MAX_POSITIONS = 20
#: Largest ``n`` for the fixed-order ad-bitmask DP.
FIXED_DP_MAX_ADS = 16

WELFARE_METHODS: Registry[Callable[..., Any]] = Registry("welfare method")


@dataclass(frozen=True, eq=False)
class Allocation:
    """An allocation with its welfare, CTRs and evidence.

    Attributes
    ----------
    assignment : tuple of int
        Position of each ad (-1: not shown).
    order : tuple of int
        The shown ads in rendering order.
    welfare : float
        ``sum_i b_i pi_i`` at the instance's bids (expected value per impression).
    ctr : numpy.ndarray
        ``pi_i`` for every ad.
    method : str
        The solver that produced it.
    exact : bool
        Whether the method is exact for the instance (``False`` for heuristics and for
        maximal-in-range methods, which are exact only over their range).
    status : str
        ``"optimal"``, ``"optimal_in_range"`` or ``"heuristic"``.
    certificate : dict
        Evidence: for MNL ``lambda`` (the Dinkelbach root), ``residual``
        (``g(lambda) - w0 lambda`` with ``g(lambda) = max_x sum x_ij w_ij (b_i - lambda)^+``
        the maximum-weight matching value at ``lambda``, so every allocation has welfare at
        most ``lambda + max(residual, 0) / w0``) and ``iterations``.
    """

    assignment: tuple[int, ...]
    order: tuple[int, ...]
    welfare: float
    ctr: NDArray[np.float64]
    method: str
    exact: bool
    status: str
    certificate: dict[str, Any] = field(default_factory=dict)

    @property
    def shown(self) -> tuple[int, ...]:
        """Indices of the shown ads (rendering order)."""
        return self.order

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {
            "assignment": list(self.assignment),
            "order": list(self.order),
            "welfare": self.welfare,
            "ctr": self.ctr.tolist(),
            "method": self.method,
            "exact": self.exact,
            "status": self.status,
            "certificate": dict(self.certificate),
        }

    def __repr__(self) -> str:
        pairs = ", ".join(f"{i}->{self.assignment[i]}" for i in self.order)
        return (f"Allocation(welfare={self.welfare:.6g}, shown=[{pairs}], method={self.method!r}, "
                f"status={self.status!r})")


# --------------------------------------------------------------------------- helpers
def _bids(instance: AuctionInstance, bids: ArrayLike | None) -> NDArray[np.float64]:
    if bids is None:
        return instance.bids
    b = as_float_array(bids, "bids", allow_empty=True)
    if b.shape != instance.bids.shape:
        raise InvalidInputError(f"bids: must have shape {instance.bids.shape}; got {b.shape}")
    check_in_range(b, "bids", 0.0, None)
    return b


def _rank_of_positions(instance: AuctionInstance) -> NDArray[np.int64]:
    rank = np.empty(instance.m, dtype=np.int64)
    rank[instance.sigma] = np.arange(instance.m)
    return rank


def _ad_ratio(instance: AuctionInstance) -> NDArray[np.float64] | None:
    """Per-ad ``p/(1-q)`` if it does not depend on the position (else None).

    Pairs with ``p = 0`` are ignored (such an ad is never shown there); ``q = 1`` gives
    ``inf``; ads with no positive CTR get 0.
    """
    P, Q = instance.ctr, instance.q
    if instance.n == 0:
        return np.zeros(0)
    if instance.m == 0:
        return np.zeros(instance.n)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(Q >= 1.0, np.inf, P / np.where(Q >= 1.0, 1.0, 1.0 - Q))
    pos = P > 0.0
    hi = np.max(np.where(pos, r, -np.inf), axis=1)
    lo = np.min(np.where(pos, r, np.inf), axis=1)
    none = ~pos.any(axis=1)
    fin = np.isfinite(hi) & ~none
    if np.any(np.isinf(hi) & ~none & np.isfinite(lo)):
        return None
    with np.errstate(invalid="ignore"):
        spread = np.where(fin, hi - lo, 0.0)
    if np.any(spread > 1e-12 * np.maximum(1.0, np.where(fin, hi, 0.0))):
        return None
    return np.where(none, 0.0, hi)


def _is_separable(instance: AuctionInstance) -> bool:
    P, Q = instance.ctr, instance.q
    if instance.m == 0:
        return True
    return bool(np.all(P == P[:, :1]) and np.all(Q == Q[:, :1]))


def _order_key(instance: AuctionInstance, b: NDArray[np.float64],
               assignment: NDArray[np.int64]) -> list[int]:
    """Shown ads in rendering order: ordering lemma (free) or position rank (fixed)."""
    shown = [i for i in range(instance.n) if assignment[i] >= 0]
    if instance.model != "cascade":
        return sorted(shown, key=lambda i: (int(assignment[i]), i))
    if instance.order == "fixed":
        rank = _rank_of_positions(instance)
        return sorted(shown, key=lambda i: (int(rank[assignment[i]]), i))

    def key(i: int) -> tuple[float, int]:
        j = int(assignment[i])
        a = b[i] * instance.ctr[i, j]
        q = instance.q[i, j]
        k = math.inf if q >= 1.0 else a / (1.0 - q)
        return (-k, i)

    return sorted(shown, key=key)


def _welfare(instance: AuctionInstance, b: NDArray[np.float64], assignment: NDArray[np.int64],
             order: list[int]) -> tuple[float, NDArray[np.float64]]:
    pi = ctr_of(instance, assignment, order if instance.model == "cascade" else None)
    return float(b @ pi) if instance.n else 0.0, pi


def count_allocations(n: int, m: int, K: int) -> int:
    """Number of allocations with at most ``K`` shown ads (``sum_k C(n,k) m!/(m-k)!``).

    Examples
    --------
    >>> count_allocations(3, 2, 2)
    13
    """
    n = check_int(n, "n", minimum=0)
    m = check_int(m, "m", minimum=0)
    K = check_int(K, "K", minimum=0)
    return sum(math.comb(n, k) * math.perm(m, k) for k in range(min(n, m, K) + 1))


def _result(instance: AuctionInstance, b: NDArray[np.float64], assignment: NDArray[np.int64],
            method: str, status: str, certificate: dict[str, Any] | None = None,
            order: list[int] | None = None) -> Allocation:
    assignment = np.asarray(assignment, dtype=np.int64)
    if order is None:
        order = _order_key(instance, b, assignment)
    wel, pi = _welfare(instance, b, assignment, order)
    return Allocation(tuple(int(x) for x in assignment), tuple(int(i) for i in order), wel, pi,
                      method, WELFARE_METHODS.metadata(method)["exact"], status,
                      dict(certificate or {}))


def _check_model(instance: AuctionInstance, method: str) -> None:
    models = WELFARE_METHODS.metadata(method)["models"]
    if instance.model not in models:
        raise InvalidInputError(
            f"method: {method!r} solves the {' / '.join(models)} model; got model="
            f"{instance.model!r} (use method='auto')"
        )


# --------------------------------------------------------------------------- methods
@WELFARE_METHODS.register("dinkelbach", exact=True, models=("mnl",), limit=None)
def _dinkelbach(instance: AuctionInstance, b: NDArray[np.float64], **_: Any) -> Allocation:
    from solvers.matching import mnl_solve

    if instance.n == 0 or instance.m == 0 or instance.max_ads == 0:
        return _result(instance, b, np.full(instance.n, -1), "dinkelbach", "optimal",
                       {"lambda": 0.0, "residual": 0.0, "iterations": 0})
    pos, _wel, lam, res, it, st = mnl_solve(instance.weights, b, instance.outside_weight,
                                           instance.max_ads, -1, 0.0)
    if st == 3:
        raise SolverError("the bounded matching failed inside Dinkelbach (a bug; please "
                          "report this instance)")
    if st != 0:
        raise NotConvergedError(f"Dinkelbach did not converge in {it} iterations", iterations=it,
                                residual=res)
    return _result(instance, b, pos, "dinkelbach", "optimal",
                   {"lambda": float(lam), "residual": float(res), "iterations": int(it)})


@WELFARE_METHODS.register("matching", exact=True, models=("independent",), limit=None)
def _matching(instance: AuctionInstance, b: NDArray[np.float64], **_: Any) -> Allocation:
    from solvers.matching import kmatch

    C = np.ascontiguousarray(instance.ctr * b[:, None])
    pos, _ = kmatch(C, instance.max_ads) if C.size else (np.full(instance.n, -1), 0.0)
    return _result(instance, b, pos, "matching", "optimal")


@WELFARE_METHODS.register("kempe_mahdian", exact=True, models=("cascade",), limit=None)
def _kempe_mahdian(instance: AuctionInstance, b: NDArray[np.float64], **_: Any) -> Allocation:
    from solvers.cascade import km_dp

    if not _is_separable(instance):
        raise InvalidInputError("method: 'kempe_mahdian' needs position-independent ctr and "
                                "continuation (p_ij = c_i, q_ij = q_i); use method='auto'")
    n, m = instance.n, instance.m
    if n == 0 or m == 0 or instance.max_ads == 0:
        return _result(instance, b, np.full(n, -1), "kempe_mahdian", "optimal")
    c = np.ascontiguousarray(instance.ctr[:, 0])
    q = np.ascontiguousarray(instance.q[:, 0])
    rank, _ = km_dp(c, q, b, instance.max_ads, -1)
    sigma = instance.sigma
    pos = np.where(rank >= 0, sigma[np.maximum(rank, 0)], -1)
    order = sorted((i for i in range(n) if rank[i] >= 0), key=lambda i: int(rank[i]))
    return _result(instance, b, pos, "kempe_mahdian", "optimal", order=order)


def _order_dp_limit(instance: AuctionInstance, method: str) -> None:
    n, m = instance.n, instance.m
    if m > ORDER_DP_MAX_POSITIONS or (n + 1) * 2**m > 2**24:
        raise InvalidInputError(
            f"instance: {method!r} is exponential in the number of positions and is limited to "
            f"m <= {ORDER_DP_MAX_POSITIONS} and (n + 1) * 2**m <= 2**24; got n={n}, m={m} "
            "(hint: use method='matching_sort' or 'greedy' for a heuristic)"
        )


def ad_priority_order(instance: AuctionInstance, b: NDArray[np.float64]) -> NDArray[np.int64]:
    """Ads in decreasing ``b_i p_ij / (1 - q_ij)`` when that ratio is ad-level (else raises).

    Ties (and ads with ratio 0) keep index order.

    Examples
    --------
    >>> inst = AuctionInstance([1.0, 3.0], ctr=[[0.5], [0.2]], model="cascade")
    >>> ad_priority_order(inst, inst.bids).tolist()
    [1, 0]
    """
    ratio = _ad_ratio(instance)
    if ratio is None:
        raise InvalidInputError(
            "instance: the bitmask DP needs p_ij / (1 - q_ij) to depend on the ad only (true "
            "for stop-on-click q = 1 - p); this free-order continuation makes the ordering "
            "key depend on the position (hint: use method='brute_force' for small instances, "
            "or 'mir_priority', 'matching_sort', 'greedy')"
        )
    key = np.where(np.isinf(ratio), np.where(b > 0, np.inf, 0.0), b * np.where(
        np.isinf(ratio), 0.0, ratio))
    return np.asarray(sorted(range(instance.n), key=lambda i: (-key[i], i)), dtype=np.int64)


@WELFARE_METHODS.register("bitmask_dp", exact=True, models=("cascade",),
                          limit=f"m <= {ORDER_DP_MAX_POSITIONS}")
def _bitmask_dp(instance: AuctionInstance, b: NDArray[np.float64], **_: Any) -> Allocation:
    from solvers.cascade import order_dp

    if instance.order != "free":
        raise InvalidInputError("method: 'bitmask_dp' is for order='free'; use "
                                "'fixed_order_dp' for order='fixed'")
    _order_dp_limit(instance, "bitmask_dp")
    order = ad_priority_order(instance, b)
    if instance.n == 0 or instance.m == 0 or instance.max_ads == 0:
        return _result(instance, b, np.full(instance.n, -1), "bitmask_dp", "optimal")
    pos, _ = order_dp(instance.ctr, instance.q, b, order, instance.max_ads)
    return _result(instance, b, pos, "bitmask_dp", "optimal",
                   order=[int(i) for i in order if pos[i] >= 0])


@WELFARE_METHODS.register("fixed_order_dp", exact=True, models=("cascade",),
                          limit=f"n <= {FIXED_DP_MAX_ADS}")
def _fixed_order_dp(instance: AuctionInstance, b: NDArray[np.float64], **_: Any) -> Allocation:
    from solvers.cascade import fixed_dp

    if instance.order != "fixed":
        raise InvalidInputError("method: 'fixed_order_dp' is for order='fixed'")
    if instance.n > FIXED_DP_MAX_ADS:
        raise InvalidInputError(
            f"instance: 'fixed_order_dp' is exponential in the number of ads and is limited to "
            f"n <= {FIXED_DP_MAX_ADS}; got n={instance.n} (hint: use method='mir_priority' for "
            "a truthful approximation or 'matching_sort' / 'greedy' for heuristics)"
        )
    if instance.n == 0 or instance.m == 0 or instance.max_ads == 0:
        return _result(instance, b, np.full(instance.n, -1), "fixed_order_dp", "optimal")
    pos, _ = fixed_dp(instance.ctr, instance.q, b, instance.sigma, instance.max_ads, -1)
    return _result(instance, b, pos, "fixed_order_dp", "optimal")


@WELFARE_METHODS.register("brute_force", exact=True, models=("mnl", "cascade", "independent"),
                          limit=f"{BRUTE_FORCE_LIMIT} allocations")
def _brute_force(instance: AuctionInstance, b: NDArray[np.float64], **_: Any) -> Allocation:
    n, m, K = instance.n, instance.m, instance.max_ads
    count = count_allocations(n, m, K)
    if count > BRUTE_FORCE_LIMIT:
        raise InvalidInputError(
            f"instance: 'brute_force' would enumerate {count} allocations, more than the limit "
            f"{BRUTE_FORCE_LIMIT} (n={n}, m={m}, K={K}); hint: use method='auto'"
        )
    best_val = 0.0
    best = np.full(n, -1, dtype=np.int64)
    best_order: list[int] = []
    for k in range(1, min(n, m, K) + 1):
        for ads in itertools.combinations(range(n), k):
            for ps in itertools.permutations(range(m), k):
                pos = np.full(n, -1, dtype=np.int64)
                pos[list(ads)] = ps
                order = _order_key(instance, b, pos)
                val, _ = _welfare(instance, b, pos, order)
                if val > best_val * (1.0 + 1e-12) + 1e-300:
                    best_val, best, best_order = val, pos, order
    return _result(instance, b, best, "brute_force", "optimal", order=best_order)


@WELFARE_METHODS.register("mir_priority", exact=False, models=("cascade",),
                          limit=f"free order: m <= {ORDER_DP_MAX_POSITIONS}")
def _mir_priority(instance: AuctionInstance, b: NDArray[np.float64],
                  priority: ArrayLike | None = None, **_: Any) -> Allocation:
    from solvers.cascade import order_dp, ranked_dp

    order = mir_priority_order(instance, priority)
    if instance.n == 0 or instance.m == 0 or instance.max_ads == 0:
        return _result(instance, b, np.full(instance.n, -1), "mir_priority", "optimal_in_range")
    if instance.order == "free":
        _order_dp_limit(instance, "mir_priority")
        pos, _ = order_dp(instance.ctr, instance.q, b, order, instance.max_ads)
        seq = [int(i) for i in order if pos[i] >= 0]
    else:
        pos, _ = ranked_dp(instance.ctr, instance.q, b, order, instance.sigma,
                           instance.max_ads, -1)
        seq = None
    return _result(instance, b, pos, "mir_priority", "optimal_in_range", order=seq)


def mir_priority_order(instance: AuctionInstance,
                       priority: ArrayLike | None = None) -> NDArray[np.int64]:
    """The bid-independent ad order of the maximal-in-range cascade mechanism.

    Default priority: ``max_j p_ij / (1 - q_ij)`` (``inf`` when ``q = 1``), decreasing,
    ties by index; it depends on the CTR model only, never on bids.

    Examples
    --------
    >>> inst = AuctionInstance([1.0, 1.0], ctr=[[0.1], [0.5]], model="cascade",
    ...                        continuation=[[0.5], [0.5]])
    >>> mir_priority_order(inst).tolist()
    [1, 0]
    """
    if priority is not None:
        pr = as_float_array(priority, "priority", ndim=1, allow_empty=True)
        if pr.shape[0] != instance.n:
            raise InvalidInputError(f"priority: must have length n={instance.n}; got {pr.shape}")
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(instance.q >= 1.0, np.where(instance.ctr > 0, np.inf, 0.0),
                         instance.ctr / np.maximum(1.0 - instance.q, 1e-300))
        pr = r.max(axis=1) if instance.m else np.zeros(instance.n)
    return np.asarray(sorted(range(instance.n), key=lambda i: (-pr[i], i)), dtype=np.int64)


@WELFARE_METHODS.register("matching_sort", exact=False, models=("cascade",), limit=None)
def _matching_sort(instance: AuctionInstance, b: NDArray[np.float64], **_: Any) -> Allocation:
    from solvers.matching import kmatch

    C = np.ascontiguousarray(instance.ctr * b[:, None])
    pos, _ = kmatch(C, instance.max_ads) if C.size else (np.full(instance.n, -1), 0.0)
    # drop shown ads whose removal does not lower welfare (they only block)
    pos = np.asarray(pos, dtype=np.int64).copy()
    improved = True
    while improved:
        improved = False
        base, _ = _welfare(instance, b, pos, _order_key(instance, b, pos))
        for i in np.flatnonzero(pos >= 0):
            trial = pos.copy()
            trial[i] = -1
            val, _ = _welfare(instance, b, trial, _order_key(instance, b, trial))
            if val >= base:
                pos, improved = trial, True
                break
    return _result(instance, b, pos, "matching_sort", "heuristic")


@WELFARE_METHODS.register("greedy", exact=False, models=("cascade",), limit=None)
def _greedy(instance: AuctionInstance, b: NDArray[np.float64], **_: Any) -> Allocation:
    n, m, K = instance.n, instance.m, instance.max_ads
    pos = np.full(n, -1, dtype=np.int64)
    base = 0.0
    for _k in range(min(n, m, K)):
        used = set(pos[pos >= 0].tolist())
        best_gain, best_pair = 0.0, None
        for i in range(n):
            if pos[i] >= 0 or b[i] <= 0:
                continue
            for j in range(m):
                if j in used or instance.ctr[i, j] <= 0:
                    continue
                trial = pos.copy()
                trial[i] = j
                val, _ = _welfare(instance, b, trial, _order_key(instance, b, trial))
                if val - base > best_gain * (1.0 + 1e-12) + 1e-15 * max(1.0, base):
                    best_gain, best_pair = val - base, (i, j)
        if best_pair is None:
            break
        pos[best_pair[0]] = best_pair[1]
        base += best_gain
    return _result(instance, b, pos, "greedy", "heuristic")


@WELFARE_METHODS.register("milp", exact=True, models=("mnl", "cascade", "independent"),
                          limit="small instances (pulp + HiGHS, else CBC)")
def _milp(instance: AuctionInstance, b: NDArray[np.float64], **_: Any) -> Allocation:
    from mechkit.position_auctions.milp import to_milp

    return to_milp(instance.with_bids(b)).solve()


def _auto(instance: AuctionInstance) -> str:
    if instance.model == "mnl":
        return "dinkelbach"
    if instance.model == "independent":
        return "matching"
    if _is_separable(instance):
        return "kempe_mahdian"
    if instance.order == "free" and _ad_ratio(instance) is not None:
        return "bitmask_dp"
    if instance.order == "fixed" and instance.n <= FIXED_DP_MAX_ADS:
        return "fixed_order_dp"
    count = count_allocations(instance.n, instance.m, instance.max_ads)
    if count <= BRUTE_FORCE_LIMIT:
        return "brute_force"
    what = ("fixed order with n > 16" if instance.order == "fixed"
            else "free order with a position-dependent ordering key p/(1-q)")
    raise InvalidInputError(
        f"instance: no exact polynomial solver for the cascade with {what}, and brute force "
        f"would enumerate {count} > {BRUTE_FORCE_LIMIT} allocations (hint: use "
        "method='mir_priority' for a truthful approximation, or 'matching_sort' / 'greedy')"
    )


def welfare_optimal_allocation(
    instance: AuctionInstance,
    *,
    method: str = "auto",
    bids: ArrayLike | None = None,
    priority: ArrayLike | None = None,
) -> Allocation:
    """The allocation maximising ``sum_i b_i pi_i`` (expected welfare per impression).

    Parameters
    ----------
    instance : AuctionInstance
    method : str, default "auto"
        A name in :data:`WELFARE_METHODS` (see the module docstring).
    bids : array_like, optional
        Bids to use instead of ``instance.bids`` (e.g. virtual values).
    priority : array_like, optional
        The bid-independent ad priority of ``method="mir_priority"``.

    Returns
    -------
    Allocation

    Raises
    ------
    InvalidInputError
        Unknown method, a method that does not fit the model, or an exponential method
        beyond its size limit (with a hint).
    NotConvergedError
        If Dinkelbach hits its iteration cap (never observed).

    Examples
    --------
    >>> inst = AuctionInstance([10, 6, 5, 2, 1], [[0.3], [2], [1], [0.5], [4]], max_ads=1)
    >>> welfare_optimal_allocation(inst).shown
    (1,)
    """
    if not isinstance(instance, AuctionInstance):
        raise InvalidInputError(f"instance: must be an AuctionInstance; got "
                                f"{type(instance).__name__}")
    b = _bids(instance, bids)
    name = _auto(instance) if method == "auto" else method
    fn = WELFARE_METHODS.get(name)
    _check_model(instance, name)
    return fn(instance, b, priority=priority)
