"""Optimal correlated and uncorrelated mechanisms: the LP, the product fast path, the gap.

:func:`optimal_mechanism` builds the z-form LP of design note a.3 as sparse arrays
(:mod:`solvers.scoring_lp`), solves it with HiGHS dual simplex (:mod:`solvers.lp`),
certifies the solution by LP duality, re-solves the final basis in extended precision,
re-checks the extracted mechanism by brute force and returns a :class:`MechanismResult`.  For
conditionally independent signals the optimum is attained by a pure profile paying each
agent its single-agent minimum-payment rule (design note a.4.1); ``method="auto"`` then
solves ``Σ_i k_i`` small LPs instead of the joint one.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import check_choice, check_positive, check_probability_vector
from mechkit.errors import InfeasibleError, InvalidInputError, SolverError, UnboundedError
from mechkit.info_acquisition.instance import Instance

__all__ = [
    "InaccurateSolutionWarning",
    "MechanismResult",
    "correlation_gap",
    "minimum_payment",
    "optimal_mechanism",
    "optimal_uncorrelated_mechanism",
]

#: Recommendation probabilities below this are treated as 0 when extracting a mechanism.
XI_ZERO_TOL = 1e-10

#: Accuracy the re-check of a joint-LP mechanism demands: largest conditional IC gain of the
#: extracted mechanism (brute force) and distance between its re-evaluated utility and the value.
RECHECK_TOL = 1e-9


class InaccurateSolutionWarning(RuntimeWarning):
    """The re-check of an optimal mechanism found it accurate only to more than ``RECHECK_TOL``.

    The result is still returned (its LP-duality certificate holds to ``CERT_TOL``); its
    ``certificate`` holds the re-check (``recheck_max_gain``, ``recheck_utility_error``,
    ``recheck_passed = 0.0``).
    """


@dataclass(frozen=True)
class MechanismResult:
    """An optimal mechanism with its value, the evidence and solver statistics.

    Attributes
    ----------
    value : float
        Principal's optimal expected utility (net of payments).
    recommendation : numpy.ndarray, shape k
        Lottery ``ξ`` over effort profiles.
    payments : numpy.ndarray, shape (n, *k, *m, d)
        Payments ``γ_i(b, s, θ)`` (0 where ``ξ(b) = 0``).
    actions : numpy.ndarray, shape (*k, *m)
        The principal's greedy action for each recommended profile and report profile.
    status : str
        ``"optimal"``.
    correlated : bool
        Whether the class optimised over was correlated mechanisms.
    method : str
        ``"lp"``, ``"product_fast_path"``, ``"per_profile_lps"`` or ``"cvxpy"``.
    certificate : dict
        LP-duality evidence: ``dual_value``, ``duality_gap``, ``dual_infeasibility``,
        ``primal_infeasibility`` for the joint LP; ``stacked_duality_gap`` and
        ``stacked_dual_infeasibility`` of the stacked single-agent LPs for the fast path and
        the uncorrelated optimum; the brute-force check for ``method="cvxpy"``.  The joint
        LP adds its re-check: ``recheck_max_gain`` (largest conditional IC gain of the
        returned mechanism, brute force), ``recheck_utility_error`` (its re-evaluated
        utility minus ``value``), ``recheck_passed`` (1.0 when both and the duality gap are
        at most ``RECHECK_TOL = 1e-9``) and, after a refinement,
        ``refined_primal_infeasibility`` / ``refined_dual_infeasibility`` of the basis.
    stats : dict
        Sizes and timings (``num_col``, ``num_row``, ``nnz``, ``build_seconds``,
        ``solve_seconds``, ``iterations``, ``num_lps``/``num_blocks``).
    """

    value: float
    recommendation: NDArray[np.float64] = field(repr=False)
    payments: NDArray[np.float64] = field(repr=False)
    actions: NDArray[np.int64] = field(repr=False)
    status: str
    correlated: bool
    method: str
    certificate: dict[str, float] = field(default_factory=dict, repr=False)
    stats: dict[str, Any] = field(default_factory=dict, repr=False)

    def support(self, tol: float = 0.0) -> list[tuple[tuple[int, ...], float]]:
        """Recommended profiles with probability ``> tol``, with their probabilities."""
        out = []
        for idx in zip(*np.nonzero(self.recommendation > tol), strict=True):
            b = tuple(int(v) for v in idx)
            out.append((b, float(self.recommendation[b])))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (arrays as lists)."""
        return {"value": self.value, "recommendation": self.recommendation.tolist(),
                "payments": self.payments.tolist(), "actions": self.actions.tolist(),
                "status": self.status, "correlated": self.correlated, "method": self.method,
                "certificate": dict(self.certificate), "stats": dict(self.stats)}

    def __repr__(self) -> str:
        sup = ", ".join(f"{b}: {p:.4g}" for b, p in self.support(1e-12)[:4])
        more = "" if len(self.support(1e-12)) <= 4 else ", ..."
        return (f"MechanismResult(value={self.value:.10g}, status={self.status!r}, method={self.method!r}, "
                f"correlated={self.correlated}, support={{{sup}{more}}})")


