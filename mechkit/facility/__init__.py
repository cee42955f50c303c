"""Facility location on ``[0, 1]``: Uniform Phantom, proportional fairness, SP audits.

Implements Aziz, Lam, Lee and Walsh, "Strategyproof and Proportionally Fair Facility
Location" and the theory it rests on (Moulin's phantom medians, Procaccia--Tennenholtz,
Freeman et al.'s moving phantoms):

* mechanisms (registry :data:`MECHANISMS`; each with ``.batch`` for ``(B, n)`` arrays):
  :func:`uniform_phantom`, :func:`phantom_median`, :func:`median` (left median),
  :func:`mean`, :func:`midpoint`, :func:`leftmost`, :func:`rightmost`,
  :func:`generalized_median`, :func:`moulin_minmax`, :func:`ifs_clipped_median`,
  :func:`ufs_clipped_median`, the randomized :func:`lrm` and :func:`random_rank`, and
  the budget-aggregation :func:`independent_markets` / :func:`moving_phantoms`;
* :func:`check_axioms` (IFS, UFS, proportionality, PF, unanimity, Pareto; exact or
  float, slack and witness) and the batched :func:`axiom_slacks`;
* :func:`audit_strategyproofness` and :func:`audit_group_strategyproofness`, and the
  budget-aggregation search :func:`audit_budget_strategyproofness` (``l1`` costs on the
  simplex; a certificate for the moving-phantom mechanisms by Freeman et al.'s theorem);
* :func:`approximation_ratio` (exact, by vertex enumeration, for welfare, cost and max
  cost; a lower bound from search, exact and attained, for Nash welfare) and
  :func:`endpoint_welfare_bound`;
* :func:`best_response_dynamics`;
* seeded profile generators; hypothesis strategies live in
  ``mechkit.facility.strategies`` (imported only on request).

General domains, clipping and weights (design note §8): mechanisms, :func:`check_axioms`,
:func:`axiom_slacks` and :func:`audit_strategyproofness` take ``domain=(a, b)`` (the
affine image of the ``[0, 1]`` rule; utility ``1 - |y - x| / (b - a)``) and ``clip=True``
(finite reports outside the domain are clipped instead of raising); the weighted rules
and :func:`check_axioms` take ``weights=`` (an agent of integer weight ``w`` counts as
``w`` agents).  Worst-case ratios need no domain: every ratio here is invariant under the
affine rescaling.

Examples
--------
>>> from fractions import Fraction as F
>>> from mechkit.facility import uniform_phantom, check_axioms
>>> x = [F(1, 10), F(3, 10), F(9, 10)]
>>> y = uniform_phantom(x)
>>> y, check_axioms(x, y).all_satisfied
(Fraction(1, 3), True)
>>> uniform_phantom([F(2), F(4), F(11)], domain=(2, 11)), uniform_phantom([F(0), F(1)], weights=[2, 1])
(Fraction(5, 1), Fraction(1, 3))
"""

from mechkit.facility.audit import (
    GroupAuditResult,
    SPAuditResult,
    audit_group_strategyproofness,
    audit_strategyproofness,
    certificate_for,
)
from mechkit.facility.axioms import AxiomReport, AxiomResult, axiom_slacks, check_axioms
from mechkit.facility.budget import (
    BudgetBatchResult,
    BudgetResult,
    MovingPhantomMechanism,
    independent_markets,
    moving_phantoms,
)
from mechkit.facility.budget_audit import audit_budget_strategyproofness
from mechkit.facility.dynamics import DynamicsResult, best_response_dynamics
from mechkit.facility.generators import (
    beta_profiles,
    clustered_profiles,
    endpoint_profiles,
    grid_profiles,
    uniform_profiles,
)
from mechkit.facility.lottery import Lottery, LotteryBatch
from mechkit.facility.mechanisms import (
    MECHANISMS,
    Mechanism,
    generalized_median,
    get_mechanism,
    ifs_clipped_median,
    leftmost,
    lrm,
    mean,
    median,
    midpoint,
    moulin_minmax,
    phantom_median,
    random_rank,
    rightmost,
    ufs_clipped_median,
    uniform_phantom,
)
from mechkit.facility.ratios import RatioResult, approximation_ratio, endpoint_welfare_bound

__all__ = [
    "MECHANISMS",
    "AxiomReport",
    "AxiomResult",
    "BudgetBatchResult",
    "BudgetResult",
    "DynamicsResult",
    "GroupAuditResult",
    "Lottery",
    "LotteryBatch",
    "Mechanism",
    "MovingPhantomMechanism",
    "RatioResult",
    "SPAuditResult",
    "approximation_ratio",
    "audit_budget_strategyproofness",
    "audit_group_strategyproofness",
    "audit_strategyproofness",
    "axiom_slacks",
    "best_response_dynamics",
    "beta_profiles",
    "certificate_for",
    "check_axioms",
    "clustered_profiles",
    "endpoint_profiles",
    "endpoint_welfare_bound",
    "generalized_median",
    "get_mechanism",
    "grid_profiles",
    "ifs_clipped_median",
    "independent_markets",
    "leftmost",
    "lrm",
    "mean",
    "median",
    "midpoint",
    "moulin_minmax",
    "moving_phantoms",
    "phantom_median",
    "random_rank",
    "rightmost",
    "ufs_clipped_median",
    "uniform_phantom",
    "uniform_profiles",
]
