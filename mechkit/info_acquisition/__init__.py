"""Information acquisition: optimal multi-agent scoring-rule mechanisms and online learning.

Implements Cacciamani, Castiglioni and Gatti, *Online Information Acquisition: Hiring
Multiple Agents* (ICLR 2024) as reconstructed in ``design/info_acquisition.md``: a
principal hires agents who exert costly hidden effort to observe signals about a state,
pays them through scoring rules and acts.  The optimal incentive-compatible correlated
mechanism is an LP (:func:`optimal_mechanism`); :func:`evaluate_mechanism` certifies any
mechanism by brute force over deviations and reporting maps.

Examples
--------
>>> from mechkit.info_acquisition import binary_accuracy_instance, optimal_mechanism
>>> round(optimal_mechanism(binary_accuracy_instance([0.9], [0.1])).value, 9)
0.675
"""

from __future__ import annotations

from mechkit.info_acquisition.convex import CvxpyModel, to_cvxpy
from mechkit.info_acquisition.evaluate import Deviation, Evaluation, Mechanism, evaluate_mechanism
from mechkit.info_acquisition.instance import (
    Instance,
    binary_accuracy_instance,
    coupled_binary_instance,
    random_instance,
)
from mechkit.info_acquisition.online import (
    LEARNERS,
    ExploreThenCommit,
    OnlineRun,
    UCBLearner,
    regret_slope,
    simulate_online,
    strict_exploration_rules,
)
from mechkit.info_acquisition.optimal import (
    InaccurateSolutionWarning,
    MechanismResult,
    correlation_gap,
    minimum_payment,
    optimal_mechanism,
    optimal_uncorrelated_mechanism,
)

__all__ = [
    "LEARNERS",
    "CvxpyModel",
    "Deviation",
    "Evaluation",
    "ExploreThenCommit",
    "InaccurateSolutionWarning",
    "Instance",
    "Mechanism",
    "MechanismResult",
    "OnlineRun",
    "UCBLearner",
    "binary_accuracy_instance",
    "correlation_gap",
    "coupled_binary_instance",
    "evaluate_mechanism",
    "minimum_payment",
    "optimal_mechanism",
    "optimal_uncorrelated_mechanism",
    "random_instance",
    "regret_slope",
    "simulate_online",
    "strict_exploration_rules",
    "to_cvxpy",
]