def _raise_for_status(status: str, what: str) -> None:
    if status == "optimal":
        return
    if status == "infeasible":
        raise InfeasibleError(f"{what}: the LP is infeasible")
    if status in ("unbounded", "unbounded_or_infeasible"):
        raise UnboundedError(f"{what}: the LP is unbounded (or infeasible); HiGHS status {status!r}")
    raise SolverError(f"{what}: HiGHS stopped with status {status!r}; no solution is returned")


def _extract(instance: Instance, xi_raw: NDArray[np.float64], y_raw: NDArray[np.float64]) -> tuple[
        NDArray[np.float64], NDArray[np.float64]]:
    """ξ cleaned and renormalised; γ = y / ξ on the support, clipped into [0, M]."""
    K, S, n, d = instance.num_profiles, instance.num_signal_profiles, instance.n, instance.d
    xi = np.where(xi_raw > XI_ZERO_TOL, xi_raw, 0.0)
    xi = xi / xi.sum()
    y = np.clip(y_raw.reshape(n, K, S, d), 0.0, None)
    gamma = np.zeros_like(y)
    on = xi_raw > XI_ZERO_TOL
    gamma[:, on] = y[:, on] / xi_raw[on][None, :, None, None]
    gamma = np.minimum(gamma, instance.payment_cap)
    return xi, gamma


def _shape(instance: Instance, xi: NDArray[np.float64], gamma: NDArray[np.float64]) -> tuple[
        NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    return (xi.reshape(instance.k), gamma.reshape((instance.n, *instance.k, *instance.m, instance.d)),
            instance.greedy_actions().reshape((*instance.k, *instance.m)))


def _solve_built(lp: Any, what: str, method: str, presolve: bool = False,
                 refine: bool = False) -> tuple[Any, dict[str, float]]:
    from solvers.lp import dual_bound, primal_infeasibility, solve_lp

    sol = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper, method=method,
                   presolve=presolve, refine=refine and method != "ipm")
    _raise_for_status(sol.status, what)
    dual, dual_inf = dual_bound(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper,
                                sol.row_dual)
    cert = {"primal_value": -sol.objective, "dual_value": -dual,
            "duality_gap": abs(sol.objective - dual), "dual_infeasibility": dual_inf,
            "primal_infeasibility": primal_infeasibility(lp.csr(), sol.x, lp.row_lower, lp.row_upper,
                                                                   lp.col_lower, lp.col_upper)}
    _check_certificate(cert, what, sol.objective)
    if "refinement" in sol.info:
        ref = sol.info["refinement"]
        cert["refined_primal_infeasibility"] = ref["primal_infeasibility"]
        cert["refined_dual_infeasibility"] = ref["dual_infeasibility"]
    return sol, cert


#: Largest dual or primal infeasibility, and duality gap relative to ``max(1, |objective|)``,
#: accepted from HiGHS's "optimal" answer; beyond it the LP-duality certificate fails and no
#: number is returned.
CERT_TOL = 1e-7


