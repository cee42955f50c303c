"""Extended-precision refinement of the optimal basis and the brute-force re-check (to 1e-9)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mechkit.info_acquisition.optimal as optimal_module
from mechkit.info_acquisition import (
    InaccurateSolutionWarning,
    evaluate_mechanism,
    optimal_mechanism,
    random_instance,
)
from solvers.lp import solve_lp
from solvers.scoring_lp import build_correlated_lp
from tests.info_acquisition.oracles import (
    brute_force_ic,
    explicit_phi_lp,
    principal_utility,
    random_small_instance,
)

ACC = 1e-9


def near_degenerate_instance():
    """A joint-kernel instance whose optimum recommends a profile with probability 1.5e-7.

    HiGHS (dual simplex, tolerances 1e-9) accepts a basis that violates an incentive row
    of agent 0 by 5.1e-11 ex ante; the recommendation it concerns has probability
    1.9e-6, so the extracted mechanism lets agent 0 gain 2.7e-5 by deviating.
    """
    return random_instance(2, 3, 3, 3, seed=29, payment_cap=4.0)


def test_near_degenerate_instance_defeats_plain_highs():
    """Why the instance is a regression test: HiGHS's own answer is IC only to 2.7e-5."""
    from mechkit.info_acquisition.evaluate import Mechanism
    from mechkit.info_acquisition.optimal import _extract, _shape

    inst = near_degenerate_instance()
    lp = build_correlated_lp(inst.q, inst.k, inst.m, inst.values(), inst.costs, inst.payment_cap)
    sol = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper, presolve=False)
    xi, gamma = _extract(inst, sol.x[: lp.num_profiles], sol.x[lp.y_offset: lp.y_offset + lp.y_size])
    gain = evaluate_mechanism(inst, Mechanism(*_shape(inst, xi, gamma))).max_gain
    assert gain > 1e-6
    # the same basis re-solved in extended precision is exact but infeasible by ~5e-11
    ref = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper, presolve=False,
                   refine=True).info["refinement"]
    assert 1e-12 < ref["primal_infeasibility"] < 1e-9
    assert ref["primal_residual"] < 1e-15 and ref["dual_residual"] < 1e-15


def test_near_degenerate_instance_is_accurate_to_1e9():
    inst = near_degenerate_instance()
    with warnings.catch_warnings():
        warnings.simplefilter("error", InaccurateSolutionWarning)
        res = optimal_mechanism(inst, method="lp")
    assert res.certificate["recheck_passed"] == 1.0
    assert res.stats["num_lps"] == 3       # plain, refined, then conditionally scaled
    # independent oracles: brute-force IC gain and utility by loops, and the explicit-φ LP
    # solved with tight tolerances (its default 1e-7 tolerances are off by 7e-9 here)
    assert brute_force_ic(inst, res.recommendation, res.payments) <= ACC
    assert principal_utility(inst, res.recommendation, res.payments) == pytest.approx(res.value, abs=ACC)
    assert -explicit_phi_lp(inst, tight=True).fun == pytest.approx(res.value, abs=ACC)
    assert min(p for _, p in res.support(0.0)) < 1e-6          # the tiny recommendation is kept


@settings(max_examples=60)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 2), cap=st.sampled_from([0.3, 1.0, 4.0]))
def test_refined_basis_is_primal_and_dual_feasible(seed, n, cap):
    rng = np.random.default_rng(seed)
    inst = random_small_instance(rng, n, 2, 2, 2, 2, False, cap)
    lp = build_correlated_lp(inst.q, inst.k, inst.m, inst.values(), inst.costs, inst.payment_cap)
    plain = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper, presolve=False)
    sol = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper, presolve=False,
                   refine=True)
    ref = sol.info["refinement"]
    assert ref["primal_residual"] <= 1e-15 and ref["dual_residual"] <= 1e-15
    assert ref["primal_infeasibility"] <= 1e-9 and ref["dual_infeasibility"] <= 1e-9
    assert ref["duality_gap"] <= 1e-12
    assert sol.objective == pytest.approx(plain.objective, abs=1e-8)


@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), size=st.sampled_from([(2, 2, 2, 2), (2, 3, 2, 2), (1, 3, 3, 2)]),
       cap=st.sampled_from([0.3, 1.0, 4.0]))
def test_joint_lp_mechanisms_pass_the_recheck(seed, size, cap):
    inst = random_instance(*size, seed=seed, payment_cap=cap)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InaccurateSolutionWarning)
        res = optimal_mechanism(inst, method="lp")
    ev = evaluate_mechanism(inst, res)
    assert ev.max_gain <= ACC
    assert ev.principal_utility == pytest.approx(res.value, abs=ACC)
    assert res.certificate["recheck_max_gain"] == pytest.approx(max(0.0, ev.max_gain), abs=1e-15)


def test_failed_recheck_warns_and_says_so(monkeypatch):
    """With an impossible accuracy demand the result is still returned, with a warning."""
    monkeypatch.setattr(optimal_module, "RECHECK_TOL", -1.0)
    inst = random_instance(2, 2, 2, 2, seed=1)
    with pytest.warns(InaccurateSolutionWarning, match="re-check"):
        res = optimal_mechanism(inst, method="lp")
    assert res.certificate["recheck_passed"] == 0.0
    assert res.stats["num_lps"] in (1, 2, 3)
