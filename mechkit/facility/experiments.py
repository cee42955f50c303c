"""Seeded facility-location experiments (discovered by :mod:`mechkit.experiments`).

``facility.axiom_rates``: for one mechanism and ``n``, draw ``profiles`` profiles from a
generator and report the fraction satisfying IFS, UFS and PF (float slacks with the
default tolerance; ``nan`` for randomized mechanisms) and the average-case welfare and
cost ratios ``SW*/SW`` and ``TC/TC*`` (profiles with ``TC* = 0`` are left out of the
cost average).

Examples
--------
>>> import numpy as np
>>> row = axiom_rates({"mechanism": "uniform_phantom", "n": 5, "profiles": 200,
...                    "generator": "uniform"}, np.random.default_rng(0))
>>> row["pf_rate"], row["ufs_rate"]
(1.0, 1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mechkit._validate import check_choice, check_int
from mechkit.experiments import experiment
from mechkit.facility.axioms import axiom_slacks
from mechkit.facility.generators import beta_profiles, clustered_profiles, uniform_profiles
from mechkit.facility.lottery import LotteryBatch
from mechkit.facility.mechanisms import get_mechanism

__all__ = ["axiom_rates"]

GENERATORS = ("uniform", "beta", "clustered")


@experiment(
    name="facility.axiom_rates",
    params={"mechanism": "uniform_phantom", "n": 5, "profiles": 2000, "generator": "uniform"},
)
def axiom_rates(params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Axiom-satisfaction rates and average welfare/cost ratios of a mechanism."""
    mech = get_mechanism(str(params["mechanism"]))
    n = check_int(params["n"], "n", minimum=1)
    B = check_int(params["profiles"], "profiles", minimum=1)
    gen = check_choice(params["generator"], "generator", GENERATORS)
    if gen == "uniform":
        X = uniform_profiles(B, n, seed=rng)
    elif gen == "beta":
        X = beta_profiles(B, n, seed=rng)
    else:
        X = clustered_profiles(B, n, seed=rng)
    out = mech.batch(X)
    srt = np.sort(X, axis=1)
    med = srt[:, (n - 1) // 2]
    opt = np.abs(X - med[:, None]).sum(axis=1)
    if isinstance(out, LotteryBatch):
        tc = (np.abs(X[:, :, None] - out.support[:, None, :]).sum(axis=1)) @ out.probs
        y = out.mean()
    else:
        tc = np.abs(X - out[:, None]).sum(axis=1)
        y = out
    tol = 1e-12 * max(1, n)
    pos = opt > 0
    row = {
        "welfare_ratio_mean": float(((n - opt) / (n - tc)).mean()),
        "cost_ratio_mean": float((tc[pos] / opt[pos]).mean()) if pos.any() else 1.0,
        "welfare_ratio_max": float(((n - opt) / (n - tc)).max()),
    }
    if isinstance(out, LotteryBatch):  # axioms of lotteries are not checked here
        row.update(ifs_rate=float("nan"), ufs_rate=float("nan"), pf_rate=float("nan"))
        return row
    slacks = axiom_slacks(X, y, ("IFS", "UFS", "PF"))
    row.update(ifs_rate=float((slacks["IFS"] >= -tol).mean()),
               ufs_rate=float((slacks["UFS"] >= -tol).mean()),
               pf_rate=float((slacks["PF"] >= -tol).mean()))
    return row