def _check_certificate(cert: dict[str, float], what: str, objective: float = 0.0) -> None:
    scale = {"duality_gap": max(1.0, abs(objective)), "stacked_duality_gap": max(1.0, abs(objective))}
    bad = {key: val for key, val in cert.items()
           if key in ("duality_gap", "dual_infeasibility", "primal_infeasibility", "stacked_duality_gap",
                      "stacked_dual_infeasibility") and not val <= CERT_TOL * scale.get(key, 1.0)}
    if bad:
        detail = ", ".join(f"{key} {val:.3g}" for key, val in bad.items())
        raise SolverError(f"{what}: HiGHS reported an optimal solution but its LP-duality certificate "
                          f"fails ({detail} > {CERT_TOL}); no number is returned")


_LP_METHODS = {"auto": "dual_simplex", "lp": "dual_simplex", "dual_simplex": "dual_simplex",
               "ipm": "ipm"}


def optimal_mechanism(
    instance: Instance,
    correlated: bool = True,
    method: str = "auto",
    *,
    profile: ArrayLike | None = None,
    extra_constraints: Callable[[Any], list[Any]] | None = None,
    ic_margin: float = 0.0,
    solver: str | None = None,
) -> MechanismResult:
    """The principal's optimal incentive-compatible mechanism.

    Parameters
    ----------
    instance : Instance
        The instance.
    correlated : bool, default True
        Optimise over correlated mechanisms (lotteries over profiles, payments depending on
        every report); ``False`` delegates to :func:`optimal_uncorrelated_mechanism`.
    method : {"auto", "lp", "dual_simplex", "ipm", "fast"}, default "auto"
        ``"auto"`` uses the product fast path for conditionally independent signals (exact
        by design note a.4.1) and the joint LP (dual simplex) otherwise; ``"lp"``/``"dual_simplex"``
        always solve the joint LP; ``"ipm"`` uses HiGHS interior point; ``"fast"`` requires
        per-agent signals.
    profile : array_like of int, optional
        Restrict to mechanisms that recommend this profile surely (the best single-profile
        correlated mechanism when maximised over profiles).
    extra_constraints : callable, optional
        ``extra_constraints(model) -> list of cvxpy constraints`` where ``model`` is the
        :class:`~mechkit.info_acquisition.convex.CvxpyModel` of :func:`to_cvxpy`; the LP is
        then solved through cvxpy and the mechanism checked by brute force (needs cvxpy).
    ic_margin : float, default 0
        Require every effort deviation to lose at least this much (conditional on the
        recommendation); used by the online learner.
    solver : str, optional
        cvxpy solver name for ``extra_constraints`` (default ``"HIGHS"``).

    Returns
    -------
    MechanismResult

    Raises
    ------
    InfeasibleError
        When ``profile`` is not implementable under the cap or ``extra_constraints``
        leave no feasible mechanism.
    SolverError
        When HiGHS stops without an optimal solution, or its solution fails the LP-duality
        certificate (gap or infeasibility above ``CERT_TOL``).

    Warns
    -----
    InaccurateSolutionWarning
        When the joint LP's answer cannot be re-checked to ``RECHECK_TOL`` even after the
        extended-precision refinement of the basis and the conditionally scaled re-solve
        (see ``_solve_joint_lp``); the result is returned with ``recheck_passed = 0.0``.

    Examples
    --------
    >>> from mechkit.info_acquisition.instance import binary_accuracy_instance
    >>> res = optimal_mechanism(binary_accuracy_instance([0.9], [0.1]), method="lp")
    >>> round(res.value, 9), res.support()
    (0.675, [((1,), 1.0)])
    >>> round(float(res.payments[0, 1, 0, 0]), 9)   # paid when the report (0) matches θ = 0
    0.25
    """
    if not isinstance(instance, Instance):
        raise InvalidInputError(f"instance: must be an Instance; got {type(instance).__name__}")
    check_choice(method, "method", ("auto", "lp", "dual_simplex", "ipm", "fast"))
    if not isinstance(correlated, bool | np.bool_):
        raise InvalidInputError(f"correlated: must be True or False; got {correlated!r}")
    if solver is not None and extra_constraints is None:
        raise InvalidInputError(f"solver: selects the cvxpy solver for extra_constraints= only; got "
                                f"solver={solver!r} without extra_constraints")
    margin = check_positive(ic_margin, "ic_margin", strict=False)
    if not correlated:
        if profile is not None or extra_constraints is not None or margin:
            raise InvalidInputError("correlated: profile=, extra_constraints= and ic_margin= apply to "
                                    "correlated mechanisms only")
        return optimal_uncorrelated_mechanism(instance)
    if extra_constraints is not None:
        from mechkit.info_acquisition.convex import solve_with_cvxpy

        return solve_with_cvxpy(instance, extra_constraints, profile=profile, solver=solver)
    fixed = None if profile is None else instance.profile_index(np.asarray(profile))
    if method == "fast" and not instance.is_product:
        raise InvalidInputError("method: 'fast' needs per-agent (conditionally independent) signals; "
                                "this instance has a joint kernel")
    if method in ("fast", "auto") and instance.is_product and fixed is None and margin == 0.0:
        return _product_fast_path(instance)
    return _solve_joint_lp(instance, fixed, margin, _LP_METHODS.get(method, "dual_simplex"))


