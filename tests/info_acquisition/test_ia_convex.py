"""to_cvxpy and extra_constraints: the same LP, user constraints, checked mechanisms."""

from __future__ import annotations

import numpy as np
import pytest

from mechkit.errors import InfeasibleError, InvalidInputError
from mechkit.info_acquisition import evaluate_mechanism, optimal_mechanism, to_cvxpy
from tests.info_acquisition.instances import REFERENCE, coupled_instance
from tests.info_acquisition.oracles import brute_force_ic, random_small_instance


@pytest.mark.parametrize("name", ["single q=.9 c=.1 M=.25", "2 agents product", "perfect signal m=3"])
def test_cvxpy_model_has_the_lp_value(name):
    build, expected = REFERENCE[name]
    assert to_cvxpy(build()).solve() == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize("seed", range(4))
def test_cvxpy_equals_highspy_on_random_instances(seed):
    inst = random_small_instance(np.random.default_rng(seed), 2, 2, 2, 2, 2, False, 1.0)
    assert to_cvxpy(inst).solve() == pytest.approx(optimal_mechanism(inst).value, abs=1e-7)
    res = optimal_mechanism(inst, extra_constraints=lambda m: [])
    assert res.method == "cvxpy"
    assert res.value == pytest.approx(optimal_mechanism(inst).value, abs=1e-7)


def test_budget_constraint_binds_and_mechanism_is_ic():
    inst = coupled_instance(0.968)
    free = optimal_mechanism(inst)
    budget = 0.05
    res = optimal_mechanism(inst, extra_constraints=lambda m: [sum(m.expected_payments) <= budget])
    ev = evaluate_mechanism(inst, res)
    assert ev.expected_payments.sum() <= budget + 1e-7
    assert res.value < free.value - 1e-4
    assert ev.principal_utility == pytest.approx(res.value, abs=1e-7)
    assert brute_force_ic(inst, res.recommendation, res.payments) <= 1e-7


def test_fairness_constraint():
    inst = coupled_instance(0.5, q=0.8, cost=0.05)
    res = optimal_mechanism(inst, extra_constraints=lambda m: [m.expected_payments[0] == m.expected_payments[1]])
    pays = evaluate_mechanism(inst, res).expected_payments
    assert pays[0] == pytest.approx(pays[1], abs=1e-7)


def test_infeasible_extra_constraints_raise():
    inst = coupled_instance(0.3)
    with pytest.raises(InfeasibleError, match=r"no mechanism satisfies the constraints"):
        optimal_mechanism(inst, extra_constraints=lambda m: [m.gross_value >= 2.0])


def test_bad_extra_constraints():
    inst = coupled_instance(0.3)
    with pytest.raises(InvalidInputError, match=r"extra_constraints: item 0 is not a cvxpy constraint"):
        optimal_mechanism(inst, extra_constraints=lambda m: [True])
    with pytest.raises(InvalidInputError, match=r"extra_constraints: must be a callable"):
        optimal_mechanism(inst, extra_constraints=[1])
    with pytest.raises(InvalidInputError, match=r"correlated: profile=, extra_constraints="):
        optimal_mechanism(inst, correlated=False, extra_constraints=lambda m: [])
