"""Seeded iterative water-filling experiments (discovered by :mod:`mechkit.experiments`).

``water_filling.convergence``: draw a random dense game (:func:`~mechkit.water_filling.
examples.random_game`) scaled to ``rho(S^max) = rho``, run one schedule from the uniform
start and report the status, iterations, residual, Nikaido-Isoda gap and the certified
contraction factor (``nan`` when ``rho >= 1``).  Sweep ``schedule x rho x seeds``.

``water_filling.residual_trace``: the same run, one row per iteration (the trace), indexed
by ``iteration`` for convergence plots.

Examples
--------
>>> import numpy as np
>>> row = convergence({"schedule": "gauss_seidel", "K": 4, "N": 8, "rho": 0.5, "damping": 1.0,
...                    "delays": 0, "p_update": 0.5, "noise": 0.0, "max_iter": 500,
...                    "tol": 1e-10}, np.random.default_rng(0))
>>> row["status"], row["iterations"] < 50
('converged', True)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from mechkit._validate import check_choice, check_int, check_positive, check_real
from mechkit.experiments import experiment
from mechkit.water_filling.examples import random_game
from mechkit.water_filling.nash import SCHEDULES, NashResult, solve_nash

__all__ = ["convergence", "residual_trace"]

DEFAULTS: dict[str, Any] = {
    "schedule": "jacobi", "K": 8, "N": 16, "rho": 0.9, "damping": 1.0, "delays": 0,
    "p_update": 0.5, "noise": 0.0, "max_iter": 2000, "tol": 1e-10,
}


def _run(params: dict[str, Any], rng: np.random.Generator) -> tuple[NashResult, float, float]:
    schedule = check_choice(params["schedule"], "schedule", SCHEDULES)
    K = check_int(params["K"], "K", minimum=2)
    N = check_int(params["N"], "N", minimum=1)
    rho = check_positive(params["rho"], "rho")
    damping = check_real(params["damping"], "damping")
    noise = check_real(params["noise"], "noise")
    game = random_game(K, N, rho=rho, seed=rng)
    cert = game.contraction_certificate()
    kw: dict[str, Any] = {"tol": check_positive(params["tol"], "tol"),
                          "max_iter": check_int(params["max_iter"], "max_iter", minimum=1)}
    if schedule == "async":
        kw.update(delays=check_int(params["delays"], "delays", minimum=0),
                  p_update=check_real(params["p_update"], "p_update"))
    else:
        kw["damping"] = damping
    if noise > 0:
        kw["measurement_noise"] = noise
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # rho >= 1 is a studied regime here
        res = solve_nash(game, schedule, seed=rng, **kw)
    return res, game.spectral_radius(), cert.factor if cert.certified else math.nan


@experiment(name="water_filling.convergence", params=DEFAULTS)
def convergence(params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Status, iterations and final gaps of one IWF run on a random game at a given rho."""
    res, rho, factor = _run(params, rng)
    return {
        "status": res.status,
        "converged": res.converged,
        "iterations": res.iterations,
        "residual": res.residual,
        "rate_gap": res.rate_gap,
        "rho_measured": rho,
        "certified_factor": factor,
        "cycle_period": res.cycle_period or 0,
    }


@experiment(name="water_filling.residual_trace", params=DEFAULTS, index=("iteration",))
def residual_trace(params: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """Per-iteration convergence measure (the result's trace) of one IWF run."""
    res, rho, _ = _run(params, rng)
    return [{"iteration": i, "trace": float(v), "trace_kind": res.trace_kind, "rho_measured": rho}
            for i, v in enumerate(res.trace)]
