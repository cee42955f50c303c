"""Seeded causal de Finetti experiments (discovered by :mod:`mechkit.experiments`).

* ``causal.bivariate_accuracy``: one bivariate dataset (structure uniform over X->Y, Y->X,
  none) from a DGP, one CI test, and whether the rule got it right -- the paper's Fig. 3
  protocol when ``dgp="paper"``.
* ``causal.multivariate_shd``: one multivariate dataset and ``discover``'s exact-recovery
  indicator, SHD and the paper's normalised SHD -- the paper's Fig. 4 protocol with
  ``dag="fig4"``, ``dgp="binary"``, ``method="g_test"``.
* ``causal.baseline_shd``: the same datasets as ``causal.multivariate_shd`` given to a
  causal-learn baseline (``pc``, ``fci``, ``ges``, ``cdnod``) on the pooled rows (the
  ``causal`` extra); SHD to the true DAG, normalised SHD, exact recovery of the DAG and of
  the skeleton.  With ``test="g_test"`` GES uses the BDeu score, else BIC.
* ``causal.type1``: the rejection indicators at ``alpha`` of ``X1 _||_ Y1`` and
  ``X1 _||_ Y2 | X2`` on "none" data (both nulls are true): the type-I error.

DGPs: ``gaussian`` (random intercepts, cause spread 1, effect spread 0.5, unit weight),
``gaussian_equal`` (equal spreads: not identifiable), ``gaussian_iid`` (nothing varies),
``paper`` (the Fig. 3 Laplace DGP), ``binary`` (XOR with Beta(1, 3) mechanisms).

Examples
--------
>>> import numpy as np
>>> row = bivariate_accuracy({"method": "fisher_z", "dgp": "gaussian", "n_env": 2000,
...                           "strict": False, "alpha": 0.05}, np.random.default_rng(0))
>>> row["correct"], row["truth"] == row["direction"]
(1, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mechkit._validate import check_choice, check_int
from mechkit.causal.bivariate import bivariate_direction, check_alpha
from mechkit.causal.discover import discover
from mechkit.causal.graphs import NAMED_DAGS, fig4_dag, named_dag, normalised_shd, shd
from mechkit.causal.simulate import (
    STRUCTURES,
    Simulation,
    simulate_binary_xor,
    simulate_gaussian,
    simulate_paper_bivariate,
)
from mechkit.experiments import experiment

__all__ = ["DGPS", "baseline_shd", "bivariate_accuracy", "multivariate_shd", "type1"]

DGPS = ("gaussian", "gaussian_equal", "gaussian_iid", "paper", "binary")
METHODS = ("fisher_z", "g_test", "kci", "rcot", "rcit")
_EDGES = {"X->Y": [(0, 1)], "Y->X": [(1, 0)], "none": []}


def _bivariate_sim(dgp: str, structure: str, n_env: int, rng: np.random.Generator) -> Simulation:
    edges = _EDGES[structure]
    if dgp == "paper":
        return simulate_paper_bivariate(n_env, structure, seed=rng)
    if dgp == "binary":
        return simulate_binary_xor(edges, n_env, d=2, seed=rng)
    spread = [1.0, 1.0] if dgp == "gaussian_equal" else (
        [0.5, 1.0] if structure == "Y->X" else [1.0, 0.5])
    return simulate_gaussian(edges, n_env, spread=spread, d=2, iid=(dgp == "gaussian_iid"), seed=rng)


@experiment(name="causal.bivariate_accuracy",
            params={"method": "fisher_z", "dgp": "gaussian", "n_env": 500, "strict": False,
                    "alpha": 0.05})
def bivariate_accuracy(params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Whether the bivariate rule orients one seeded dataset correctly."""
    method = check_choice(params["method"], "method", METHODS)
    dgp = check_choice(params["dgp"], "dgp", DGPS)
    n_env = check_int(params["n_env"], "n_env", minimum=4)
    alpha = check_alpha(params["alpha"])
    structure = STRUCTURES[int(rng.integers(0, 3))]
    sim = _bivariate_sim(dgp, structure, n_env, rng)
    res = bivariate_direction(sim.data, test=method, alpha=alpha, strict=bool(params["strict"]),
                              seed=rng)
    return {"truth": structure, "direction": res.direction, "correct": int(res.direction == structure),
            "rule": res.rule, "trustworthy": int(res.trustworthy), "p_xy": res.p_xy,
            "p_yx": res.p_yx, "p_ind": res.p_ind}


