"""Property tests: optimal mechanisms against independent oracles, on random small instances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.info_acquisition import (
    evaluate_mechanism,
    optimal_mechanism,
    optimal_uncorrelated_mechanism,
)
from tests.info_acquisition.oracles import (
    brute_force_ic,
    explicit_phi_lp,
    principal_utility,
    random_small_instance,
)

TOL = 1e-7


@st.composite
def small_instances(draw, product=None):
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, 2))
    k = draw(st.integers(1, 2))
    m = draw(st.integers(1, 3 if n == 1 else 2))
    d = draw(st.integers(1, 2))
    n_actions = draw(st.integers(1, 3))
    prod = draw(st.booleans()) if product is None else product
    cap = draw(st.sampled_from([0.0, 0.3, 1.0, 4.0]))
    return random_small_instance(np.random.default_rng(seed), n, k, m, d, n_actions, prod, cap)


@settings(max_examples=100)
@given(inst=small_instances())
def test_lp_optimum_matches_explicit_phi_oracle_and_is_ic(inst):
    res = optimal_mechanism(inst, method="lp")
    ref = explicit_phi_lp(inst)
    assert ref.status == 0
    assert res.value == pytest.approx(-ref.fun, abs=TOL)
    # the returned mechanism is IC (independent brute force) and re-evaluates to the value
    assert brute_force_ic(inst, res.recommendation, res.payments) <= TOL
    assert principal_utility(inst, res.recommendation, res.payments) == pytest.approx(res.value, abs=TOL)
    ev = evaluate_mechanism(inst, res)
    assert ev.max_gain <= TOL
    assert ev.principal_utility == pytest.approx(res.value, abs=TOL)
    # the re-check (brute-force IC gain and utility to 1e-9) passed, and says what it measured
    assert res.certificate["recheck_passed"] == 1.0
    assert ev.max_gain <= 1e-9 and abs(ev.principal_utility - res.value) <= 1e-9
    # LP-duality certificate
    cert = res.certificate
    assert cert["duality_gap"] <= 1e-7
    assert cert["dual_infeasibility"] <= 1e-7
    assert cert["primal_infeasibility"] <= 1e-7
    # payments respect limited liability and the cap
    assert (res.payments >= 0).all() and (res.payments <= inst.payment_cap + 1e-12).all()


@settings(max_examples=60)
@given(inst=small_instances(product=True))
def test_product_signals_correlated_equals_uncorrelated(inst):
    lp = optimal_mechanism(inst, method="lp").value
    fast = optimal_mechanism(inst, method="fast")
    unc = optimal_uncorrelated_mechanism(inst).value
    assert fast.value == pytest.approx(lp, abs=TOL)
    assert unc == pytest.approx(lp, abs=TOL)
    assert fast.certificate["stacked_duality_gap"] <= 1e-7
    assert fast.certificate["stacked_dual_infeasibility"] <= 1e-7
    ev = evaluate_mechanism(inst, fast)
    assert ev.max_gain <= TOL
    assert ev.principal_utility == pytest.approx(fast.value, abs=TOL)


@settings(max_examples=60)
@given(inst=small_instances(product=False))
def test_uncorrelated_is_feasible_and_below_correlated(inst):
    corr = optimal_mechanism(inst).value
    unc = optimal_uncorrelated_mechanism(inst)
    assert unc.value <= corr + TOL
    ev = evaluate_mechanism(inst, unc)
    assert ev.max_gain <= TOL
    assert ev.principal_utility == pytest.approx(unc.value, abs=TOL)
    # the uncorrelated payments depend on the agent's own report and θ only
    for i in range(inst.n):
        pay = np.moveaxis(unc.payments[i], inst.n + i, inst.n)   # (*k, s_i, *m_-i, d)
        b = tuple(int(v) for v in np.argwhere(unc.recommendation == 1.0)[0])
        table = pay[b]
        assert np.allclose(table, table[(slice(None),) + (0,) * (inst.n - 1)][
            (slice(None),) + (None,) * (inst.n - 1)])


@settings(max_examples=40)
@given(inst=small_instances(), data=st.data())
def test_single_profile_restriction_matches_oracle(inst, data):
    profile = tuple(data.draw(st.integers(0, ki - 1)) for ki in inst.k)
    ref = explicit_phi_lp(inst, profile=profile)
    if ref.status == 2:
        from mechkit.errors import InfeasibleError

        with pytest.raises(InfeasibleError, match="not implementable"):
            optimal_mechanism(inst, profile=profile)
        return
    res = optimal_mechanism(inst, profile=profile)
    assert res.value == pytest.approx(-ref.fun, abs=TOL)
    assert res.value <= optimal_mechanism(inst, method="lp").value + TOL


@settings(max_examples=40)
@given(inst=small_instances())
def test_value_monotone_in_cap(inst):
    """Raising M relaxes the LP: the optimum cannot fall."""
    from mechkit.info_acquisition import Instance

    bigger = Instance(inst.prior, inst.utility, inst.costs, signals=inst.signals,
                      joint_signals=inst.joint_signals, payment_cap=inst.payment_cap + 1.0)
    assert optimal_mechanism(bigger, method="lp").value >= optimal_mechanism(inst, method="lp").value - TOL


def test_zero_cap_buys_only_cheapest_efforts():
    rng = np.random.default_rng(3)
    inst = random_small_instance(rng, 2, 2, 2, 2, 2, False, 0.0)
    res = optimal_mechanism(inst)
    for b, _p in res.support(1e-12):
        for i, bi in enumerate(b):
            assert inst.costs[i][bi] == inst.costs[i].min()


@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 2))
def test_zero_probability_payment_reduction_keeps_the_optimum(seed, n):
    """Fixing payments on zero-probability outcomes at 0 (and dropping their cap rows) is exact."""
    from solvers.lp import solve_lp
    from solvers.scoring_lp import build_correlated_lp

    rng = np.random.default_rng(seed)
    inst = random_small_instance(rng, n, 2, 3 if n == 1 else 2, 2, 2, False, 1.5)
    P = np.array(inst.joint)
    P[..., 0] = 0.0                                     # the last agent's signal 0 never occurs
    P /= P.sum(axis=tuple(range(n + 1, 2 * n + 1)), keepdims=True)
    from mechkit.info_acquisition import Instance

    inst = Instance(inst.prior, inst.utility, inst.costs, joint_signals=P, payment_cap=1.5)
    vals = []
    for keep in (False, True):
        lp = build_correlated_lp(inst.q, inst.k, inst.m, inst.values(), inst.costs, inst.payment_cap,
                                 keep_zero_payments=keep, reduce=False)
        sol = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper)
        vals.append((sol.objective, lp.cap_rows))
    assert vals[0][0] == pytest.approx(vals[1][0], abs=1e-9)
    assert vals[0][1] < vals[1][1]


@settings(max_examples=40)
@given(inst=small_instances(), width=st.floats(0.0, 0.05))
def test_robust_counterpart_is_a_restriction(inst, width):
    """Deviation rows scored with q + eps and obedience with q - eps can only lower the optimum;
    eps = 0 gives the nominal LP."""
    from solvers.lp import solve_lp
    from solvers.scoring_lp import build_correlated_lp

    def value(eps):
        lp = build_correlated_lp(inst.q, inst.k, inst.m, inst.values(), inst.costs, inst.payment_cap,
                                 q_deviation=inst.q + eps, q_obedient=np.maximum(inst.q - eps, 0.0))
        sol = solve_lp(lp.c, lp.csr(), lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper)
        assert sol.status == "optimal"          # the zero-payment cheapest profile stays feasible
        return -sol.objective

    nominal = optimal_mechanism(inst, method="lp").value
    assert value(0.0) == pytest.approx(nominal, abs=TOL)
    assert value(width) <= nominal + TOL


def test_ipm_and_dual_simplex_agree():
    from tests.info_acquisition.instances import coupled_instance

    inst = coupled_instance(0.6)
    assert optimal_mechanism(inst, method="ipm").value == pytest.approx(optimal_mechanism(inst).value, abs=1e-7)


def test_instance_round_trip_and_repr():
    from mechkit.info_acquisition import Instance

    rng = np.random.default_rng(0)
    for prod in (True, False):
        inst = random_small_instance(rng, 2, 2, 2, 2, 2, prod, 1.0)
        again = Instance(**inst.to_dict())
        assert np.allclose(again.q, inst.q)
        assert again.is_product == inst.is_product
        assert repr(inst).startswith("Instance(n=2")
