"""The cap-row reductions of ``solvers.scoring_lp`` (R1-R4) keep the optimum and drop only slack rows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.info_acquisition import Instance, coupled_binary_instance, optimal_mechanism
from solvers.lp import solve_lp
from solvers.scoring_lp import build_correlated_lp
from tests.info_acquisition.oracles import explicit_phi_lp, random_small_instance


@st.composite
def instances(draw):
    """Small joint-kernel instances; sometimes an effort copies the law of a cheaper one."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 2))
    k = draw(st.integers(2, 3 if n == 1 else 2))
    m = draw(st.integers(1, 2))
    d = draw(st.integers(1, 2))
    cap = draw(st.sampled_from([0.3, 1.0, 4.0]))
    rng = np.random.default_rng(seed)
    inst = random_small_instance(rng, n, k, m, d, 2, False, cap)
    costs = [np.array(c) for c in inst.costs]
    if draw(st.booleans()):        # agent 0's effort 1 copies effort 0's joint law and costs more
        P = np.array(inst.joint)
        P[1] = P[0]
        costs[0][1] = costs[0][0] + draw(st.sampled_from([0.0, 0.01, 0.05]))
        inst = Instance(inst.prior, inst.utility, costs, joint_signals=P, payment_cap=cap)
    return inst


def _solve(inst, **kw):
    lp = build_correlated_lp(inst.q, inst.k, inst.m, inst.values(), inst.costs, inst.payment_cap, **kw)
    sol = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper)
    return lp, sol


@settings(max_examples=80)
@given(inst=instances(), margin=st.sampled_from([0.0, 0.0, 0.02]), data=st.data())
def test_reductions_keep_the_optimum_and_drop_only_slack_rows(inst, margin, data):
    fixed_profile = None
    if data.draw(st.booleans()):
        fixed_profile = data.draw(st.integers(0, inst.num_profiles - 1))
    full, sol_full = _solve(inst, ic_margin=margin, fixed_profile=fixed_profile, reduce=False,
                            keep_zero_payments=True)
    red, sol_red = _solve(inst, ic_margin=margin, fixed_profile=fixed_profile)
    assert full.cap_rows == inst.n * inst.num_profiles * inst.num_signal_profiles * inst.d
    assert red.cap_rows <= full.cap_rows
    assert sol_red.status == sol_full.status
    if sol_full.status != "optimal":
        assert sol_full.status == "infeasible"
        return
    assert sol_red.objective == pytest.approx(sol_full.objective, abs=1e-9)
    # every payment the reductions fix at 0 has a slack (or degenerate 0 <= 0) cap row at the
    # optimum found without reductions, and its value there can be taken as 0
    dropped = red.col_upper[red.y_offset: red.y_offset + red.y_size] == 0.0
    xi = np.clip(sol_full.x[: full.num_profiles], 0.0, None)
    y = sol_full.x[full.y_offset: full.y_offset + full.y_size].reshape(inst.n, inst.num_profiles, -1)
    slack = inst.payment_cap * xi[None, :, None] - y
    d_mask = dropped.reshape(y.shape)
    xi_b = np.broadcast_to(xi[None, :, None], y.shape)
    assert ((slack[d_mask] > 1e-9) | (xi_b[d_mask] <= 1e-9)).all()
    # the reduced LP agrees with the independent explicit-φ oracle
    if margin == 0.0 and fixed_profile is None:
        assert -sol_red.objective == pytest.approx(-explicit_phi_lp(inst).fun, abs=1e-7)


def test_cheapest_recommendations_pay_nothing_and_lose_their_cap_rows():
    """R2 on the coupled instance: shirking costs 0, so half of the 64 cap rows go."""
    inst = coupled_binary_instance(0.968)
    full, sol_full = _solve(inst, reduce=False, keep_zero_payments=True)
    red, sol_red = _solve(inst)
    assert (full.cap_rows, red.cap_rows) == (64, 32)
    assert sol_red.objective == pytest.approx(sol_full.objective, abs=1e-12)


def test_copied_costlier_effort_is_excluded():
    """R3: an effort whose joint law equals a cheaper one's is never recommended (ξ fixed at 0)."""
    rng = np.random.default_rng(7)
    base = random_small_instance(rng, 2, 2, 2, 2, 2, False, 1.0)
    P = np.array(base.joint)
    P[1] = P[0]
    inst = Instance(base.prior, base.utility, [[0.0, 0.05], [0.0, 0.03]], joint_signals=P, payment_cap=1.0)
    lp, sol = _solve(inst)
    assert (lp.col_upper[:4] == [1.0, 1.0, 0.0, 0.0]).all()      # profiles (1, .) excluded
    _, sol_full = _solve(inst, reduce=False)
    assert sol.objective == pytest.approx(sol_full.objective, abs=1e-12)
    from mechkit.errors import InfeasibleError

    with pytest.raises(InfeasibleError, match="not implementable"):
        optimal_mechanism(inst, profile=(1, 0))


def test_fixed_profile_caps_become_column_bounds():
    """R4: with ξ fixed the cap rows are bounds; the optimum is unchanged."""
    inst = coupled_binary_instance(0.5, payment_cap=2.0)
    lp, sol = _solve(inst, fixed_profile=3)
    full, sol_full = _solve(inst, fixed_profile=3, reduce=False)
    assert lp.cap_rows == 0 and full.cap_rows > 0
    assert sol.objective == pytest.approx(sol_full.objective, abs=1e-12)
    y_up = lp.col_upper[lp.y_offset: lp.y_offset + lp.y_size].reshape(2, 4, -1)
    assert (y_up[:, :3] == 0).all() and (y_up[1, 3] == 2.0).all()


def test_no_utility_cost_threshold_drops_all_cap_rows():
    """Why the remaining cap rows are kept: the coupled optimum keeps rising with M and stays
    below the value of the LP without cap rows (phantom payments, design note a.3)."""
    vals = [optimal_mechanism(coupled_binary_instance(0.968, payment_cap=M), method="lp").value
            for M in (5.0, 80.0, 1e4)]
    inst = coupled_binary_instance(0.968)
    lp = build_correlated_lp(inst.q, inst.k, inst.m, inst.values(), inst.costs, np.inf)
    sol = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper)
    assert vals[0] < vals[1] < vals[2] < -sol.objective - 1e-10
