"""Seeded position-auction experiments (discovered by :mod:`mechkit.experiments`).

``position_auctions.revenue_vs_positions``
    For one user model, ``n``, ``m`` and ``K``: draw ``auctions`` random auctions (design
    note generator: ``W = exp(N(-1, 1))`` or ``P ~ U[0.05, 0.5]``, values ``U[0, 10]``)
    and report mean welfare, VCG revenue, the Myerson revenue (MNL, ``U[0, 10]`` priors,
    Myerson's virtual-surplus identity) and the mean number of ads shown.
``position_auctions.cascade_heuristic_ratio``
    Approximation ratio (welfare / exact optimum) of the cascade heuristics and of the
    maximal-in-range range on random general-continuation instances; one row per method.

Examples
--------
>>> import numpy as np
>>> row = revenue_vs_positions({"model": "mnl", "n": 6, "m": 3, "K": 2, "auctions": 50},
...                            np.random.default_rng(0))
>>> row["revenue_vcg"] <= row["welfare"], row["ads_shown"] <= 2
(True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mechkit._validate import check_choice, check_int
from mechkit.experiments import experiment
from mechkit.position_auctions.batch import vcg_batch, welfare_batch
from mechkit.position_auctions.instance import AuctionInstance
from mechkit.position_auctions.welfare import welfare_optimal_allocation

__all__ = ["cascade_heuristic_ratio", "revenue_vs_positions"]


@experiment(
    name="position_auctions.revenue_vs_positions",
    params={"model": "mnl", "n": 20, "m": 4, "K": 2, "auctions": 2000},
)
def revenue_vs_positions(params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Welfare, VCG and Myerson revenue and ads shown for one (model, n, m, K)."""
    model = check_choice(params["model"], "model", ("mnl", "cascade"))
    n = check_int(params["n"], "n", minimum=1)
    m = check_int(params["m"], "m", minimum=1, maximum=12)
    K = check_int(params["K"], "K", minimum=0, maximum=m)
    N = check_int(params["auctions"], "auctions", minimum=2)
    values = rng.uniform(0.0, 10.0, (N, n))
    if model == "mnl":
        M = np.exp(rng.normal(-1.0, 1.0, (N, n, m)))
    else:
        M = rng.uniform(0.05, 0.5, (N, n, m))
    out = vcg_batch(M, values, max_ads=K, model=model)
    row: dict[str, Any] = {
        "welfare": float(out.welfare.mean()),
        "revenue_vcg": float(out.revenue.mean()),
        "revenue_vcg_stderr": float(out.revenue.std(ddof=1) / np.sqrt(N)),
        "ads_shown": float((out.position >= 0).sum(axis=1).mean()),
        "revenue_myerson": float("nan"),
    }
    if model == "mnl":
        phi = 2.0 * values - 10.0  # U[0, 10]: phi(v) = 2v - 10 (regular, no ironing)
        opt = welfare_batch(M, np.maximum(phi, 0.0), max_ads=K)
        row["revenue_myerson"] = float(opt.welfare.mean())
    return row


@experiment(
    name="position_auctions.cascade_heuristic_ratio",
    params={"n": 6, "m": 3, "K": 2, "instances": 50, "order": "free"},
)
def cascade_heuristic_ratio(params: dict[str, Any],
                            rng: np.random.Generator) -> list[dict[str, Any]]:
    """Welfare ratio to the exact optimum of the cascade heuristics and the MIR range."""
    n = check_int(params["n"], "n", minimum=1, maximum=8)
    m = check_int(params["m"], "m", minimum=1, maximum=4)
    K = check_int(params["K"], "K", minimum=1, maximum=m)
    T = check_int(params["instances"], "instances", minimum=1)
    order = check_choice(params["order"], "order", ("free", "fixed"))
    methods = ("matching_sort", "greedy", "mir_priority")
    ratios: dict[str, list[float]] = {k: [] for k in methods}
    for _ in range(T):
        inst = AuctionInstance(rng.uniform(0, 10, n), ctr=rng.uniform(0.05, 0.6, (n, m)),
                               model="cascade", continuation=rng.uniform(0, 1, (n, m)),
                               max_ads=K, order=order)
        opt = welfare_optimal_allocation(inst).welfare
        for k in methods:
            val = welfare_optimal_allocation(inst, method=k).welfare
            ratios[k].append(val / opt if opt > 0 else 1.0)
    return [{"method": k, "mean_ratio": float(np.mean(v)), "min_ratio": float(np.min(v))}
            for k, v in ratios.items()]
