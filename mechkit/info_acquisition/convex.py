"""The optimal-mechanism LP as a cvxpy problem, so researchers can add constraints of their own.

:func:`to_cvxpy` returns a :class:`CvxpyModel` with named variables — ``xi`` (the
recommendation lottery, flat profiles), ``y[i]`` (agent ``i``'s *linearised* payments
``ξ(b) γ_i(b, s, θ)``, flat index ``(b * |S| + s) * d + θ``) and ``z[i]`` (the deviation
bounds) — and ready-made expressions: ``gross_value`` (``Σ_b ξ(b) V(b)``),
``expected_payments[i]`` and ``objective_value``.  Constraints written with these are linear
in the LP variables, e.g. a budget ``sum(model.expected_payments) <= B``, fairness
``model.expected_payments[0] == model.expected_payments[1]`` or a floor on information
quality ``model.gross_value >= v``.  ``optimal_mechanism(..., extra_constraints=f)`` calls
``f(model)`` for such a list, solves, and checks the mechanism by brute force.
cvxpy is optional (``pip install "mechkit[convex]"``) and imported only here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mechkit._optional import import_optional
from mechkit.errors import InfeasibleError, InvalidInputError, SolverError, UnboundedError
from mechkit.info_acquisition.instance import Instance

__all__ = ["CvxpyModel", "solve_with_cvxpy", "to_cvxpy"]

#: Largest incentive gain accepted from a cvxpy solve before it is reported as a solver failure.
CVXPY_IC_TOL = 1e-6


@dataclass
class CvxpyModel:
    """The LP of :func:`~mechkit.info_acquisition.optimal_mechanism` in cvxpy.

    Attributes
    ----------
    problem : cvxpy.Problem
        ``Minimize(-objective_value)`` subject to the mechanism constraints.
    xi : cvxpy.Variable, shape (|B|,)
        Recommendation probabilities (flat profiles, C order).
    y : list of cvxpy.Variable, each shape (|B| * |S| * d,)
        Linearised payments ``ξ(b) γ_i(b, s, θ)`` at flat index ``(b * |S| + s) * d + θ``.
    z : list of cvxpy.Variable
        Deviation bounds ``z_i[b_i, b_i', s_i]`` (flat).
    gross_value, objective_value : cvxpy.Expression
        ``Σ_b ξ(b) V(b)`` and the principal's utility (gross value minus payments).
    expected_payments : list of cvxpy.Expression
        Expected payment to each agent.
    instance : Instance
        The instance.
    """

    problem: Any
    xi: Any
    y: list[Any]
    z: list[Any]
    gross_value: Any
    objective_value: Any
    expected_payments: list[Any]
    instance: Instance
    extra: list[Any] = field(default_factory=list)

    def solve(self, solver: str | None = None, **kwargs: Any) -> float:
        """Solve the problem (default solver HiGHS) and return the principal's optimal utility."""
        self.problem.solve(solver=solver or "HIGHS", **kwargs)
        return float(-self.problem.value)


def to_cvxpy(instance: Instance, *, profile: ArrayLike | None = None) -> CvxpyModel:
    """The same LP as :func:`~mechkit.info_acquisition.optimal_mechanism`, as a cvxpy problem.

    Parameters
    ----------
    instance : Instance
        The instance.
    profile : array_like of int, optional
        Fix the recommendation to this profile.

    Returns
    -------
    CvxpyModel

    Examples
    --------
    >>> from mechkit.info_acquisition import binary_accuracy_instance
    >>> model = to_cvxpy(binary_accuracy_instance([0.9], [0.1]))
    >>> round(model.solve(), 7)
    0.675
    """
    if not isinstance(instance, Instance):
        raise InvalidInputError(f"instance: must be an Instance; got {type(instance).__name__}")
    cp = import_optional("cvxpy", extra="convex")
    from scipy.sparse import csr_array

    from solvers.scoring_lp import build_correlated_lp

    fixed = None if profile is None else instance.profile_index(np.asarray(profile))
    lp = build_correlated_lp(instance.q, instance.k, instance.m, instance.values(), instance.costs,
                             instance.payment_cap, fixed_profile=fixed, keep_zero_payments=True)
    K, KSd = lp.num_profiles, instance.num_profiles * instance.num_signal_profiles * instance.d
    xi = cp.Variable(K, name="xi")
    ys = [cp.Variable(KSd, name=f"y_{i}") for i in range(instance.n)]
    zs = [cp.Variable(instance.k[i] ** 2 * instance.m[i], name=f"z_{i}") for i in range(instance.n)]
    x = cp.hstack([xi, *ys, *zs])
    A = csr_array((lp.data, lp.indices, lp.indptr), shape=(lp.num_row, lp.num_col))
    eq = lp.row_lower == lp.row_upper
    up = np.isfinite(lp.row_upper) & ~eq
    lo = np.isfinite(lp.row_lower) & ~eq
    cons = [A[eq] @ x == lp.row_upper[eq]]
    if up.any():
        cons.append(A[up] @ x <= lp.row_upper[up])
    if lo.any():
        cons.append(A[lo] @ x >= lp.row_lower[lo])
    cons.append(x >= lp.col_lower)
    fin = np.isfinite(lp.col_upper)
    cons.append(x[np.flatnonzero(fin)] <= lp.col_upper[fin])
    q = instance.q.ravel()
    gross = instance.values() @ xi
    pays = [q @ y for y in ys]
    objective = gross - sum(pays)
    problem = cp.Problem(cp.Minimize(-objective), cons)
    return CvxpyModel(problem, xi, ys, zs, gross, objective, pays, instance)


def solve_with_cvxpy(
    instance: Instance,
    extra_constraints: Callable[[CvxpyModel], list[Any]],
    *,
    profile: ArrayLike | None = None,
    solver: str | None = None,
) -> Any:
    """Solve the LP with user constraints through cvxpy and return a checked mechanism.

    Returns
    -------
    MechanismResult
        ``method="cvxpy"``; ``certificate`` holds the brute-force ``max_gain`` and the
        re-evaluated ``principal_utility``.

    Raises
    ------
    InfeasibleError, UnboundedError, SolverError
        When cvxpy reports infeasible/unbounded/another status, or the solution fails the
        brute-force IC check by more than ``CVXPY_IC_TOL``.
    """
    from mechkit.info_acquisition.evaluate import Mechanism, evaluate_mechanism
    from mechkit.info_acquisition.optimal import MechanismResult, _extract, _shape

    if not callable(extra_constraints):
        raise InvalidInputError(f"extra_constraints: must be a callable model -> list of cvxpy "
                                f"constraints; got {extra_constraints!r}")
    cp = import_optional("cvxpy", extra="convex")
    model = to_cvxpy(instance, profile=profile)
    extra = extra_constraints(model)
    if isinstance(extra, cp.constraints.constraint.Constraint):
        extra = [extra]
    extra = list(extra)
    for j, con in enumerate(extra):
        if not isinstance(con, cp.constraints.constraint.Constraint):
            raise InvalidInputError(f"extra_constraints: item {j} is not a cvxpy constraint; got {con!r}")
    problem = cp.Problem(model.problem.objective, model.problem.constraints + extra)
    if not problem.is_dcp():
        raise InvalidInputError("extra_constraints: the constraints must be convex (DCP)")
    try:
        problem.solve(solver=solver or "HIGHS")
    except cp.error.SolverError as err:
        raise SolverError(f"optimal_mechanism(extra_constraints=...): cvxpy solver failed: {err}") from err
    status = problem.status
    if status in ("infeasible", "infeasible_inaccurate"):
        raise InfeasibleError("optimal_mechanism(extra_constraints=...): no mechanism satisfies the "
                              f"constraints (cvxpy status {status!r})")
    if status in ("unbounded", "unbounded_inaccurate"):
        raise UnboundedError(f"optimal_mechanism(extra_constraints=...): cvxpy status {status!r}")
    if status != "optimal":
        raise SolverError(f"optimal_mechanism(extra_constraints=...): cvxpy status {status!r}")
    xi_raw = np.asarray(model.xi.value, dtype=np.float64)
    y_raw = np.concatenate([np.asarray(y.value, dtype=np.float64) for y in model.y])
    xi, gamma = _extract(instance, np.clip(xi_raw, 0.0, None), y_raw)
    rec, pay, act = _shape(instance, xi, gamma)
    value = float(-problem.value)
    ev = evaluate_mechanism(instance, Mechanism(rec, pay, act))
    if ev.max_gain > CVXPY_IC_TOL:
        raise SolverError(f"optimal_mechanism(extra_constraints=...): the cvxpy solution fails the "
                          f"brute-force IC check (gain {ev.max_gain:.3g} > {CVXPY_IC_TOL}); "
                          f"witness {ev.witness}")
    cert = {"max_gain": ev.max_gain, "principal_utility": ev.principal_utility,
            "value_gap": abs(ev.principal_utility - value)}
    return MechanismResult(value, rec, pay, act, "optimal", True, "cvxpy", cert, {
        "num_extra_constraints": len(extra), "solver": solver or "HIGHS"})
