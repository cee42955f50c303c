"""Seeded experiments of the information-acquisition domain (discovered by ``mechkit.experiments``).

``info_acquisition.etc_regret``
    Regret of an online learner (``learner``: ``"explore_then_commit"``, the default, or
    ``"ucb"`` for one agent; see ``online.LEARNERS``) at horizon ``T`` on a named instance
    (``single``: one agent, accuracy/cost; ``two_agents``: the 0.8/0.75 product pair;
    ``coupled``: two agents with error coupling ``rho``).  Sweep ``T`` and seeds and fit
    the log–log slope (about 2/3, times a ``sqrt(log T)`` factor from the margins).
``info_acquisition.correlation_gap``
    Correlated minus uncorrelated optimum on the coupled two-agent instance as a function
    of ``rho`` (zero at ``rho = 0``: conditionally independent signals).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mechkit._validate import check_choice, check_int, check_real
from mechkit.experiments import experiment

__all__ = ["correlation_gap_experiment", "etc_regret"]


def _instance(params: dict[str, Any]) -> Any:
    from mechkit.info_acquisition.instance import binary_accuracy_instance, coupled_binary_instance

    kind = check_choice(params["instance"], "instance", ("single", "two_agents", "coupled"))
    cap = check_real(params["cap"], "cap")
    if kind == "single":
        return binary_accuracy_instance([params["accuracy"]], [params["cost"]], payment_cap=cap)
    if kind == "two_agents":
        return binary_accuracy_instance([0.8, 0.75], [0.05, 0.04], payment_cap=cap)
    return coupled_binary_instance(params["rho"], accuracy=params["accuracy"], cost=params["cost"],
                                   payment_cap=cap)


@experiment(
    name="info_acquisition.etc_regret",
    params={"instance": "single", "T": 100000, "accuracy": 0.9, "cost": 0.1, "rho": 0.5, "cap": 1.0,
            "margin": 0.05, "explore_scale": 3.0, "alpha_scale": 0.02,
            "learner": "explore_then_commit"},
    index=("horizon",),
)
def etc_regret(params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Regret of an online learner against the offline optimum at horizon T."""
    from mechkit.info_acquisition.online import (
        LEARNERS,
        ExploreThenCommit,
        simulate_online,
        strict_exploration_rules,
    )

    T = check_int(params["T"], "T", minimum=1)
    inst = _instance(params)
    margin = check_real(params["margin"], "margin")
    kind = LEARNERS.get(params["learner"])
    rules = strict_exploration_rules(inst, margin)
    if kind is ExploreThenCommit:
        learner = ExploreThenCommit(rules, margin=margin, explore_scale=params["explore_scale"],
                                    alpha_scale=params["alpha_scale"])
    else:
        learner = kind(rules, margin=margin, alpha_scale=params["alpha_scale"])
    run = simulate_online(inst, learner, T, seed=rng)
    return {"horizon": T, "regret": run.regret, "avg_regret": run.regret / T, "optimum": run.optimum,
            "committed_utility": run.committed_utility, "committed_ic": bool(run.committed_ic),
            "alpha": run.alpha, "eta": run.eta, "rounds_per_profile": run.rounds_per_profile,
            "cost_error": run.cost_error, "q_error": run.q_error}


@experiment(
    name="info_acquisition.correlation_gap",
    params={"rho": 0.5, "accuracy": 0.8, "cost": 0.05, "cap": 20.0},
)
def correlation_gap_experiment(params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Correlated minus uncorrelated optimum on the coupled two-agent instance (deterministic)."""
    from mechkit.info_acquisition.instance import coupled_binary_instance
    from mechkit.info_acquisition.optimal import optimal_mechanism, optimal_uncorrelated_mechanism

    inst = coupled_binary_instance(params["rho"], accuracy=params["accuracy"], cost=params["cost"],
                                   payment_cap=params["cap"])
    corr = optimal_mechanism(inst)
    unc = optimal_uncorrelated_mechanism(inst)
    return {"correlated": corr.value, "uncorrelated": unc.value,
            "gap": corr.value - unc.value, "support": len(corr.support(1e-9))}
