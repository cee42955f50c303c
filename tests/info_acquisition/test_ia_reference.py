"""Reference numbers of the design note (section b) and closed forms, to 1e-7."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.info_acquisition import (
    Mechanism,
    binary_accuracy_instance,
    correlation_gap,
    evaluate_mechanism,
    optimal_mechanism,
    optimal_uncorrelated_mechanism,
)
from tests.info_acquisition.instances import REFERENCE, coupled_instance
from tests.info_acquisition.oracles import brute_force_ic, explicit_phi_lp

TOL = 1e-7


@pytest.mark.parametrize("name", sorted(REFERENCE))
@pytest.mark.parametrize("method", ["lp", "auto"])
def test_reference_values(name, method):
    build, expected = REFERENCE[name]
    inst = build()
    res = optimal_mechanism(inst, method=method)
    assert res.value == pytest.approx(expected, abs=TOL)
    ev = evaluate_mechanism(inst, res)
    assert ev.principal_utility == pytest.approx(expected, abs=TOL)
    assert ev.max_gain <= TOL


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_values_match_explicit_phi_oracle(name):
    build, expected = REFERENCE[name]
    inst = build()
    res = explicit_phi_lp(inst)
    assert res.status == 0
    assert -res.fun == pytest.approx(expected, abs=TOL)


@settings(max_examples=30)
@given(q=st.floats(0.55, 1.0), c=st.floats(0.0, 0.3))
def test_single_agent_closed_form(q, c):
    """Value = max(q - q c / (q - 1/2), 1/2) for a binary state, uniform prior, M = inf."""
    inst = binary_accuracy_instance([q], [c])
    expected = max(q - q * c / (q - 0.5), 0.5)
    assert optimal_mechanism(inst, method="lp").value == pytest.approx(expected, abs=1e-7)


def test_single_agent_payment_rule_is_the_closed_form():
    res = optimal_mechanism(binary_accuracy_instance([0.9], [0.1]), method="lp")
    pay = res.payments[0, 1]            # (s, θ) under effort 1
    assert pay[0, 0] == pytest.approx(0.25, abs=1e-9)
    assert pay[1, 1] == pytest.approx(0.25, abs=1e-9)
    assert pay[0, 1] == pytest.approx(0.0, abs=1e-9) and pay[1, 0] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(("x", "utility", "gain"), [(0.25, 0.675, 0.0), (0.2, 0.72, 0.02)])
def test_mechanism_checks(x, utility, gain):
    """Pay x when the report matches θ: utility 0.9 - 0.9x, gain max(0, 0.1 - 0.4x)."""
    inst = binary_accuracy_instance([0.9], [0.1])
    ev = evaluate_mechanism(inst, Mechanism.pure(inst, [1], [[[x, 0.0], [0.0, x]]]))
    assert ev.principal_utility == pytest.approx(utility, abs=1e-9)
    assert ev.max_gain == pytest.approx(gain, abs=1e-9)
    if gain > 0:
        w = ev.witness
        assert (w.agent, w.recommended, w.effort) == (0, 1, 0)   # shirk and guess
        assert len(set(w.reporting_map)) == 1


def test_zero_payment_mechanism_is_not_ic():
    inst = binary_accuracy_instance([0.9], [0.1])
    ev = evaluate_mechanism(inst, Mechanism.pure(inst, [1], [np.zeros((2, 2))]))
    assert ev.principal_utility == pytest.approx(0.9)
    assert ev.max_gain == pytest.approx(0.1)
    assert not ev.is_ic()


def test_product_equality_correlated_equals_uncorrelated():
    for build, _ in (REFERENCE["2 agents product"], REFERENCE["3 agents product"]):
        inst = build()
        assert optimal_mechanism(inst, method="lp").value == pytest.approx(
            optimal_uncorrelated_mechanism(inst).value, abs=TOL)


def test_coupled_signals_gap():
    flat = coupled_instance(0.0)
    assert abs(correlation_gap(flat)) <= TOL
    for rho in (0.3, 0.968):
        inst = coupled_instance(rho)
        corr = optimal_mechanism(inst)
        unc = optimal_uncorrelated_mechanism(inst)
        assert corr.value > unc.value + 1e-3
        ev = evaluate_mechanism(inst, corr)
        assert ev.max_gain <= TOL
        assert ev.principal_utility == pytest.approx(corr.value, abs=TOL)
        oracle_gain = brute_force_ic(inst, corr.recommendation, corr.payments)
        assert oracle_gain <= TOL
        ref = explicit_phi_lp(inst)
        assert -ref.fun == pytest.approx(corr.value, abs=TOL)


def test_coupled_signals_need_a_lottery():
    """The correlated optimum beats the best mechanism that recommends a single profile."""
    inst = coupled_instance(0.968)
    corr = optimal_mechanism(inst)
    best_single = max(optimal_mechanism(inst, profile=b).value for b in inst.profiles())
    assert corr.value > best_single + 1e-3
    assert len(corr.support(1e-9)) >= 2
    ref = explicit_phi_lp(inst, profile=(1, 0))
    assert -ref.fun == pytest.approx(optimal_mechanism(inst, profile=(1, 0)).value, abs=TOL)


def test_uncapped_value_exceeds_capped_value_for_coupled_signals():
    """The phantom-payment effect: raising M raises the value and it is attained at each M."""
    vals = [optimal_mechanism(coupled_instance(0.968, cap=cap)).value for cap in (5.0, 20.0, 80.0)]
    assert vals[0] < vals[1] < vals[2]


def test_evaluate_with_a_given_action_rule():
    """Always guessing state 0 earns 1/2 whatever the reports; the payments still cost 0.225."""
    inst = binary_accuracy_instance([0.9], [0.1])
    res = optimal_mechanism(inst, method="lp")
    ev = evaluate_mechanism(inst, Mechanism(res.recommendation, res.payments, actions=np.zeros((2, 2), int)))
    assert ev.gross_value == pytest.approx(0.5)
    assert ev.principal_utility == pytest.approx(0.5 - 0.225)
    assert ev.max_gain <= TOL           # incentives do not depend on the principal's actions
