"""Expected revenue and welfare of a mechanism under independent priors (Monte Carlo).

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
kernels; everything else runs one auction per sample.

Examples
--------
>>> from mechkit.position_auctions import AuctionInstance, Uniform
>>> inst = AuctionInstance([0.0, 0.0], [[1.0], [1.0]])
>>> est = expected_revenue("vcg", inst, [Uniform(0, 1)] * 2, 20000, seed=1)
>>> abs(est.revenue - 1 / 6) < 4 * est.revenue_stderr
True
"""

from __future__ import annotations

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

__all__ = ["RevenueEstimate", "expected_revenue", "reserve_revenue_curve"]

ESTIMATORS = ("payments", "virtual_surplus")


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


def _mean_se(x: np.ndarray) -> tuple[float, float]:
    if x.size == 0:
        return 0.0, 0.0
    se = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else 0.0
    return float(x.mean()), se


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
    """
    if not isinstance(instance, AuctionInstance):
        raise InvalidInputError(f"instance: must be an AuctionInstance; got "
                                f"{type(instance).__name__}")
    pr = check_priors(priors, instance.n)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    check_choice(estimator, "estimator", ESTIMATORS)
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
    rng = as_generator(seed)
    n = instance.n
    V = np.empty((n_samples, n))
    for i in range(n):
        V[:, i] = pr[i].sample(n_samples, seed=rng)
    rev = np.zeros(n_samples)
    wel = np.zeros(n_samples)
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
    r, rse = _mean_se(rev)
    w, wse = _mean_se(wel)
    return RevenueEstimate(name, r, rse, w, wse, n_samples, estimator)


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
