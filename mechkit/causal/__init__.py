"""Causal de Finetti: causal structure from exchangeable multi-environment data.

Guo, Tóth, Schölkopf, Huszár, *Causal de Finetti: On the Identification of Invariant
Causal Structure in Exchangeable Data* (NeurIPS 2023).  With several environments, at
least two samples each, and independent causal mechanisms, cross-sample conditional
independences identify the DAG itself (not just its Markov equivalence class).

* data: :class:`ExchangeableData` (``(n_env, m >= 2, d)``; 2-D pooled rows are refused);
* CI tests by name in :data:`CI_TESTS`: ``fisher_z``, ``g_test``, ``kci``, ``rcot``,
  ``rcit`` and the :func:`d_separation` plate oracle;
* :func:`bivariate_direction` (paper rule plus ``strict``) and :func:`discover`
  (corrected layering algorithm with non-identifiability flags);
* simulators :func:`simulate_gaussian`, :func:`simulate_paper_bivariate`,
  :func:`simulate_binary_xor`; metrics :func:`shd`, :func:`normalised_shd`;
* baselines on the pooled rows through causal-learn (the ``causal`` extra):
  :func:`run_baseline` for PC, FCI, GES and CD-NOD (a :class:`BaselineResult`: CPDAG or
  PAG), and :class:`CausalLearnTester` (causal-learn's CI tests behind :func:`discover`).

Examples
--------
>>> from mechkit.causal import simulate_gaussian, bivariate_direction
>>> sim = simulate_gaussian([(1, 0)], n_env=2000, spread=[0.5, 1.0], seed=2)
>>> bivariate_direction(sim.data).direction
'Y->X'
"""

from __future__ import annotations

from mechkit.causal.baselines import (
    BASELINES,
    BaselineResult,
    CausalLearnTester,
    pooled_rows,
    run_baseline,
)
from mechkit.causal.bivariate import (
    DIRECTIONS,
    BivariateResult,
    bivariate_direction,
    decide_bivariate,
)
from mechkit.causal.citests import (
    CI_TESTS,
    AllPairsFisherZ,
    CITestResult,
    GaussianOracle,
    Oracle,
    PlateOracle,
    d_separation,
    fisher_z,
    g_test,
    kci,
    make_tester,
    plate_graph,
    rcit,
    rcot,
)
from mechkit.causal.data import CausalWarning, ExchangeableData, as_exchangeable
from mechkit.causal.discover import FLAGS, CausalResult, discover
from mechkit.causal.graphs import (
    NAMED_DAGS,
    all_dags,
    as_dag,
    fig4_dag,
    named_dag,
    normalised_shd,
    shd,
)
from mechkit.causal.simulate import (
    Simulation,
    simulate_binary_xor,
    simulate_gaussian,
    simulate_paper_bivariate,
)

__all__ = [
    "BASELINES",
    "CI_TESTS",
    "DIRECTIONS",
    "FLAGS",
    "NAMED_DAGS",
    "AllPairsFisherZ",
    "BaselineResult",
    "BivariateResult",
    "CITestResult",
    "CausalLearnTester",
    "CausalResult",
    "CausalWarning",
    "ExchangeableData",
    "GaussianOracle",
    "Oracle",
    "PlateOracle",
    "Simulation",
    "all_dags",
    "as_dag",
    "as_exchangeable",
    "bivariate_direction",
    "d_separation",
    "decide_bivariate",
    "discover",
    "fig4_dag",
    "fisher_z",
    "g_test",
    "kci",
    "make_tester",
    "named_dag",
    "normalised_shd",
    "plate_graph",
    "pooled_rows",
    "rcit",
    "rcot",
    "run_baseline",
    "shd",
    "simulate_binary_xor",
    "simulate_gaussian",
    "simulate_paper_bivariate",
]