def _solve_joint_lp(instance: Instance, fixed: int | None, margin: float, lp_method: str) -> MechanismResult:
    """Build, solve and re-check the joint LP; refine the basis when the re-check fails.

    1. HiGHS dual simplex with the LP-duality certificate (``CERT_TOL``).
    2. Re-check: the extracted mechanism ``γ = y / ξ`` is evaluated by brute force
       (:func:`~mechkit.info_acquisition.evaluate.evaluate_mechanism`); its largest conditional
       IC gain, the distance of its re-evaluated utility from the value and the duality gap
       must all be at most ``RECHECK_TOL``.  A basis HiGHS accepts can violate an IC row by
       up to its tolerance (1e-9) ex ante; divided by a small recommendation probability
       this becomes a large conditional gain.
    3. If the re-check fails: the final basis is re-solved in extended precision
       (:func:`solvers.lp.refine_basis`), so the point, duals and value are those of the
       basis rather than HiGHS's iterate, and re-checked.
    4. If that fails too (the basis itself is infeasible within HiGHS's tolerance), the LP
       is re-solved with every row divided by the probability of the recommendations it
       concerns (:func:`solvers.scoring_lp.conditional_row_scale`), so that the solver's
       tolerance applies to the conditional constraints, refined and re-checked.  The most
       accurate answer is kept; if none passes an :class:`InaccurateSolutionWarning` is
       emitted.  ``stats["num_lps"]`` counts the solves (1 when the first answer passes).
    """
    from solvers.scoring_lp import build_correlated_lp, conditional_row_scale, scale_rows

    t0 = time.perf_counter()
    lp = build_correlated_lp(instance.q, instance.k, instance.m, instance.values(), instance.costs,
                             instance.payment_cap, ic_margin=margin, fixed_profile=fixed)
    t1 = time.perf_counter()
    what = "optimal_mechanism" if fixed is None else (
        f"optimal_mechanism(profile={tuple(int(v) for v in np.unravel_index(fixed, instance.k))}): "
        "the profile is not "
        "implementable under the payment cap")
    sol, cert = _solve_built(lp, what, lp_method)
    result = _joint_result(instance, lp, sol, cert, t1 - t0, 1)
    if not result.certificate["recheck_passed"] and lp_method != "ipm":
        for attempt in (2, 3):
            target = lp if attempt == 2 else scale_rows(
                lp, conditional_row_scale(lp, sol.x[: lp.num_profiles]))
            sol_a, cert_a = _solve_built(target, what, lp_method, refine=True)
            again = _joint_result(instance, lp, sol_a, cert_a, t1 - t0, attempt)
            if _recheck_error(again) < _recheck_error(result) or again.certificate["recheck_passed"]:
                result = again
            if result.certificate["recheck_passed"]:
                break
    if not result.certificate["recheck_passed"]:
        warnings.warn(f"optimal_mechanism: the re-check of the LP solution found the mechanism accurate only "
                      f"to {_recheck_error(result):.3g} (> RECHECK_TOL = {RECHECK_TOL}); "
                      f"largest conditional IC "
                      f"gain {result.certificate['recheck_max_gain']:.3g}", InaccurateSolutionWarning,
                      stacklevel=3)
    return result


def _recheck_error(res: MechanismResult) -> float:
    c = res.certificate
    return max(c["recheck_max_gain"], c["recheck_utility_error"], c["duality_gap"])