def _multivariate_sim(params: dict[str, Any], rng: np.random.Generator) -> tuple[Any, Simulation]:
    name = check_choice(params["dag"], "dag", ("fig4", *NAMED_DAGS))
    dgp = check_choice(params["dgp"], "dgp", ("binary", "gaussian", "gaussian_equal", "gaussian_iid"))
    n_env = check_int(params["n_env"], "n_env", minimum=4)
    g = fig4_dag(rng) if name == "fig4" else named_dag(name)
    d = g.number_of_nodes()
    if dgp == "binary":
        sim = simulate_binary_xor(g, n_env, seed=rng)
    else:
        spread = [1.0] * d if dgp == "gaussian_equal" else None
        sim = simulate_gaussian(g, n_env, spread=spread, iid=(dgp == "gaussian_iid"), seed=rng)
    return g, sim


@experiment(name="causal.multivariate_shd",
            params={"dag": "fig4", "dgp": "binary", "method": "g_test", "n_env": 2000,
                    "correction": "bonferroni", "alpha": 0.05})
def multivariate_shd(params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Exact recovery, SHD and normalised SHD of ``discover`` on one seeded dataset."""
    g, sim = _multivariate_sim(params, rng)
    res = discover(sim.data, test=check_choice(params["method"], "method", METHODS),
                   alpha=check_alpha(params["alpha"]), correction=params["correction"], seed=rng)
    return {"edges_true": g.number_of_edges(), "edges_found": res.graph.number_of_edges(),
            "exact": int(sorted(res.graph.edges) == sorted(g.edges)), "shd": shd(g, res.graph),
            "normalised_shd": normalised_shd(g, res.graph), "trustworthy": int(res.trustworthy),
            "flags": ",".join(res.flags), "n_tests": res.n_tests}


@experiment(name="causal.baseline_shd",
            params={"dag": "fig4", "dgp": "binary", "method": "pc", "test": "g_test", "n_env": 2000,
                    "alpha": 0.05})
def baseline_shd(params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """SHD, normalised SHD and exact recovery of a causal-learn baseline on the pooled rows."""
    from mechkit.causal.baselines import BASELINES, run_baseline

    method = check_choice(params["method"], "method", BASELINES.names())
    test = check_choice(params["test"], "test", ("fisher_z", "g_test", "kci"))
    g, sim = _multivariate_sim(params, rng)
    res = run_baseline(sim.data, method, test=test, alpha=check_alpha(params["alpha"]),
                       score="bdeu" if test == "g_test" else "bic")
    skeleton = {frozenset(e[:2]) for e in res.edges} == {frozenset(e) for e in g.edges}
    return {"edges_true": g.number_of_edges(), "edges_found": len(res.edges),
            "exact": int(not res.undirected_edges and sorted(res.directed_edges) == sorted(g.edges)),
            "skeleton": int(skeleton), "undirected": len(res.undirected_edges), "shd": shd(g, res),
            "normalised_shd": normalised_shd(g, res), "changing": len(res.changing)}


@experiment(name="causal.type1", params={"method": "rcot", "dgp": "paper", "n_env": 2000,
                                         "alpha": 0.05})
def type1(params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Rejections of two true nulls (X1 _||_ Y1 and X1 _||_ Y2 | X2) on 'none' data."""
    from mechkit.causal.citests import CI_TESTS

    method = check_choice(params["method"], "method", METHODS)
    dgp = check_choice(params["dgp"], "dgp", DGPS)
    n_env = check_int(params["n_env"], "n_env", minimum=4)
    alpha = check_alpha(params["alpha"])
    vals = _bivariate_sim(dgp, "none", n_env, rng).data.values
    fn = CI_TESTS.get(method)
    opts: dict[str, Any] = {"seed": rng} if CI_TESTS.metadata(method)["randomised"] else {}
    p_ind = fn(vals[:, 0, 0], vals[:, 0, 1], **opts).p_value
    p_xy = fn(vals[:, 0, 0], vals[:, 1, 1], vals[:, 1, 0], **opts).p_value
    return {"reject_ind": int(p_ind < alpha), "reject_xy": int(p_xy < alpha), "p_ind": p_ind,
            "p_xy": p_xy}
