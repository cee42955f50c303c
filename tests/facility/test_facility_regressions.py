"""Regression tests for defects found in the facility review (each failed before its fix)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

import solvers.medians as K
from mechkit.errors import InvalidInputError, NotConvergedError
from mechkit.facility import (
    Mechanism,
    audit_group_strategyproofness,
    audit_strategyproofness,
    best_response_dynamics,
    certificate_for,
    generalized_median,
    mean,
    median,
    moulin_minmax,
    uniform_phantom,
)


def _fake_phantom_mean() -> Mechanism:
    """The mean, falsely *declared* as an anonymous phantom median (UP's phantoms)."""
    return Mechanism(
        "declared_phantom_mean",
        exact=lambda xs: sum(xs, start=0 * xs[0]) / len(xs),
        batch=lambda X: K.mean_batch(X),
        description="the mean, declared with phantoms",
        phantom_form="anonymous",
        phantoms=lambda n: [F(k, n) for k in range(n + 1)],
    )


# -- a declared phantom_form is not a theorem: no certificate for user-built mechanisms ----
def test_declared_phantom_form_gets_no_certificate():
    fake = _fake_phantom_mean()
    assert certificate_for(fake) is None
    res = audit_strategyproofness(fake, [F(1, 10), F(3, 10), F(9, 10)])
    assert res.method == "search" and res.verdict == "manipulable"
    assert res.max_gain == F(1, 10)  # the mean's gain (design note), not a certificate with gain 0
    res = audit_strategyproofness(fake, [0.1, 0.3, 0.9])
    assert res.method == "search" and res.manipulable
    with pytest.raises(InvalidInputError, match="method: no strategyproofness certificate"):
        audit_strategyproofness(fake, [0.1, 0.3, 0.9], method="certificate")
    grp = audit_group_strategyproofness(fake, [0.1, 0.3, 0.9])
    assert grp.manipulable and grp.certificate is None


def test_builtin_phantom_mechanisms_keep_their_certificates():
    for mech in (uniform_phantom, median, generalized_median.bind(beta=[1, 0.5, 0]),
                 moulin_minmax.bind(alpha=[1, 0.5, 0.5, 0])):
        assert certificate_for(mech) is not None, mech
    res = audit_strategyproofness(uniform_phantom, [F(1, 10), F(3, 10), F(9, 10)])
    assert res.verdict == "strategyproof (certificate)"


# -- a negative atol turned "no gain" into "manipulable" -----------------------------------
@pytest.mark.parametrize("call", [
    lambda: audit_strategyproofness(uniform_phantom, [0.5, 0.5], atol=-1, method="search"),
    lambda: audit_strategyproofness(mean, [0.5, 0.5], atol=-0.5),
    lambda: audit_group_strategyproofness(mean, [0.5, 0.5], atol=-1),
])
def test_negative_atol_is_refused(call):
    with pytest.raises(InvalidInputError, match="atol: must be >= 0"):
        call()


# -- a tiny resolution allocated gigabytes (the process was OOM-killed) --------------------
@pytest.mark.parametrize(("call", "message"), [
    (lambda: audit_strategyproofness(mean, [0.1, 0.9], resolution=1e-9), "resolution: must be >="),
    (lambda: audit_strategyproofness(mean, [0.5] * 60, resolution=1e-4),
     "resolution: a search at resolution"),
    (lambda: audit_group_strategyproofness(mean, [0.1, 0.9], resolution=1e-9), "resolution: must be >="),
    (lambda: audit_group_strategyproofness(mean, [0.1] * 3, resolution=2), "resolution: must be <= 1"),
    (lambda: audit_group_strategyproofness(mean, [i / 10 for i in range(10)], max_size=6),
     "max_size: coalitions up to size 6"),
])
def test_search_sizes_are_bounded(call, message):
    with pytest.raises(InvalidInputError, match=message):
        call()


def test_exact_search_grid_is_at_least_as_fine_as_the_resolution():
    # resolution 0.3 used to search the coarser grid {0, 1/3, 2/3, 1}
    res = audit_strategyproofness(mean, [F(1, 10), F(3, 10), F(9, 10)], resolution=0.3)
    assert res.resolution == pytest.approx(0.3)
    assert res.max_gain == F(1, 10)
    # candidates per agent: {0, 1/4, 1/2, 3/4, 1} | {1/10, 3/10, 9/10} and the 7 midpoints = 15
    # (the 1/3-grid gave 13, plus at most one secant point per agent)
    assert res.evaluations >= 3 * 15


# -- exact best-response dynamics returned a dyadic approximation as an exact Fraction -----
def test_exact_dynamics_outcome_is_exact():
    x = [F(1, 10), F(2, 5), F(9, 10)]
    for mech in (uniform_phantom, median):
        res = best_response_dynamics(mech, x)
        assert res.outcome == F(2, 5)  # was 922337203685477581/2305843009213693952
        assert res.outcome == uniform_phantom(x)
    res = best_response_dynamics(lambda v: sum(v) / len(v), x, exact=True)  # mean as a black box
    assert res.outcome == F(2, 5)
    assert res.reports == (F(0), F(1, 5), F(1))


@given(st.lists(st.fractions(0, 1, max_denominator=12), min_size=1, max_size=5))
def test_exact_dynamics_of_up_reach_the_up_outcome_exactly(x):
    res = best_response_dynamics(uniform_phantom, x)
    assert res.outcome == uniform_phantom(x)  # SP: truthful is an equilibrium, exactly


def test_exact_dynamics_refuse_a_non_affine_black_box():
    # outcome d**3 for agent 0 (continuous, increasing, not piecewise linear): there is no
    # exact dyadic/secant report with outcome 2/5, so exact mode must not invent one
    with pytest.raises(NotConvergedError, match="use exact=False"):
        best_response_dynamics(lambda v: v[0] ** 3, [F(2, 5)], exact=True)


# -- approximation_ratio parameters: ValueError / SolverError / silent acceptance before ------
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"recheck_limit": -1}, "recheck_limit: must be >= 1"),  # was SolverError after the enumeration
    ({"recheck_limit": float("nan")}, "recheck_limit: must be an integer"),  # was accepted
    ({"method": "grid", "step": float("nan")}, "step: must be finite"),  # was ValueError
    ({"method": "grid", "step": "a"}, "step: must be a real number"),  # was ValueError
    ({"step": F(1, 4)}, "step: only used with method='grid'"),  # was silently ignored
])
def test_ratio_parameters_are_validated(kwargs, message):
    from mechkit.facility import approximation_ratio

    with pytest.raises(InvalidInputError, match=message):
        approximation_ratio(uniform_phantom, 3, **kwargs)


