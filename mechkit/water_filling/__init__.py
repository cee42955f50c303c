"""Iterative water-filling for multi-carrier power-control games.

K users share N carriers; each maximises its Shannon rate (nats) by water-filling
against the others' interference.  A Nash equilibrium is a fixed point of the joint
water-filling map; ``rho(S^max) < 1`` guarantees uniqueness and convergence of the
sequential, simultaneous and asynchronous schemes -- a sufficient, not necessary,
condition.  Index convention: ``gains[r, q, k]`` is the power gain from transmitter
``r`` to receiver ``q`` (the first index is the source).

Examples
--------
>>> from mechkit.water_filling import water_fill, solve_nash
>>> from mechkit.water_filling.examples import cyclic_game
>>> water_fill([1, 4, 6, 3], 10).p.tolist()
[5.0, 2.0, 0.0, 3.0]
>>> solve_nash(cyclic_game(0.6, 0.3)).status
'converged'
"""

from __future__ import annotations

from mechkit.water_filling.equilibria import (
    EquilibriumSet,
    LocalStepAnalysis,
    enumerate_equilibria,
    local_step_analysis,
    potential_equilibrium,
)
from mechkit.water_filling.game import (
    ContractionCertificate,
    NoGuaranteeWarning,
    PowerGame,
    transpose_users,
)
from mechkit.water_filling.nash import AsyncSchedule, NashResult, make_schedule, solve_nash
from mechkit.water_filling.single import WaterFilling, kkt_residual, water_fill, water_fill_batch

__all__ = [
    "AsyncSchedule",
    "ContractionCertificate",
    "EquilibriumSet",
    "LocalStepAnalysis",
    "NashResult",
    "NoGuaranteeWarning",
    "PowerGame",
    "WaterFilling",
    "enumerate_equilibria",
    "kkt_residual",
    "local_step_analysis",
    "make_schedule",
    "potential_equilibrium",
    "solve_nash",
    "transpose_users",
    "water_fill",
    "water_fill_batch",
]
