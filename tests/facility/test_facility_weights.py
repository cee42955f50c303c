"""Weighted agents (design note §8): integer weights are duplicated agents."""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.facility import (
    check_axioms,
    generalized_median,
    leftmost,
    lrm,
    mean,
    median,
    midpoint,
    moulin_minmax,
    phantom_median,
    random_rank,
    rightmost,
    uniform_phantom,
)
from mechkit.facility.strategies import exact_profiles, profiles
from solvers.facility_weighted import weighted_median_batch, weighted_uniform_phantom_batch
from tests.facility.oracles import median_of, pf_slack_subsets

WEIGHTED = [uniform_phantom, median, leftmost, rightmost, mean, midpoint, lrm, random_rank]
AXIOMS = ("IFS", "UFS", "proportionality", "PF", "unanimity", "pareto")


@st.composite
def weighted_profiles(draw, max_n=5, max_w=3, exact=True):
    x = draw(exact_profiles(1, max_n) if exact else profiles(1, max_n))
    w = draw(st.lists(st.integers(0, max_w), min_size=len(x), max_size=len(x)))
    assume(sum(w) > 0)
    return x, w


def duplicate(x, w):
    """The profile with agent i repeated w_i times, and the agent of each copy."""
    dup, owner = [], []
    for i, (v, k) in enumerate(zip(x, w, strict=True)):
        dup += [v] * k
        owner += [i] * k
    return dup, owner


@settings(max_examples=60)
@given(weighted_profiles())
def test_integer_weights_are_duplicated_agents(xw):
    x, w = xw
    dup, _ = duplicate(x, w)
    for mech in WEIGHTED:
        assert mech(x, weights=w) == mech(dup), mech.name
    for P in (1, 2, 3):  # the phantom median exists iff the duplicated total is odd
        ph = [F(k, P + 1) for k in range(1, P + 1)]
        if (len(dup) + P) % 2:
            assert phantom_median(x, phantoms=ph, weights=w) == phantom_median(dup, phantoms=ph)
        else:
            with pytest.raises(InvalidInputError, match="must be odd"):
                phantom_median(dup, phantoms=ph)
            with pytest.raises(InvalidInputError, match="must be odd"):
                phantom_median(x, phantoms=ph, weights=w)


@settings(max_examples=60)
@given(weighted_profiles(), st.fractions(0, 1, max_denominator=12))
def test_weighted_axioms_equal_the_duplicated_profile(xw, y):
    x, w = xw
    dup, _ = duplicate(x, w)
    rep_w, rep_d = check_axioms(x, y, AXIOMS, weights=w), check_axioms(dup, y, AXIOMS)
    for a in AXIOMS:
        assert rep_w[a].satisfied == rep_d[a].satisfied, a
        assert rep_w[a].slack == rep_d[a].slack, a
        assert all(w[i] > 0 for i in rep_w[a].witness)  # zero-weight agents are absent
    assert rep_w["PF"].slack == pf_slack_subsets(dup, y)


@settings(max_examples=60)
@given(exact_profiles(1, 5), st.data())
def test_weighted_uniform_phantom_is_pf_for_rational_weights(x, data):
    """Rational weights scale to integers (every rule and axiom here is invariant under w -> c w),
    and UP on the duplicated profile is PF, so the weighted UP satisfies weighted PF, UFS,
    proportionality and unanimity; it equals UP with the phantoms k/W for integer W."""
    w = data.draw(st.lists(st.fractions(0, 3, max_denominator=4), min_size=len(x), max_size=len(x)))
    assume(sum(w) > 0)
    y = uniform_phantom(x, weights=w)
    rep = check_axioms(x, y, ("UFS", "proportionality", "PF", "unanimity", "pareto"), weights=w)
    assert rep.all_satisfied, rep
    c = F(data.draw(st.integers(1, 9)), data.draw(st.integers(1, 9)))
    cw = [c * v for v in w]
    for mech in WEIGHTED:
        assert mech(x, weights=cw) == mech(x, weights=w)
    W = sum(w)
    if W.denominator == 1:
        dup, _ = duplicate(x, [int(v) for v in w]) if all(v.denominator == 1 for v in w) else (None, None)
        if dup is not None:
            assert y == median_of(dup + [F(k, W) for k in range(int(W) + 1)])


def test_zero_weight_agents_are_absent():
    x = [F(1, 10), F(1, 2), F(9, 10)]
    for mech in WEIGHTED:
        assert mech(x, weights=[1, 0, 2]) == mech([F(1, 10), F(9, 10), F(9, 10)])
    rep = check_axioms(x, F(1, 2), weights=[0, 1, 0])
    assert rep["unanimity"].satisfied is True and rep["unanimity"].witness == (1,)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 7), st.data())