# -- a mechanism declared anonymous (the default) but not anonymous was enumerated over
#    sorted profiles only: agent 1's dictatorship looked like the median (cost ratio 1, true 2)
def test_ratio_refuses_a_falsely_anonymous_mechanism():
    import numpy as np

    from mechkit.facility import approximation_ratio

    def dictator(anonymous: bool) -> Mechanism:
        return Mechanism("dictator_1", exact=lambda xs: xs[1],
                         batch=lambda X: np.ascontiguousarray(X[:, 1]), description="agent 1",
                         breakpoints=lambda n: [F(0), F(1)], anonymous=anonymous)

    with pytest.raises(InvalidInputError, match="declared anonymous"):
        approximation_ratio(dictator(True), 3, "cost")  # returned 1 before
    res = approximation_ratio(dictator(False), 3, "cost")
    assert res.ratio == 2 and res.witness[1] in (F(0), F(1))


# -- dynamics of a discontinuous rule "converged" to a state that is not an equilibrium ----
def test_dynamics_refuse_a_settled_state_that_is_not_an_equilibrium():
    from mechkit.facility import midpoint, ufs_clipped_median

    # reports (1, 1, 0, 0) give 0.5; agent 1 (peak 0.27) gets 0.25 by reporting 0
    with pytest.raises(NotConvergedError, match="not an equilibrium: agent 1"):
        best_response_dynamics(ufs_clipped_median, [0.64, 0.27, 0.04, 0.02])
    res = best_response_dynamics(midpoint, [F(1, 10), F(2, 5), F(9, 10)])  # continuous: verified
    assert res.status == "converged" and res.outcome == F(1, 2)
