"""Proper scoring rules: reference values, strict properness, induced signal rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError, UnknownNameError
from mechkit.info_acquisition.scoring import SCORING_RULES, expected_score, induced_rule, score, score_table

RULES = ("quadratic", "logarithmic", "spherical")
P = [0.7, 0.2, 0.1]


@pytest.mark.parametrize(("rule", "value", "expectation"), [
    ("quadratic", 0.86, 0.54), ("logarithmic", -0.356675, -0.801819), ("spherical", 0.952579, 0.734847)])
def test_reference_values(rule, value, expectation):
    assert score(rule, P, 0) == pytest.approx(value, abs=1e-6)
    assert expected_score(rule, P) == pytest.approx(expectation, abs=1e-6)


def test_log_score_at_zero_is_minus_infinity_not_nan():
    assert score("logarithmic", [1.0, 0.0], 1) == -math.inf
    assert expected_score("logarithmic", [1.0, 0.0]) == 0.0


probs = st.lists(st.floats(0.01, 1.0), min_size=2, max_size=4).map(lambda v: np.array(v) / sum(v))


@settings(max_examples=100)
@given(p=probs, data=st.data())
def test_strict_properness(p, data):
    """E_p S(p, ω) >= E_p S(r, ω) for every report r, with equality only at r = p."""
    r = data.draw(st.lists(st.floats(0.01, 1.0), min_size=len(p), max_size=len(p)).map(
        lambda v: np.array(v) / sum(v)))
    for rule in RULES:
        truth = float(p @ score_table(rule, p[None, :])[0])
        lie = float(p @ score_table(rule, r[None, :])[0])
        assert truth >= lie - 1e-12
        if np.abs(p - r).max() > 1e-3:
            assert truth > lie
        assert truth == pytest.approx(expected_score(rule, p), abs=1e-12)


@settings(max_examples=50)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(2, 4), d=st.integers(2, 3), cap=st.floats(0.1, 5.0))
def test_induced_rule_is_bounded_and_truthful(seed, m, d, cap):
    rng = np.random.default_rng(seed)
    prior = rng.dirichlet(np.ones(d))
    K = rng.dirichlet(np.ones(m), size=d)
    joint = prior[:, None] * K                     # (d, m)
    post = (joint / joint.sum(axis=0)).T
    for rule in RULES:
        if rule == "logarithmic" and post.min() < 1e-3:
            # a floored log score is not proper: refused rather than returned
            with pytest.raises(InvalidInputError, match="'logarithmic' needs every posterior entry"):
                induced_rule(K, prior, rule, payment_cap=cap)
            continue
        g = induced_rule(K, prior, rule, payment_cap=cap)
        assert g.shape == (m, d)
        assert g.min() >= -1e-12 and g.max() <= cap + 1e-9
        # truthful reporting maximises the expected payment after each signal
        for s in range(m):
            honest = joint[:, s] @ g[s]
            assert all(honest >= joint[:, s] @ g[t] - 1e-9 for t in range(m))


def test_errors():
    with pytest.raises(UnknownNameError, match="unknown scoring rule 'brier'"):
        score("brier", P, 0)
    with pytest.raises(InvalidInputError, match="p: must sum to 1"):
        score("quadratic", [0.5, 0.6], 0)
    with pytest.raises(InvalidInputError, match="outcome: must be <= 2"):
        score("quadratic", P, 3)
    with pytest.raises(InvalidInputError, match=r"kernel: must have shape \(d=2, m\)"):
        induced_rule([[0.5, 0.5]], [0.5, 0.5])
    with pytest.raises(InvalidInputError, match="payment_cap: must be > 0"):
        induced_rule([[0.5, 0.5], [0.5, 0.5]], [0.5, 0.5], payment_cap=0.0)
    assert set(RULES) <= set(SCORING_RULES.names())