def _joint_result(instance: Instance, lp: Any, sol: Any, cert: dict[str, float], build_seconds: float,
                  num_lps: int) -> MechanismResult:
    from mechkit.info_acquisition.evaluate import Mechanism, evaluate_mechanism

    xi_raw = sol.x[: lp.num_profiles]
    y_raw = sol.x[lp.y_offset: lp.y_offset + lp.y_size]
    xi, gamma = _extract(instance, xi_raw, y_raw)
    stats = {"num_col": lp.num_col, "num_row": lp.num_row, "nnz": lp.nnz, "cap_rows": lp.cap_rows,
             "build_seconds": build_seconds, "solve_seconds": sol.seconds, "iterations": sol.iterations,
             "num_lps": num_lps}
    rec, pay, act = _shape(instance, xi, gamma)
    value = -sol.objective
    ev = evaluate_mechanism(instance, Mechanism(rec, pay, act))
    cert = dict(cert)
    cert["recheck_max_gain"] = max(0.0, float(ev.max_gain))
    cert["recheck_utility_error"] = abs(float(ev.principal_utility) - value)
    cert["recheck_passed"] = float(cert["recheck_max_gain"] <= RECHECK_TOL
                                   and cert["recheck_utility_error"] <= RECHECK_TOL
                                   and cert["duality_gap"] <= RECHECK_TOL)
    return MechanismResult(value, rec, pay, act, "optimal", True, "lp", cert, stats)


def minimum_payment(
    kernel: ArrayLike,
    prior: ArrayLike,
    costs: ArrayLike,
    effort: int,
    payment_cap: float = np.inf,
) -> tuple[float, NDArray[np.float64] | None]:
    """Single-agent minimum expected payment that makes ``effort`` obedient and truthful.

    Solves ``min Σ_{s,θ} μ(θ) P(s|effort,θ) γ(s,θ)`` over rules ``γ : S × Θ → [0, M]``
    such that no (effort, reporting map) deviation gains.

    Parameters
    ----------
    kernel : array_like, shape (k, d, m)
        ``kernel[b, θ, s] = P(s | b, θ)``.
    prior : array_like, shape (d,)
        Prior.
    costs : array_like, shape (k,)
        Effort costs.
    effort : int
        The effort to implement.
    payment_cap : float, default inf
        Cap ``M`` on the rule.

    Returns
    -------
    (float, numpy.ndarray or None)
        The minimum payment and an optimal rule ``γ[s, θ]``; ``(inf, None)`` when the effort
        is not implementable under the cap.

    Examples
    --------
    >>> pay, rule = minimum_payment([[[0.5, 0.5], [0.5, 0.5]], [[0.9, 0.1], [0.1, 0.9]]],
    ...                             [0.5, 0.5], [0.0, 0.1], 1)
    >>> round(pay, 9), rule.round(9).tolist()
    (0.225, [[0.25, 0.0], [0.0, 0.25]])
    """
    mu = check_probability_vector(prior, "prior")
    inst = Instance(mu, np.zeros((1, mu.shape[0])), [costs], signals=[kernel], payment_cap=payment_cap)
    if (isinstance(effort, bool) or not isinstance(effort, int | np.integer)
            or not 0 <= int(effort) < inst.k[0]):
        raise InvalidInputError(f"effort: must be an int in [0, {inst.k[0] - 1}]; got {effort!r}")
    pay, rules, _ = _single_agent_pay(inst, 0, None)
    p = float(pay[int(effort)])
    return p, (None if not np.isfinite(p) else rules[int(effort)])


