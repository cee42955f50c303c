"""Round-robin best-response dynamics of a facility-location mechanism.

Agents with peaks ``x`` take turns replacing their report by a best response to the
others' current reports.  For the mean the best response is the closed form
``clip(n x_i - sum_{j != i} r_j, 0, 1)``; for any other mechanism it is found by
bisection on the agent's own report, which assumes the outcome is continuous and
non-decreasing in each report (true for generalized medians and the mean; for other
mechanisms a settled state is checked to be an equilibrium on a grid).  The
dynamics stop when a full round changes no report (by more than ``tol`` in float mode);
the seed paper's equilibrium theorem says the mean's (indeed every continuous, strictly
monotone, UFS mechanism's) equilibrium *outcome* is the Uniform Phantom outcome.

Examples
--------
>>> from fractions import Fraction as F
>>> from mechkit.facility import mean, uniform_phantom
>>> res = best_response_dynamics(mean, [F(1, 10), F(3, 10), F(9, 10)])
>>> res.outcome, uniform_phantom([F(1, 10), F(3, 10), F(9, 10)]), res.reports
(Fraction(1, 3), Fraction(1, 3), (Fraction(0, 1), Fraction(0, 1), Fraction(1, 1)))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from mechkit._validate import check_int, check_real
from mechkit.errors import InvalidInputError, NotConvergedError
from mechkit.facility._profile import as_exact_profile, as_float_profile, is_exact_input
from mechkit.facility.mechanisms import Mechanism, resolve_mechanism

__all__ = ["DynamicsResult", "best_response_dynamics"]

BISECTION_STEPS = 60
#: Grid step ``1/VERIFY_GRID`` of the equilibrium check of a settled state.
VERIFY_GRID = 32


@dataclass(frozen=True)
class DynamicsResult:
    """Outcome of best-response dynamics.

    Attributes
    ----------
    outcome : float or Fraction
        The facility location at the end (an equilibrium outcome).
    reports : tuple
        The equilibrium reports (not unique in general; only the outcome is).
    rounds : int
        Full rounds performed (the last one changed nothing).
    status : str
        ``"converged"``.
    trace : tuple
        The outcome after each round.
    """

    outcome: Any
    reports: tuple[Any, ...]
    rounds: int
    status: str
    trace: tuple[Any, ...] = field(repr=False, default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (fractions as strings)."""
        conv = str if isinstance(self.outcome, Fraction) else float
        return {"outcome": conv(self.outcome), "reports": [conv(r) for r in self.reports],
                "rounds": self.rounds, "status": self.status,
                "trace": [conv(t) for t in self.trace]}


def _best_response(mech: Any, reports: list[Any], i: int, peak: Any, exact: bool) -> Any:
    one = Fraction(1) if exact else 1.0
    zero = one * 0
    if isinstance(mech, Mechanism) and mech.name == "mean":
        n = len(reports)
        target = n * peak - (sum(reports, start=zero) - reports[i])
        return min(max(target, zero), one)

    def f(d: Any) -> Any:
        r = list(reports)
        r[i] = d
        return mech(r, exact=exact)

    f_lo, f_hi = f(zero), f(one)
    if f_lo >= peak:
        return zero
    if f_hi <= peak:
        return one
    if exact and f(peak) == peak:  # generalized medians: the truthful report hits the peak
        return peak
    lo, hi = zero, one
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        v = f(mid)
        if v == peak:
            return mid
        if v < peak:
            lo, f_lo = mid, v
        else:
            hi, f_hi = mid, v
    if exact:
        # the bracket is tiny: on it a piecewise-linear mechanism is affine, and the secant
        # point is the exact best response (dyadic bisection never hits e.g. 2/5 exactly)
        d = lo + (peak - f_lo) * (hi - lo) / (f_hi - f_lo)
        if f(d) == peak:
            return d
        raise NotConvergedError(
            f"best response of agent {i}: bisection did not locate an exact report with outcome "
            f"{peak} (the mechanism is not affine near it); use exact=False",
            iterations=BISECTION_STEPS,
        )
    return (lo + hi) / 2


def _verify_equilibrium(mech: Any, r: list[Any], peaks: list[Any], y: Any, exact: bool,
                        tol: float) -> None:
    """Refuse a settled state that is not an equilibrium (bisection needs continuity).

    The bisection best response is exact only for outcomes continuous and non-decreasing
    in the own report; for any mechanism other than the mean and the built-in generalized
    medians (where that is a theorem) each agent's deviations to ``{0, 1}``, every peak
    and report and a grid of step ``1/VERIFY_GRID`` are checked.
    """
    from mechkit.facility.audit import _is_builtin

    if isinstance(mech, Mechanism) and _is_builtin(mech) and (
            mech.name == "mean" or mech.phantom_form in ("anonymous", "moulin")):
        return
    one = Fraction(1) if exact else 1.0
    grid = [one * k / VERIFY_GRID for k in range(VERIFY_GRID + 1)]
    for i, peak in enumerate(peaks):
        cost = abs(y - peak)
        for d in sorted({*grid, *peaks, *r}):
            prof = list(r)
            prof[i] = d
            alt = abs(mech(prof, exact=exact) - peak)
            if alt < cost - (tol if not exact else 0) - (0 if exact else 1e-12):
                raise NotConvergedError(
                    f"best-response dynamics of {mech.name} settled on reports {tuple(r)} that are "
                    f"not an equilibrium: agent {i} lowers its cost from {cost} to {alt} by "
                    f"reporting {d}; bisection best responses need an outcome continuous and "
                    "non-decreasing in each report",
                    iterations=BISECTION_STEPS,
                )


