"""Position auctions in AI-generated content: MNL and cascade user models.

Sponsored creatives are placed inside generated text; one CTR estimate per
(creative, position) pair makes allocation a matching problem with substitution
effects (Balseiro et al., *Position Auctions in AI-Generated Content*, 2025; design
note ``position_auctions.md``).  This package provides:

* :class:`AuctionInstance` (models ``"mnl"``, ``"cascade"``, ``"independent"``; free or
  fixed rendering order; stop-on-click or general continuation) and converters such as
  :func:`mnl_weights_from_standalone_ctr`;
* :func:`welfare_optimal_allocation` (Dinkelbach + bounded bipartite matching for MNL with
  the certificate ``lam* = W*``; cascade bitmask DPs, Kempe–Mahdian, brute force,
  heuristics and a maximal-in-range range);
* mechanisms :func:`vcg`, :func:`myerson` (ironed virtual values, multi-threshold
  payments) and the non-truthful :func:`gsp`; :func:`expected_revenue` (Monte Carlo)
  and :func:`expected_revenue_quadrature`;
* :func:`truthfulness_audit` (largest gain from misreporting, with a witness; IR and
  no-positive-transfer checks);
* classic separable position auctions (:func:`separable_vcg`, :func:`separable_gsp`);
* :func:`to_milp` (pulp model for side constraints) and batched numba forms
  (:func:`vcg_batch`, :func:`welfare_batch`).

Examples
--------
>>> from mechkit.position_auctions import AuctionInstance, vcg
>>> out = vcg(AuctionInstance([10, 2, 1, 0.5], [[3, 2, 1], [1, 1, 1], [.5, .5, .5],
...                                              [2, 2, 2]], max_ads=3))
>>> out.allocation.shown, round(out.welfare, 12)
((0,), 7.5)
"""

from __future__ import annotations

from mechkit.position_auctions.audit import AuditResult, AuditWitness, truthfulness_audit
from mechkit.position_auctions.batch import (
    BatchResult,
    myerson_batch,
    vcg_batch,
    warmup,
    welfare_batch,
)
from mechkit.position_auctions.instance import (
    AuctionInstance,
    ctr_of,
    mnl_weights_from_standalone_ctr,
    standalone_ctr_from_mnl_weights,
)
from mechkit.position_auctions.mechanisms import (
    MECHANISMS,
    MechanismOutcome,
    ctr_breakpoints,
    gsp,
    myerson,
    myerson_integral_payments,
    vcg,
    vcg_with_reserve,
)
from mechkit.position_auctions.milp import MilpModel, to_milp
from mechkit.position_auctions.priors import (
    Discrete,
    Exponential,
    PiecewiseUniform,
    Prior,
    Uniform,
)
from mechkit.position_auctions.revenue import (
    QuadratureEstimate,
    RevenueEstimate,
    expected_revenue,
    expected_revenue_quadrature,
    reserve_revenue_curve,
)
from mechkit.position_auctions.separable import (
    SeparableOutcome,
    gsp_envy_free_bids,
    separable_gsp,
    separable_vcg,
)
from mechkit.position_auctions.welfare import (
    WELFARE_METHODS,
    Allocation,
    welfare_optimal_allocation,
)

__all__ = [
    "MECHANISMS",
    "WELFARE_METHODS",
    "Allocation",
    "AuctionInstance",
    "AuditResult",
    "AuditWitness",
    "BatchResult",
    "Discrete",
    "Exponential",
    "MechanismOutcome",
    "MilpModel",
    "PiecewiseUniform",
    "Prior",
    "QuadratureEstimate",
    "RevenueEstimate",
    "SeparableOutcome",
    "Uniform",
    "ctr_breakpoints",
    "ctr_of",
    "expected_revenue",
    "expected_revenue_quadrature",
    "gsp",
    "gsp_envy_free_bids",
    "mnl_weights_from_standalone_ctr",
    "myerson",
    "myerson_batch",
    "myerson_integral_payments",
    "reserve_revenue_curve",
    "separable_gsp",
    "separable_vcg",
    "standalone_ctr_from_mnl_weights",
    "to_milp",
    "truthfulness_audit",
    "vcg",
    "vcg_batch",
    "vcg_with_reserve",
    "warmup",
    "welfare_batch",
    "welfare_optimal_allocation",
]