def _agent_q(instance: Instance, i: int, marginal: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """``μ(θ) P_i(s_i | b_i, θ)`` with shape ``(k_i, m_i, d)``."""
    K = instance.agent_marginal(i) if marginal is None else marginal
    return np.ascontiguousarray(np.transpose(K, (0, 2, 1)) * instance.prior[None, None, :])


#: Elastic variables at or below this value count as zero (block feasible) in the stacked min-pay LP.
ELASTIC_TOL = 1e-9


def _min_payments(instance: Instance, requests: list[tuple[int, NDArray[np.float64] | None]]) -> tuple[
        list[tuple[NDArray[np.float64], list[NDArray[np.float64] | None]]], dict[str, float]]:
    """Minimum payment and rule for every effort of each requested (agent, own-signal kernel).

    All non-trivial single-agent LPs are stacked into one block-diagonal LP with elastic
    feasibility variables (:func:`solvers.scoring_lp.build_min_payment_lp`); a block whose
    elastic variable is positive is re-solved alone to decide whether the effort is
    implementable (``inf`` payment and ``None`` rule when it is not).  Also returns the
    duality gap and dual infeasibility of the stacked LP.
    """
    from solvers.lp import dual_bound, solve_lp
    from solvers.scoring_lp import build_correlated_lp, build_min_payment_lp

    cap = instance.payment_cap
    out: list[tuple[NDArray[np.float64], list[NDArray[np.float64] | None]]] = []
    cert: dict[str, float] = {}
    blocks: list[tuple[NDArray[np.float64], NDArray[np.float64], int]] = []
    where: list[tuple[int, int]] = []
    qs = []
    for r, (i, marginal) in enumerate(requests):
        qi = _agent_q(instance, i, marginal)
        qs.append(qi)
        ki, mi, d = qi.shape
        cost = instance.costs[i]
        pays = np.full(ki, np.inf)
        rules: list[NDArray[np.float64] | None] = [None] * ki
        for b in range(ki):
            if cost[b] <= cost.min():
                pays[b] = 0.0          # a cheapest effort needs no payment (γ = 0 is IC)
                rules[b] = np.zeros((mi, d))
            else:
                blocks.append((qi, cost, b))
                where.append((r, b))
        out.append((pays, rules))
    if not blocks:
        return out, {"stacked_duality_gap": 0.0, "stacked_dual_infeasibility": 0.0}
    lp = build_min_payment_lp(blocks, cap)
    sol = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper, presolve=False)
    _raise_for_status(sol.status, "minimum-payment LPs")
    dual, dual_inf = dual_bound(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper,
                                sol.row_dual)
    cert.update({"stacked_duality_gap": abs(sol.objective - dual), "stacked_dual_infeasibility": dual_inf})
    _check_certificate(cert, "minimum-payment LPs", sol.objective)
    for j, (r, b) in enumerate(where):
        i = requests[r][0]
        qi = qs[r]
        ki, mi, d = qi.shape
        if sol.x[lp.elastic[j]] <= ELASTIC_TOL:
            g0 = lp.gamma_offsets[j]
            rule = np.clip(sol.x[g0: g0 + mi * d].reshape(mi, d), 0.0, cap)
        else:   # decide feasibility of this block alone
            single = build_correlated_lp(qi, (ki,), (mi,), np.zeros(ki), [instance.costs[i]], cap,
                                         fixed_profile=b)
            alone = solve_lp(single.c, single.csr(), single.row_lower, single.row_upper, single.col_lower,
                             single.col_upper)
            if alone.status == "infeasible":
                continue
            _raise_for_status(alone.status, f"minimum payment of agent {i}, effort {b}")
            rule = np.clip(alone.x[single.y_offset: single.y_offset + single.y_size].reshape(ki, mi, d)[b],
                           0.0, cap)
        out[r][0][b] = float(np.sum(qi[b] * rule))
        out[r][1][b] = rule
    return out, cert


def _single_agent_pay(instance: Instance, i: int, marginal: NDArray[np.float64] | None) -> tuple[
        NDArray[np.float64], list[NDArray[np.float64] | None], int]:
    """Minimum payment and rule for every effort of agent ``i``."""
    pays, rules = _min_payments(instance, [(i, marginal)])[0][0]
    return pays, rules, int(pays.shape[0])


def _pure_result(instance: Instance, values: NDArray[np.float64], pays: NDArray[np.float64],
                 rules: Callable[[int, int], NDArray[np.float64]],
                 correlated: bool, method: str, stats: dict[str, Any],
                 cert: dict[str, float]) -> MechanismResult:
    net = values - pays
    b = int(np.argmax(net))
    xi = np.zeros(instance.num_profiles)
    xi[b] = 1.0
    gamma = np.zeros((instance.n, instance.num_profiles, instance.num_signal_profiles, instance.d))
    sown = np.array(np.unravel_index(np.arange(instance.num_signal_profiles), instance.m))
    for i in range(instance.n):
        gamma[i, b] = rules(i, b)[sown[i]]
    rec, pay, act = _shape(instance, xi, gamma)
    return MechanismResult(float(net[b]), rec, pay, act, "optimal", correlated, method, dict(cert), stats)


