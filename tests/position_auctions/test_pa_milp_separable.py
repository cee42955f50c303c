"""The pulp MILP cross-check, side constraints, and the classic separable auctions (EOS)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InfeasibleError, InvalidInputError
from mechkit.position_auctions import (
    AuctionInstance,
    gsp_envy_free_bids,
    separable_gsp,
    separable_vcg,
    to_milp,
    vcg,
    welfare_optimal_allocation,
)


@settings(max_examples=12)
@given(seed=st.integers(0, 2**32 - 1),
       model=st.sampled_from(["mnl", "cascade-free", "cascade-fixed", "independent"]))
def test_milp_equals_exact_solver(seed, model):
    rng = np.random.default_rng(seed)
    n, m, K = 4, 3, 2
    b = rng.uniform(0, 10, n)
    if model == "mnl":
        inst = AuctionInstance(b, np.exp(rng.normal(-1, 1, (n, m))), max_ads=K,
                               outside_weight=0.7)
    elif model == "independent":
        inst = AuctionInstance(b, ctr=rng.random((n, m)), model="independent", max_ads=K)
    else:
        order = model.split("-")[1]
        q = rng.random((n, m)) if order == "fixed" else None
        inst = AuctionInstance(b, ctr=rng.uniform(0.05, 0.5, (n, m)), model="cascade",
                               max_ads=K, order=order, continuation=q)
    milp = welfare_optimal_allocation(inst, method="milp")
    exact = welfare_optimal_allocation(inst)
    assert milp.welfare == pytest.approx(exact.welfare, rel=1e-6, abs=1e-9)


def test_milp_side_constraints_exclusion():
    W = [[3, 2, 1], [1, 1, 1], [0.5, 0.5, 0.5], [2, 2, 2]]
    inst = AuctionInstance([10, 2, 1, 0.5], W, max_ads=3)
    model = to_milp(inst)
    model.problem += model.x[0, 0] + model.x[0, 1] + model.x[0, 2] == 0  # exclude ad 0
    alloc = model.solve()
    assert 0 not in alloc.shown
    assert alloc.welfare == pytest.approx(
        welfare_optimal_allocation(inst, bids=[0, 2, 1, 0.5]).welfare, rel=1e-7)
    infeasible = to_milp(inst)
    infeasible.problem += infeasible.x[0, 0] >= 2
    with pytest.raises(InfeasibleError):
        infeasible.solve()


def test_milp_refuses_position_dependent_free_order_cascade():
    inst = AuctionInstance([1.0, 2.0], ctr=[[0.3, 0.2], [0.1, 0.4]], model="cascade",
                           continuation=[[0.5, 0.1], [0.9, 0.2]])
    with pytest.raises(InvalidInputError, match="to_milp supports the free-order cascade only"):
        to_milp(inst)


def test_design_note_eos_example():
    out = separable_vcg([200, 100], [10, 4, 2])
    assert out.payment.tolist() == [600.0, 200.0, 0.0]
    assert out.price_per_click.tolist() == [3.0, 2.0, 0.0]
    g = separable_gsp([200, 100], [10, 4, 2])
    assert g.price_per_click.tolist() == [4.0, 2.0, 0.0]
    # the lowest-revenue envy-free GSP equilibrium coincides with VCG
    eq = separable_gsp([200, 100], gsp_envy_free_bids([200, 100], [10, 4, 2]))
    assert eq.payment.tolist() == out.payment.tolist()
    # per impression with the top CTR normalised: welfare 12, prices 3 and 2
    inst = AuctionInstance([10, 4, 2], ctr=[[1, 0.5]] * 3, model="independent")
    v = vcg(inst)
    assert v.welfare == pytest.approx(12.0) and v.price_per_click[:2].tolist() == [3.0, 2.0]


@given(alphas=st.lists(st.floats(0, 10), min_size=1, max_size=4),
       bids=st.lists(st.floats(0, 10), min_size=0, max_size=5))
def test_separable_vcg_equals_general_vcg(alphas, bids):
    a = sorted(alphas, reverse=True)
    out = separable_vcg(a, bids)
    inst = AuctionInstance(bids, ctr=np.tile(np.asarray(a) / max(1.0, max(a)), (len(bids), 1))
                           .reshape(len(bids), len(a)), model="independent", positions=len(a))
    general = vcg(inst)
    assert general.revenue * max(1.0, max(a)) == pytest.approx(out.revenue, rel=1e-9, abs=1e-9)


def test_separable_bad_inputs():
    with pytest.raises(InvalidInputError, match="alphas: slot CTRs must be non-increasing"):
        separable_vcg([1, 2], [1, 2])
    with pytest.raises(InvalidInputError, match=r"bids: entries must lie in \[0.0, inf\)"):
        separable_gsp([2, 1], [1, -2])


def test_milp_time_limit_never_returns_a_non_optimal_answer():
    from mechkit.errors import SolverError

    rng = np.random.default_rng(0)
    # (200, 10, 5): even the root LP (4000 columns) takes far longer than 0.02 s
    inst = AuctionInstance(rng.uniform(0, 10, 200), np.exp(rng.normal(-1, 1, (200, 10))),
                           max_ads=5)
    with pytest.raises(SolverError, match=r"before proving optimality|status"):
        to_milp(inst).solve(time_limit=0.02)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), w0=st.sampled_from([1.0, 0.3, 3.0]))
def test_mnl_milp_lp_relaxation_is_the_exact_charnes_cooper_lp(seed, w0):
    """The strengthened model's LP relaxation already has the welfare optimum as its value."""
    import pulp

    rng = np.random.default_rng(seed)
    n, m, K = 6, 4, 2
    inst = AuctionInstance(rng.uniform(0, 10, n), np.exp(rng.normal(-1, 1, (n, m))), max_ads=K,
                           outside_weight=w0)
    model = to_milp(inst)
    model.problem.solve(pulp.HiGHS(msg=False, mip=False))
    relaxed = pulp.value(model.problem.objective)
    assert relaxed == pytest.approx(welfare_optimal_allocation(inst).welfare, rel=1e-7)


def test_milp_solve_prints_nothing():
    """The HiGHS banner (printed on C stdout by the first highspy.Highs of a process) is muted."""
    import subprocess
    import sys

    code = ("from mechkit.position_auctions import AuctionInstance, to_milp\n"
            "to_milp(AuctionInstance([3.0, 1.0], [[1.0], [2.0]])).solve()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout == ""
