"""Expected revenue and welfare of a mechanism under independent priors.

Two integrators: Monte Carlo (:func:`expected_revenue`, seeded, with standard errors) and
deterministic tensor-product quadrature in quantile space
(:func:`expected_revenue_quadrature`, for few bidders; discrete priors are summed
exactly).

``expected_revenue(mechanism, instance, priors, n_samples, seed=)`` draws values
``v_i ~ F_i`` independently, runs the mechanism on truthful bids and averages revenue
and welfare, with standard errors.  Two estimators:

``"payments"`` (default)
    The average of the realised payments (any mechanism, truthful or not).
``"virtual_surplus"``
    ``E[sum_i phi_bar_i(v_i) pi_i(x*(v))]`` — Myerson's identity for a DSIC mechanism
    with ``p_i(0) = 0`` whose allocation is constant on ironed intervals (Myerson's is).
    Only for ``"myerson"``: one welfare solve per sample and no payment computation.

MNL ``"vcg"`` and ``"myerson"`` and independent-model ``"vcg"`` use the batched numba
kernels; everything else runs one auction per sample (or quadrature point).

Examples
--------
>>> from mechkit.position_auctions import AuctionInstance, Uniform
>>> inst = AuctionInstance([0.0, 0.0], [[1.0], [1.0]])
>>> est = expected_revenue("vcg", inst, [Uniform(0, 1)] * 2, 20000, seed=1)
>>> abs(est.revenue - 1 / 6) < 4 * est.revenue_stderr
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mechkit._validate import check_choice, check_int
from mechkit.errors import InvalidInputError
from mechkit.position_auctions.instance import AuctionInstance
from mechkit.position_auctions.mechanisms import MECHANISMS, MechanismOutcome
from mechkit.position_auctions.priors import Prior, check_priors
from mechkit.random import SeedLike, as_generator

__all__ = [
    "QUADRATURE_MAX_POINTS",
    "QUADRATURE_RULES",
    "QuadratureEstimate",
    "RevenueEstimate",
    "expected_revenue",
    "expected_revenue_quadrature",
    "reserve_revenue_curve",
]

ESTIMATORS = ("payments", "virtual_surplus")
QUADRATURE_RULES = ("gauss_legendre", "midpoint")
#: Default budget of grid points (``nodes ** n_continuous`` times the discrete support sizes).
QUADRATURE_MAX_POINTS = 2_000_000
_CHUNK = 1 << 16  # grid points evaluated per batch call (bounds the memory)


@dataclass(frozen=True)
class RevenueEstimate:
    """Monte Carlo estimate of expected revenue and welfare (per impression)."""

    mechanism: str
    revenue: float
    revenue_stderr: float
    welfare: float
    welfare_stderr: float
    n_samples: int
    estimator: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return dict(self.__dict__)

    def __repr__(self) -> str:
        return (f"RevenueEstimate({self.mechanism!r}, revenue={self.revenue:.5g} ± "
                f"{self.revenue_stderr:.2g}, welfare={self.welfare:.5g} ± "
                f"{self.welfare_stderr:.2g}, n={self.n_samples})")


@dataclass(frozen=True)
class QuadratureEstimate:
    """Deterministic quadrature value of expected revenue and welfare (per impression).

    ``revenue_error`` and ``welfare_error`` are ``|Q(nodes) - Q(nodes // 2)|``: a heuristic
    error estimate, not a bound (zero when every prior is discrete and the sum is exact).
    ``discrepancy`` is the product rule's local discrepancy ``D`` (sum over the continuous
    priors of the one-dimensional ``sup_t |sum_{x_k <= t} w_k - t|``): for an integrand of
    Hardy–Krause variation at most ``V`` in the quantile coordinates,
    ``|error| <= V * D`` (Koksma–Hlawka).
    """

    mechanism: str
    revenue: float
    revenue_error: float
    welfare: float
    welfare_error: float
    nodes: int
    n_points: int
    rule: str
    estimator: str
    discrepancy: float
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return dict(self.__dict__)

    def __repr__(self) -> str:
        return (f"QuadratureEstimate({self.mechanism!r}, revenue={self.revenue:.6g} "
                f"(err ~{self.revenue_error:.2g}), welfare={self.welfare:.6g} "
                f"(err ~{self.welfare_error:.2g}), points={self.n_points}, {self.rule})")


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    if x.size == 0:
        return 0.0, 0.0
    se = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else 0.0
    return float(x.mean()), se


def _mechanism_name(mechanism: str | Callable[[AuctionInstance], MechanismOutcome],
                    estimator: str) -> str:
    """The reported name of ``mechanism`` (``"custom:<name>"`` for a user's callable)."""
    if isinstance(mechanism, str):
        MECHANISMS.get(mechanism)
        name = mechanism
    elif callable(mechanism):
        name = getattr(mechanism, "__name__", "custom")
        if not (name in MECHANISMS and MECHANISMS.get(name) is mechanism):
            # a user's callable is run as given, even when its name is a registered one
            name = f"custom:{name}"
    else:
        raise InvalidInputError(f"mechanism: must be a mechanism name or a callable; got "
                                f"{mechanism!r}")
    if estimator == "virtual_surplus" and name != "myerson":
        raise InvalidInputError("estimator: 'virtual_surplus' (E[sum phi_bar pi]) holds for "
                                f"'myerson' only; got {name!r}")
    return name


def _evaluate(
    name: str,
    mechanism: str | Callable[[AuctionInstance], MechanismOutcome],
    instance: AuctionInstance,
    pr: Sequence[Prior],
    V: np.ndarray,
    estimator: str,
    method: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Revenue (or virtual surplus) and welfare of the mechanism at each value profile ``V[s]``."""
    n_samples, n = V.shape
    rev = np.zeros(n_samples)
    wel = np.zeros(n_samples)
    if n_samples == 0:
        return rev, wel
    fast = n > 0 and instance.m > 0 and instance.max_ads > 0
    fast_mnl = fast and instance.model == "mnl" and method in ("auto", "dinkelbach")
    fast_ind = fast and instance.model == "independent" and method in ("auto", "matching")
    if (fast_mnl or fast_ind) and name == "vcg":
        from mechkit.position_auctions.batch import vcg_batch

        out = vcg_batch(instance.matrix, V, max_ads=instance.max_ads, model=instance.model,
                        outside_weight=instance.outside_weight)
        rev, wel = out.revenue, out.welfare
    elif fast_mnl and name == "myerson" and estimator == "payments":
        from mechkit.position_auctions.batch import myerson_batch

        out = myerson_batch(instance.weights, V, pr, max_ads=instance.max_ads,
                            outside_weight=instance.outside_weight)
        rev, wel = out.revenue, out.welfare
    elif fast_mnl and name == "myerson" and estimator == "virtual_surplus":
        from mechkit.position_auctions.batch import welfare_batch

        phi = np.empty_like(V)
        for i in range(n):
            phi[:, i] = pr[i].ironed_virtual_value(V[:, i])
        out = welfare_batch(instance.weights, np.maximum(phi, 0.0), max_ads=instance.max_ads,
                            outside_weight=instance.outside_weight)
        rev = out.welfare
        wel = np.einsum("ij,ij->i", V, out.ctr)
    else:
        for s in range(n_samples):
            inst = instance.with_bids(V[s])
            if name.startswith("custom:"):
                out = mechanism(inst)
            elif name == "myerson":
                out = MECHANISMS.get(name)(inst, pr, method=method)
            else:
                out = MECHANISMS.get(name)(inst, method=method)
            wel[s] = float(V[s] @ out.ctr)
            if estimator == "payments":
                rev[s] = out.revenue
            else:
                phi = np.array([pr[i].ironed_virtual_value(float(V[s, i])) for i in range(n)])
                rev[s] = float(phi @ out.ctr)
    return rev, wel


def expected_revenue(
    mechanism: str | Callable[[AuctionInstance], MechanismOutcome],
    instance: AuctionInstance,
    priors: Sequence[Prior],
    n_samples: int = 10_000,
    *,
    seed: SeedLike = None,
    estimator: str = "payments",
    method: str = "auto",
) -> RevenueEstimate:
    """Estimate the expected revenue (and welfare) of a mechanism by Monte Carlo.

    Parameters
    ----------
    mechanism : {"vcg", "myerson", "gsp"} or callable
        A registered mechanism (by name or the function itself) or a callable
        ``f(instance) -> MechanismOutcome``, reported as ``"custom:<name>"``.
    instance : AuctionInstance
        The CTR model and cap; its bids are ignored (replaced by sampled values).
    priors : sequence of Prior
        One prior per ad.
    n_samples : int, default 10000
    seed : int, SeedSequence, Generator or None
    estimator : {"payments", "virtual_surplus"}, default "payments"
    method : str, default "auto"
        Welfare method for registered mechanisms.

    Returns
    -------
    RevenueEstimate

    See Also
    --------
    expected_revenue_quadrature : deterministic tensor-product quadrature (few bidders).
    """
    if not isinstance(instance, AuctionInstance):
        raise InvalidInputError(f"instance: must be an AuctionInstance; got "
                                f"{type(instance).__name__}")
    pr = check_priors(priors, instance.n)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    check_choice(estimator, "estimator", ESTIMATORS)
    name = _mechanism_name(mechanism, estimator)
    rng = as_generator(seed)
    n = instance.n
    V = np.empty((n_samples, n))
    for i in range(n):
        V[:, i] = pr[i].sample(n_samples, seed=rng)
    rev, wel = _evaluate(name, mechanism, instance, pr, V, estimator, method)
    r, rse = _mean_se(rev)
    w, wse = _mean_se(wel)
    return RevenueEstimate(name, r, rse, w, wse, n_samples, estimator)


def _rule_1d(rule: str, nodes: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Nodes and weights of a positive-weight rule on ``[0, 1]`` and its local discrepancy."""
    if rule == "gauss_legendre":
        t, w = np.polynomial.legendre.leggauss(nodes)
        x, w = 0.5 * (t + 1.0), 0.5 * w
    else:
        x, w = (np.arange(nodes) + 0.5) / nodes, np.full(nodes, 1.0 / nodes)
    cum = np.cumsum(w)
    # between nodes t - W(t) is monotone, so the sup sits at a node, just before or after it
    disc = float(max(np.max(np.abs(cum - x)), np.max(np.abs(cum - w - x))))
    return x, w, disc


def _tensor_sum(
    name: str,
    mechanism: str | Callable[[AuctionInstance], MechanismOutcome],
    instance: AuctionInstance,
    pr: Sequence[Prior],
    axes: list[tuple[np.ndarray, np.ndarray]],
    estimator: str,
    method: str,
) -> tuple[float, float]:
    """``sum_k w_k (revenue, welfare)(v_k)`` over the tensor grid of per-bidder ``axes``."""
    sizes = tuple(len(v) for v, _ in axes)
    total = math.prod(sizes)
    n = len(axes)
    rev_sum = wel_sum = 0.0
    for start in range(0, total, _CHUNK):
        idx = np.arange(start, min(start + _CHUNK, total))
        multi = np.unravel_index(idx, sizes) if n else ()
        V = np.empty((idx.size, n))
        weight = np.ones(idx.size)
        for i, (vals, wts) in enumerate(axes):
            V[:, i] = vals[multi[i]]
            weight *= wts[multi[i]]
        rev, wel = _evaluate(name, mechanism, instance, pr, V, estimator, method)
        rev_sum += float(weight @ rev)
        wel_sum += float(weight @ wel)
    return rev_sum, wel_sum


def expected_revenue_quadrature(
    mechanism: str | Callable[[AuctionInstance], MechanismOutcome],
    instance: AuctionInstance,
    priors: Sequence[Prior],
    nodes: int = 32,
    *,
    rule: str = "gauss_legendre",
    estimator: str = "payments",
    method: str = "auto",
    max_points: int = QUADRATURE_MAX_POINTS,
) -> QuadratureEstimate:
    """Expected revenue (and welfare) of a mechanism by tensor-product quadrature.

    Writes ``E[g(v)] = int_{[0,1]^n} g(F_1^{-1}(u_1), ..., F_n^{-1}(u_n)) du`` in quantile
    space and applies a product rule with ``nodes`` points per continuous prior
    (Gauss–Legendre or the midpoint rule on ``[0, 1]``, values ``v = prior.ppf(u)``);
    a :class:`~mechkit.position_auctions.Discrete` prior contributes its support points
    with their probabilities, so that coordinate is summed exactly (all priors discrete:
    the result is the exact expectation up to round-off).  Every grid point runs the
    mechanism on all ``n`` bidders through the same evaluation as
    :func:`expected_revenue` (batched numba kernels for MNL ``"vcg"`` / ``"myerson"`` and
    independent-model ``"vcg"``, one auction per point otherwise).  Deterministic: no seed.

    The integrand is **discontinuous** (the allocation, hence revenue and welfare, jumps
    where the ranking of (virtual) bids changes, and the payments have kinks), so
    convergence is first order in ``1/nodes`` in general, whatever the rule's polynomial
    degree.  The reported error is ``|Q(nodes) - Q(nodes // 2)|``: a heuristic estimate,
    **not a bound**.  ``discrepancy`` gives a bound for integrands of known bounded
    Hardy–Krause variation ``V`` in quantile space: ``|error| <= V * discrepancy``
    (Koksma–Hlawka for positive-weight product rules; unbounded priors such as
    :class:`~mechkit.position_auctions.Exponential` have ``V = inf``).  For ``"myerson"``
    prefer ``estimator="virtual_surplus"``: its integrand, the optimal virtual welfare
    ``max_x sum_i phi_bar_i(v_i) pi_i(x)``, is continuous wherever the ``phi_bar_i`` are
    (kinks only), whereas realised payments jump where the allocation changes; on the
    3-bidder MNL instance with U[0,10], U[0,6], U[2,8] priors the virtual-surplus value is
    stable to 1e-5 from 50 nodes while the payments' value still moves by ~5e-3 at 120.

    Parameters
    ----------
    mechanism : {"vcg", "myerson", "gsp"} or callable
        As in :func:`expected_revenue`.
    instance : AuctionInstance
        The CTR model and cap; its bids are ignored.
    priors : sequence of Prior
        One prior per ad.
    nodes : int, default 32
        Points per continuous prior (``>= 2``; the error estimate uses ``nodes // 2``).
    rule : {"gauss_legendre", "midpoint"}, default "gauss_legendre"
    estimator : {"payments", "virtual_surplus"}, default "payments"
        As in :func:`expected_revenue`.
    method : str, default "auto"
        Welfare method for registered mechanisms.
    max_points : int, default QUADRATURE_MAX_POINTS (2,000,000)
        Budget on the grid size ``nodes ** (number of continuous priors)`` times the
        discrete support sizes (the coarse level adds at most half as many again).  The
        cost grows exponentially with the number of bidders: beyond the budget the call is
        refused with ``InvalidInputError`` — use :func:`expected_revenue` (Monte Carlo).

    Returns
    -------
    QuadratureEstimate

    Examples
    --------
    >>> from mechkit.position_auctions import AuctionInstance, Uniform
    >>> inst = AuctionInstance([0.0, 0.0], [[1.0], [1.0]])
    >>> q = expected_revenue_quadrature("myerson", inst, [Uniform(0, 1)] * 2, 64)
    >>> abs(q.revenue - 5 / 24) <= q.discrepancy  # Hardy-Krause variation 1 (see tests)
    True
    >>> expected_revenue_quadrature("vcg", AuctionInstance([0.0] * 5, [[1.0]] * 5),
    ...                             [Uniform(0, 1)] * 5, 32)
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: nodes: the quadrature grid has 32**5 = 33554432 points, ...
    """
    from mechkit.position_auctions.priors import Discrete

    if not isinstance(instance, AuctionInstance):
        raise InvalidInputError(f"instance: must be an AuctionInstance; got "
                                f"{type(instance).__name__}")
    pr = check_priors(priors, instance.n)
    nodes = check_int(nodes, "nodes", minimum=2)
    check_choice(rule, "rule", QUADRATURE_RULES)
    check_choice(estimator, "estimator", ESTIMATORS)
    max_points = check_int(max_points, "max_points", minimum=1)
    name = _mechanism_name(mechanism, estimator)
    discrete = [isinstance(p, Discrete) for p in pr]
    n_cont = len(pr) - sum(discrete)
    support = math.prod(len(p.values) for p in pr if isinstance(p, Discrete))
    n_points = nodes ** n_cont * support
    if n_points > max_points:
        grid = f"{nodes}**{n_cont}" + (f" * {support} (discrete supports)" if support > 1 else "")
        raise InvalidInputError(
            f"nodes: the quadrature grid has {grid} = {n_points} points, over the budget "
            f"max_points={max_points}; lower nodes or use expected_revenue (Monte Carlo), "
            "whose cost does not grow with the number of bidders")

    def level(k: int) -> tuple[float, float, float]:
        x, w, disc = _rule_1d(rule, k)
        axes = [(p.values, p.probs) if isinstance(p, Discrete) else (p.ppf(x), w) for p in pr]
        r, wl = _tensor_sum(name, mechanism, instance, pr, axes, estimator, method)
        return r, wl, disc * n_cont

    rev, wel, disc = level(nodes)
    if n_cont == 0:
        rev_err = wel_err = 0.0
    else:
        rev_c, wel_c, _ = level(nodes // 2)
        rev_err, wel_err = abs(rev - rev_c), abs(wel - wel_c)
    return QuadratureEstimate(name, rev, rev_err, wel, wel_err, nodes, n_points, rule, estimator,
                              disc, n_cont == 0)


def reserve_revenue_curve(
    instance: AuctionInstance,
    priors: Sequence[Prior],
    reserves: Sequence[float],
    n_samples: int = 20_000,
    *,
    seed: SeedLike = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected revenue and welfare of VCG with a common reserve, for each reserve (MNL).

    Uses Myerson's identity ``E[revenue] = E[sum_i phi_i(v_i) pi_i(x_r(v))]`` with the
    un-ironed virtual values, and the batched MNL welfare kernel for the allocation
    ``x_r`` (bids below ``r`` dropped).  The identity needs the lowest type of every
    bidder to get zero utility, which holds when its support starts at 0 or at or below the
    reserve, for continuous priors; otherwise (a support starting above ``r``, or a
    :class:`Discrete` prior, whose VCG thresholds fall between support points) the
    realised VCG-with-reserve payments are averaged instead.  The same value draws are used
    for every reserve (common random numbers).

    Returns
    -------
    revenue, revenue_stderr, welfare : numpy.ndarray
        One entry per reserve.

    Examples
    --------
    >>> from mechkit.position_auctions import AuctionInstance, Uniform
    >>> inst = AuctionInstance([0.0, 0.0], [[1.0], [1.0]])
    >>> rev, se, wel = reserve_revenue_curve(inst, [Uniform(0, 1)] * 2, [0.0, 0.5], 40000,
    ...                                      seed=0)
    >>> bool(abs(rev[1] - 5 / 24) < 4 * se[1]) and bool(rev[1] > rev[0])
    True
    """
    from mechkit._validate import as_float_array

    if not isinstance(instance, AuctionInstance) or instance.model != "mnl":
        raise InvalidInputError("instance: reserve_revenue_curve needs an MNL AuctionInstance")
    pr = check_priors(priors, instance.n)
    res = as_float_array(reserves, "reserves", ndim=1)
    if np.any(res < 0):
        raise InvalidInputError("reserves: must be non-negative")
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    rng = as_generator(seed)
    n = instance.n
    V = np.empty((n_samples, n))
    phi = np.empty((n_samples, n))
    for i in range(n):
        V[:, i] = pr[i].sample(n_samples, seed=rng)
        phi[:, i] = pr[i].virtual_value(V[:, i])
    from mechkit.position_auctions.batch import myerson_batch, welfare_batch
    from mechkit.position_auctions.mechanisms import _ReserveRule
    from mechkit.position_auctions.priors import Discrete

    rev, se, wel = (np.zeros(len(res)) for _ in range(3))
    for k, r in enumerate(res):
        identity = all(not isinstance(p, Discrete) and (p.support[0] <= 0.0 or r >= p.support[0])
                       for p in pr)
        if identity:
            bids = np.where(V >= r, V, 0.0)
            out = welfare_batch(instance.weights, bids, max_ads=instance.max_ads,
                                outside_weight=instance.outside_weight)
            samples = np.einsum("ij,ij->i", phi, out.ctr)
        else:
            out = myerson_batch(instance.weights, V, [_ReserveRule(float(r))] * n,
                                max_ads=instance.max_ads,
                                outside_weight=instance.outside_weight)
            samples = out.revenue
        rev[k], se[k] = _mean_se(samples)
        wel[k] = float(np.einsum("ij,ij->i", V, out.ctr).mean())
    return rev, se, wel
