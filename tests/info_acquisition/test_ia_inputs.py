"""Bad inputs raise InvalidInputError with a message naming the argument and the rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mechkit.errors import InfeasibleError, InvalidInputError
from mechkit.info_acquisition import (
    Instance,
    Mechanism,
    binary_accuracy_instance,
    evaluate_mechanism,
    minimum_payment,
    optimal_mechanism,
)

PRIOR = [0.5, 0.5]
U = np.eye(2)
K1 = [[[0.5, 0.5], [0.5, 0.5]], [[0.9, 0.1], [0.1, 0.9]]]
C1 = [[0.0, 0.1]]


def make(**kw):
    args = {"prior": PRIOR, "utility": U, "costs": C1, "signals": [K1]}
    args.update(kw)
    return Instance(**args)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"prior": [0.5, 0.6]}, r"prior: must sum to 1"),
        ({"prior": [1.5, -0.5]}, r"prior: "),
        ({"prior": [0.5, math.nan]}, r"prior: must be finite"),
        ({"utility": [[1.0, math.nan], [0.0, 1.0]]}, r"utility: must be finite"),
        ({"utility": np.eye(3)}, r"utility: must have shape \(n_actions, 2\)"),
        ({"costs": [[0.0, math.inf]]}, r"costs\[0\]: must be finite"),
        ({"costs": []}, r"costs: need at least one agent"),
        ({"costs": [[]]}, r"costs\[0\]: must not be empty"),
        ({"costs": np.array([0.0, 0.1])}, r"costs: must be a sequence of per-agent cost vectors"),
        ({"signals": [[[[0.5, 0.6], [0.5, 0.5]], [[0.9, 0.1], [0.1, 0.9]]]]},
         r"signals\[0\]: signal probabilities must sum to 1"),
        ({"signals": [[[[1.2, -0.2], [0.5, 0.5]], [[0.9, 0.1], [0.1, 0.9]]]]},
         r"signals\[0\]: must be non-negative"),
        ({"signals": [[[[math.nan, 0.5], [0.5, 0.5]], [[0.9, 0.1], [0.1, 0.9]]]]},
         r"signals\[0\]: must be finite"),
        ({"signals": [K1, K1]}, r"signals: need one kernel per agent \(1 from costs\); got 2"),
        ({"signals": [[[[0.5, 0.5], [0.5, 0.5]]]]}, r"signals\[0\]: must have shape \(k_0=2, d=2, m_0\)"),
        ({"signals": [np.zeros((2, 2, 0))]}, r"signals\[0\]: must not be empty"),
        ({"signals": None}, r"signals: give exactly one of signals= "),
        ({"joint_signals": np.full((2, 2, 2), 0.5)}, r"signals: give exactly one of signals= "),
        ({"payment_cap": -1.0}, r"payment_cap: must be >= 0; got -1.0"),
        ({"payment_cap": math.nan}, r"payment_cap: must be >= 0; got nan"),
        ({"payment_cap": "big"}, r"payment_cap: must be a real number"),
    ],
)
def test_bad_instances(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        make(**kwargs)


def test_infinite_cap_with_two_agents_is_refused():
    with pytest.raises(InvalidInputError, match=r"payment_cap: must be finite with two or more agents"):
        Instance(PRIOR, U, [[0.0, 0.1], [0.0, 0.1]], signals=[K1, K1])


def test_bad_joint_kernels():
    P = np.full((2, 2, 2, 2, 2), 0.25)
    Instance(PRIOR, U, [[0.0, 0.1], [0.0, 0.1]], joint_signals=P, payment_cap=1.0)
    with pytest.raises(InvalidInputError, match=r"joint_signals: must have 5 axes"):
        Instance(PRIOR, U, [[0.0, 0.1], [0.0, 0.1]], joint_signals=np.full((2, 2, 2, 4), 0.25), payment_cap=1.0)
    with pytest.raises(InvalidInputError, match=r"joint_signals: leading axes must be"):
        Instance(PRIOR, U, [[0.0, 0.1], [0.0, 0.1, 0.2]], joint_signals=P, payment_cap=1.0)
    bad = P.copy()
    bad[1, 0, 1, 0, 0] = 0.5
    with pytest.raises(InvalidInputError, match=r"joint_signals: signal probabilities must sum to 1.*\(1, 0, 1\)"):
        Instance(PRIOR, U, [[0.0, 0.1], [0.0, 0.1]], joint_signals=bad, payment_cap=1.0)


def test_valid_edge_cases_return_numbers():
    # single effort, zero-probability signal, degenerate prior, constant utility, costs not at 0
    inst = Instance([1.0, 0.0], np.ones((2, 2)), [[0.3]], signals=[[[[1.0, 0.0], [0.0, 1.0]]]])
    assert optimal_mechanism(inst).value == pytest.approx(1.0)
    shifted = make(costs=[[1.0, 1.1]])
    assert optimal_mechanism(shifted, method="lp").value == pytest.approx(0.675)
    zero_cap = make(payment_cap=0.0)
    assert optimal_mechanism(zero_cap, method="lp").value == pytest.approx(0.5)


def test_method_and_options_validation():
    inst = binary_accuracy_instance([0.9], [0.1])
    with pytest.raises(InvalidInputError, match=r"method: "):
        optimal_mechanism(inst, method="simplex")
    with pytest.raises(InvalidInputError, match=r"ic_margin: must be >= 0"):
        optimal_mechanism(inst, ic_margin=-0.1)
    with pytest.raises(InvalidInputError, match=r"profile: effort of agent 0 must lie in \[0, 1\]; got 2"):
        optimal_mechanism(inst, profile=[2])
    with pytest.raises(InvalidInputError, match=r"instance: must be an Instance"):
        optimal_mechanism({"prior": PRIOR})
    joint = Instance(PRIOR, U, [[0.0, 0.1], [0.0, 0.1]], joint_signals=np.full((2, 2, 2, 2, 2), 0.25),
                     payment_cap=1.0)
    with pytest.raises(InvalidInputError, match=r"method: 'fast' needs per-agent"):
        optimal_mechanism(joint, method="fast")


def test_unimplementable_profile_raises_infeasible():
    inst = binary_accuracy_instance([0.9], [0.1], payment_cap=0.2)
    with pytest.raises(InfeasibleError, match=r"profile=\(1,\)\): the profile is not implementable under the payment cap"):
        optimal_mechanism(inst, profile=[1])


def test_bad_mechanisms():
    inst = binary_accuracy_instance([0.9], [0.1])
    good = np.zeros((1, 2, 2, 2))
    with pytest.raises(InvalidInputError, match=r"recommendation: must be a probability distribution"):
        evaluate_mechanism(inst, Mechanism([0.5, 0.6], good))
    with pytest.raises(InvalidInputError, match=r"recommendation: must have shape \(2,\)"):
        evaluate_mechanism(inst, Mechanism([1.0], good))
    with pytest.raises(InvalidInputError, match=r"payments: must have shape \(1, 2, 2, 2\)"):
        evaluate_mechanism(inst, Mechanism([0.0, 1.0], np.zeros((2, 2, 2))))
    bad = good.copy()
    bad[0, 1, 0, 0] = -1.0
    with pytest.raises(InvalidInputError, match=r"payments: must be >= 0 \(limited liability\)"):
        evaluate_mechanism(inst, Mechanism([0.0, 1.0], bad))
    with pytest.raises(InvalidInputError, match=r"payments: must be finite"):
        Mechanism([0.0, 1.0], np.full((1, 2, 2, 2), math.nan))
    with pytest.raises(InvalidInputError, match=r"actions: entries must be <= 1"):
        evaluate_mechanism(inst, Mechanism([0.0, 1.0], good, actions=np.full((2, 2), 5)))


def test_minimum_payment_validation_and_unimplementable():
    with pytest.raises(InvalidInputError, match=r"effort: must be an int in \[0, 1\]"):
        minimum_payment(K1, PRIOR, [0.0, 0.1], 3)
    same = [[[0.5, 0.5], [0.5, 0.5]], [[0.5, 0.5], [0.5, 0.5]]]
    pay, rule = minimum_payment(same, PRIOR, [0.0, 0.1], 1)
    assert pay == math.inf and rule is None


def test_review_regressions_bad_inputs_raise_named_errors():
    """Regressions: each of these returned a number or raised a non-InvalidInputError."""
    from mechkit.info_acquisition import random_instance, regret_slope, strict_exploration_rules

    inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    mech = Mechanism([0.0, 1.0], np.zeros((1, 2, 2, 2)))
    kernel = [[[0.5, 0.5], [0.5, 0.5]], [[0.9, 0.1], [0.1, 0.9]]]
    cases = [
        (lambda: evaluate_mechanism(None, mech), "instance: must be an Instance"),
        (lambda: evaluate_mechanism(inst, object()), "mechanism: must have recommendation"),
        (lambda: evaluate_mechanism(inst, Mechanism([0.0, 1.0], np.full((1, 2, 2, 2), 5.0))),
         r"payments: must be <= the instance's payment_cap=1.0"),
        (lambda: strict_exploration_rules(None, 0.1), "instance: must be an Instance"),
        (lambda: regret_slope([-1e3, 1e4, 1e5], [1.0, 2.0, 3.0]), "horizons: must be > 0"),
        (lambda: regret_slope([0.0, 1e4, 1e5], [1.0, 2.0, 3.0]), "horizons: must be > 0"),
        (lambda: regret_slope([1e3, 1e4, 1e5], [1.0, 2.0, 3.0], level=1.5), r"level: must lie in \(0, 1\)"),
        (lambda: regret_slope([1e3, 1e4, 1e5], [1.0, 2.0, 3.0], level=math.nan), "level: must be a finite"),
        (lambda: regret_slope([1e3, 1e3, 1e3], [1.0, 2.0, 3.0]), "horizons: need at least two distinct"),
        (lambda: minimum_payment(kernel, 0.5, [0.0, 0.1], 1), "prior: must be 1-dimensional"),
        (lambda: minimum_payment(kernel, [0.5, 0.5], [0.0, 0.1], True), "effort: must be an int"),
        (lambda: optimal_mechanism(inst, correlated="no"), "correlated: must be True or False"),
        (lambda: optimal_mechanism(inst, solver="ECOS"), "solver: selects the cvxpy solver"),
        (lambda: binary_accuracy_instance([0.9], [-0.1]), "costs: the cost of working must be >= 0"),
        (lambda: random_instance(1, 2, 2, 2, cost_scale=math.inf), "cost_scale: must be a finite"),
        (lambda: random_instance(1, 2, 2, 2, cost_scale=-1.0), "cost_scale: must be >= 0"),
    ]
    for call, match in cases:
        with pytest.raises(InvalidInputError, match=match):
            call()
    # payments at the cap up to float noise are accepted
    ok = np.zeros((1, 2, 2, 2))
    ok[0, 1, 0, 0] = 1.0 + 1e-12
    assert evaluate_mechanism(inst, Mechanism([0.0, 1.0], ok)).max_gain > -np.inf


def test_duality_proof_refuses_data_it_would_round():
    """Regression: certify_lp read every coefficient with limit_denominator(10^4), so an LP
    with a non-decimal coefficient was 'certified' for a different (rounded) LP: cost
    0.050000001 was read as 1/20 and the value 2/3 certified, while the LP's value is
    0.8 - 0.8 * 0.050000001 / 0.3 = 2/3 - 1.33e-9."""
    from fractions import Fraction

    from proofs.info_acquisition_duality import certify_lp, correlated_lp

    ok, value, details = certify_lp(correlated_lp(binary_accuracy_instance([0.8], [0.050000001])))
    assert not ok and value is None
    assert "not rational" in details["status"]
    ok, value, _ = certify_lp(correlated_lp(binary_accuracy_instance([0.8], [0.05])))
    assert ok and value == -Fraction(2, 3)


@pytest.mark.parametrize("method", ["lp", "fast"])
def test_a_failing_duality_certificate_is_not_returned_as_a_number(monkeypatch, method):
    """Regression: the certificate (duality gap, primal/dual infeasibility) was only recorded;
    a HiGHS answer labelled optimal whose point violates the LP was still returned as a value."""
    import dataclasses

    import solvers.lp
    from mechkit.errors import SolverError

    real = solvers.lp.solve_lp

    def corrupted(*args, **kwargs):
        sol = real(*args, **kwargs)
        return dataclasses.replace(sol, x=sol.x + 1e-3, row_dual=sol.row_dual * 1.5)

    monkeypatch.setattr(solvers.lp, "solve_lp", corrupted)
    with pytest.raises(SolverError, match="LP-duality certificate fails"):
        optimal_mechanism(binary_accuracy_instance([0.9], [0.1]), method=method)