def best_response_dynamics(
    mechanism: Any,
    x: Any,
    *,
    reports: Any = None,
    max_rounds: int = 1000,
    tol: float = 1e-12,
    exact: bool | None = None,
    domain: Any = None,
    clip: bool = False,
) -> DynamicsResult:
    """Run round-robin best responses from truthful (or given) reports to an equilibrium.

    Parameters
    ----------
    mechanism : Mechanism, str or callable
        A deterministic mechanism, continuous and non-decreasing in each report.
    x : sequence of float or Fraction
        The agents' true peaks.
    reports : sequence, optional
        Initial reports (default: truthful).
    max_rounds : int, default 1000
        Give up (``NotConvergedError``) after this many rounds.
    tol : float, default 1e-12
        Float mode: a round that moves no report by more than ``tol`` ends the dynamics.
    exact : bool, optional
        ``Fraction`` arithmetic (default: when ``x`` holds a ``Fraction``).
    domain : (a, b), optional
        Peaks and reports live on ``[a, b]`` (a registered mechanism is the affine image of
        its ``[0, 1]`` rule; a plain callable receives points of ``[a, b]``); ``tol`` is in
        domain units.
    clip : bool, default False
        Clip finite peaks and reports outside the domain instead of raising.

    Returns
    -------
    DynamicsResult

    Raises
    ------
    NotConvergedError
        When ``max_rounds`` rounds pass without a quiet round; when the settled state is
        not an equilibrium (checked on a grid for mechanisms other than the mean and the
        built-in generalized medians: bisection needs a continuous, non-decreasing
        outcome); in exact mode when no exact best response is located.

    Examples
    --------
    >>> from mechkit.facility import mean
    >>> round(best_response_dynamics(mean, [0.1, 0.3, 0.9]).outcome, 12)
    0.333333333333
    """
    import dataclasses

    from mechkit.facility._profile import check_clip, check_domain, prepare_profile
    from mechkit.facility.mechanisms import on_unit_interval

    dom, clp = check_domain(domain), check_clip(clip)
    if not dom.is_unit or clp:
        use_ex = (is_exact_input(x) or is_exact_input(reports)) if exact is None else bool(exact)
        z = prepare_profile(x, exact=use_ex, domain=dom, clip=clp)
        zr = None if reports is None else prepare_profile(reports, exact=use_ex, domain=dom, clip=clp,
                                                          name="reports")
        res = best_response_dynamics(
            on_unit_interval(mechanism, dom), z, reports=zr, max_rounds=max_rounds,
            tol=check_real(tol, "tol") / (float(dom.high) - float(dom.low)), exact=use_ex)
        return dataclasses.replace(res, outcome=dom.from_unit(res.outcome),
                                   reports=tuple(dom.from_unit(v) for v in res.reports),
                                   trace=tuple(dom.from_unit(v) for v in res.trace))
    mech = resolve_mechanism(mechanism)
    if getattr(mech, "randomized", False):
        raise InvalidInputError(f"mechanism: best-response dynamics need a deterministic mechanism; "
                                f"{mech.name} is randomized")
    use_exact = (is_exact_input(x) or is_exact_input(reports)) if exact is None else bool(exact)
    max_rounds = check_int(max_rounds, "max_rounds", minimum=1)
    tol_v = check_real(tol, "tol")
    if tol_v < 0:
        raise InvalidInputError(f"tol: must be >= 0; got {tol_v}")
    if use_exact:
        peaks: list[Any] = as_exact_profile(x)
        r: list[Any] = list(peaks) if reports is None else as_exact_profile(reports, "reports")
        tol_v = 0.0
    else:
        peaks = [float(v) for v in as_float_profile(x)]
        r = list(peaks) if reports is None else [float(v) for v in as_float_profile(reports, "reports")]
    if len(r) != len(peaks):
        raise InvalidInputError(f"reports: must have one report per agent ({len(peaks)}); got {len(r)}")
    trace = []
    for rnd in range(1, max_rounds + 1):
        moved = False
        for i in range(len(peaks)):
            new = _best_response(mech, r, i, peaks[i], use_exact)
            if abs(new - r[i]) > tol_v:
                moved = True
            r[i] = new
        trace.append(mech(r, exact=use_exact))
        if not moved:
            _verify_equilibrium(mech, r, peaks, trace[-1], use_exact, tol_v)
            return DynamicsResult(trace[-1], tuple(r), rnd, "converged", tuple(trace))
    raise NotConvergedError(
        f"best-response dynamics of {mech.name} did not settle in {max_rounds} rounds",
        iterations=max_rounds,
    )