def _product_fast_path(instance: Instance) -> MechanismResult:
    t0 = time.perf_counter()
    per_agent, cert = _min_payments(instance, [(i, None) for i in range(instance.n)])
    bown = np.array(np.unravel_index(np.arange(instance.num_profiles), instance.k))
    pays = np.zeros(instance.num_profiles)
    for i, (p, _) in enumerate(per_agent):
        pays = pays + p[bown[i]]
    stats = {"num_blocks": int(sum(instance.k)), "seconds": time.perf_counter() - t0}

    def rule(i: int, b: int) -> NDArray[np.float64]:
        r = per_agent[i][1][int(bown[i, b])]
        assert r is not None
        return r

    return _pure_result(instance, instance.values(), pays, rule, True, "product_fast_path", stats, cert)


def optimal_uncorrelated_mechanism(instance: Instance) -> MechanismResult:
    """The best uncorrelated mechanism: one effort profile, payments on own report and θ only.

    For each pure profile ``b`` each agent ``i`` is paid its single-agent minimum-payment
    rule for ``b_i`` under its own-signal kernel given ``b_{-i}``; the principal acts
    greedily on all reports.  (With payments independent of the recommendation, a pure
    profile is optimal: the objective is multilinear in independent recommendations.)

    Parameters
    ----------
    instance : Instance
        The instance.

    Returns
    -------
    MechanismResult
        ``correlated=False``; method ``"product_fast_path"`` for per-agent kernels and
        ``"per_profile_lps"`` otherwise.

    Examples
    --------
    >>> from mechkit.info_acquisition.instance import binary_accuracy_instance
    >>> round(optimal_uncorrelated_mechanism(binary_accuracy_instance([0.8, 0.75], [0.05, 0.04])).value, 9)
    0.666666667
    """
    if not isinstance(instance, Instance):
        raise InvalidInputError(f"instance: must be an Instance; got {type(instance).__name__}")
    if instance.is_product:
        res = _product_fast_path(instance)
        return MechanismResult(res.value, res.recommendation, res.payments, res.actions, res.status,
                               False, res.method, res.certificate, res.stats)
    t0 = time.perf_counter()
    bown = np.array(np.unravel_index(np.arange(instance.num_profiles), instance.k))
    pays = np.zeros(instance.num_profiles)
    keys: list[tuple[int, tuple[int, ...]]] = []
    for i in range(instance.n):
        for b in range(instance.num_profiles):
            rest = tuple(int(bown[j, b]) for j in range(instance.n) if j != i)
            if (i, rest) not in keys:
                keys.append((i, rest))
    solved, cert = _min_payments(instance, [(i, instance.agent_marginal(i, rest)) for i, rest in keys])
    cache = dict(zip(keys, solved, strict=True))
    for i in range(instance.n):
        for b in range(instance.num_profiles):
            rest = tuple(int(bown[j, b]) for j in range(instance.n) if j != i)
            pays[b] += cache[(i, rest)][0][bown[i, b]]
    stats = {"num_blocks": sum(len(v[0]) for v in cache.values()), "seconds": time.perf_counter() - t0}

    def rule(i: int, b: int) -> NDArray[np.float64]:
        rest = tuple(int(bown[j, b]) for j in range(instance.n) if j != i)
        r = cache[(i, rest)][1][int(bown[i, b])]
        assert r is not None
        return np.asarray(r)

    return _pure_result(instance, instance.values(), pays, rule, False, "per_profile_lps", stats, cert)


def correlation_gap(instance: Instance) -> float:
    """Correlated optimum minus uncorrelated optimum (``>= 0``; 0 for product signals).

    Examples
    --------
    >>> from mechkit.info_acquisition.instance import binary_accuracy_instance
    >>> abs(correlation_gap(binary_accuracy_instance([0.8, 0.75], [0.05, 0.04]))) < 1e-9
    True
    """
    corr = optimal_mechanism(instance, method="lp").value
    unc = optimal_uncorrelated_mechanism(instance).value
    return corr - unc