def test_weighted_kernels_match_the_exact_rules(B, n, data):
    """numba kernels (and their py_func bodies) == the exact weighted rules evaluated on floats."""
    X = np.array([data.draw(profiles(n, n)) for _ in range(B)])
    W = np.array([data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.25]), min_size=n, max_size=n))
                  for _ in range(B)])
    assume((W.sum(axis=1) > 0).all())
    ph = np.array([0.25, 0.5, 0.75])
    for kern, rule in ((weighted_uniform_phantom_batch, lambda r: uniform_phantom(X[r], weights=W[r])),
                       (lambda X_, W_: weighted_median_batch(X_, W_, ph),
                        lambda r: phantom_median(X[r], phantoms=ph, weights=W[r]) if W[r].sum() % 1
                        or (int(W[r].sum()) + 3) % 2 else None)):
        got = kern(X, W)
        for r in range(B):
            want = rule(r)
            if want is not None:
                assert got[r] == pytest.approx(want, abs=1e-12)
    assert np.array_equal(weighted_uniform_phantom_batch(X, W), weighted_uniform_phantom_batch.py_func(X, W))
    assert np.array_equal(weighted_median_batch(X, W, ph), weighted_median_batch.py_func(X, W, ph))
    # the public batch API, with shared and per-row weights
    for mech in (uniform_phantom, median, mean, leftmost, rightmost, midpoint):
        got = mech.batch(X, weights=W)
        for r in range(B):
            assert got[r] == pytest.approx(mech(X[r], weights=W[r]), abs=1e-12)
    shared = mech.batch(X, weights=W[0])
    assert shared[0] == pytest.approx(mech(X[0], weights=W[0]), abs=1e-12)


@pytest.mark.parametrize("spread", [0.0, 1e-3, 0.02, 1.0])
def test_weighted_kernels_on_clustered_profiles(spread):
    """Clusters put many reports in one grid bucket (the kernels' sorted fallback) or leave the
    crossing between buckets; the kernels must still equal the exact rules (and py_func)."""
    rng = np.random.default_rng(7)
    n = 60
    X = np.clip(0.4 + spread * rng.random((5, n)), 0, 1)
    X[1, :30] = 0.0
    X[2, 30:] = 1.0
    W = rng.choice([0.0, 1.0, 2.0, 0.5], size=(5, n))
    W[:, 0] = 1.0
    got = weighted_uniform_phantom_batch(X, W)
    med = weighted_median_batch(X, W, np.zeros(0))
    assert np.array_equal(got, weighted_uniform_phantom_batch.py_func(X, W))
    for r in range(5):
        assert got[r] == pytest.approx(uniform_phantom(X[r], weights=W[r]), abs=1e-12)
        assert med[r] == median(X[r], weights=W[r])


def test_weighted_lottery_batches():
    X = np.array([[0.1, 0.5, 0.9], [0.2, 0.2, 0.7]])
    lot = random_rank.batch(X, weights=[1.0, 0.0, 3.0])
    assert lot.row(0) == random_rank(X[0], weights=[1.0, 0.0, 3.0])
    assert lrm.batch(X, weights=[1.0, 1.0, 0.0]).row(1) == lrm([0.2, 0.2])
    with pytest.raises(InvalidInputError, match="shared by all"):
        random_rank.batch(X, weights=[[1.0, 1.0, 1.0], [1.0, 2.0, 1.0]])


@pytest.mark.parametrize("weights, message", [
    ([1, -1], "must be >= 0; entry \\(1,\\) is -1"),
    ([0, 0], "positive total"),
    ([1, math.nan], "finite"),
    ([1, math.inf], "finite"),
    ([1], "one weight per agent"),
    ([[1, 1]], "one weight per agent"),
    ("11", "1-D sequence"),
    (2, "1-D sequence"),
    ([True, 1], "real number|booleans"),
])
def test_bad_weights(weights, message):
    with pytest.raises(InvalidInputError, match=message):
        uniform_phantom([0.2, 0.8], weights=weights)
    with pytest.raises(InvalidInputError, match=message):
        check_axioms([0.2, 0.8], 0.5, ("UFS", "PF"), weights=weights)


def test_bad_weights_exact_and_batch():
    with pytest.raises(InvalidInputError, match="must be >= 0"):
        uniform_phantom([F(1, 5), F(4, 5)], weights=[F(1), F(-1, 2)])
    with pytest.raises(InvalidInputError, match=r"positive total; got total 0\.0 in row 1"):
        uniform_phantom.batch([[0.2, 0.8], [0.1, 0.3]], weights=[[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(InvalidInputError, match=r"shape \(2,\)|shape \(3, 2\)"):
        uniform_phantom.batch([[0.2, 0.8]] * 3, weights=[[1.0, 1.0]] * 2)


def test_rules_without_weights_and_ifs_with_fractional_weights():
    with pytest.raises(InvalidInputError, match="generalized_median does not take agent weights"):
        generalized_median([0.2, 0.8], beta=[1, 0.5, 0], weights=[1, 2])
    with pytest.raises(InvalidInputError, match="does not take agent weights"):
        moulin_minmax.batch([[0.2, 0.8]], alpha=[1, 0.5, 0.5, 0], weights=[1, 2])
    with pytest.raises(InvalidInputError, match="IFS counts individuals"):
        check_axioms([0.2, 0.8], 0.5, weights=[0.5, 1])
    rep = check_axioms([0.2, 0.8], 0.5, ("UFS", "PF"), weights=[0.5, 1])
    assert rep.all_satisfied
    # integer-valued weights may be given as floats
    assert check_axioms([0.0, 1.0], 1 / 3, weights=[2.0, 1.0])["IFS"].satisfied
