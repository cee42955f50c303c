from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import solvers.medians as K
from mechkit.errors import InvalidInputError, UnknownNameError
from mechkit.facility import (
    MECHANISMS,
    Lottery,
    generalized_median,
    get_mechanism,
    ifs_clipped_median,
    leftmost,
    lrm,
    mean,
    median,
    midpoint,
    moulin_minmax,
    phantom_median,
    random_rank,
    rightmost,
    ufs_clipped_median,
    uniform_phantom,
)
from mechkit.facility.strategies import batches, exact_profiles, profiles
from tests.facility.oracles import median_of, moulin_brute, up_cdf_crossing, up_minmax


def _up_reference(X):
    n = X.shape[1]
    ph = np.arange(n + 1) / n
    return np.array([median_of(list(row) + list(ph)) for row in X])


# -- Uniform Phantom ---------------------------------------------------------------------
def test_up_reference_outputs():
    assert uniform_phantom([F(1, 10), F(3, 10), F(9, 10)]) == F(1, 3)
    assert uniform_phantom([0, 1, 0, 1, 0]) == pytest.approx(0.4)
    assert uniform_phantom([F(0), F(1), F(0), F(1), F(0)]) == F(2, 5)
    assert uniform_phantom([0.7]) == 0.7
    assert uniform_phantom([F(2, 7)]) == F(2, 7)


@given(batches(max_n=9))
def test_up_kernel_equals_float_phantom_median(X):
    got = K.uniform_phantom_batch(X)
    assert np.array_equal(got, _up_reference(X))
    assert np.array_equal(got, K.uniform_phantom_batch.py_func(X))


@given(exact_profiles(max_n=7))
def test_up_exact_forms_agree(x):
    y = uniform_phantom(x)
    assert y == up_cdf_crossing(x) == up_minmax(x)
    assert min(x) <= y <= max(x)  # efficient


@given(st.integers(1, 60), st.integers(0, 2**32 - 1), st.sampled_from(["uniform", "grid", "cluster"]))
def test_up_kernel_larger_n(n, seed, kind):
    rng = np.random.default_rng(seed)
    X = rng.random((3, n))
    if kind == "grid":
        X = np.round(X * 2 * n) / (2 * n)
    elif kind == "cluster":
        X = 0.3 + 0.01 * X
    assert np.array_equal(K.uniform_phantom_batch(X), _up_reference(X))


def test_up_kernel_big_bucket_and_large_n():
    rng = np.random.default_rng(5)
    X = np.vstack([0.5 + 1e-4 * rng.random(101), rng.random(101)])  # one bucket holds ~all reports
    assert np.array_equal(K.uniform_phantom_batch(X), _up_reference(X))


# -- other kernels against oracles ------------------------------------------------------------
@given(batches(max_n=7), st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 1 / 3]), max_size=6))
def test_phantom_median_kernel(X, ph):
    n = X.shape[1]
    if (n + len(ph)) % 2 == 0:
        ph = [*ph, 0.5]
    phs = np.sort(np.array(ph, dtype=float))
    got = K.phantom_median_batch(X, phs)
    want = np.array([median_of(list(row) + list(phs)) for row in X])
    assert np.array_equal(got, want)
    assert np.array_equal(got, K.phantom_median_batch.py_func(X, phs))
    assert np.array_equal(got, phantom_median.batch(X, ph))


@given(exact_profiles(max_n=6), st.lists(st.fractions(0, 1, max_denominator=8), min_size=0, max_size=9))
def test_phantom_median_normalised_phantoms(x, ph):
    """Padding/dropping extreme phantom pairs to n+1 phantoms keeps the median."""
    if (len(x) + len(ph)) % 2 == 0:
        ph = [*ph, F(1, 2)]
    m = phantom_median.bind(phantoms=ph)
    norm = m.phantoms(len(x))
    assert len(norm) == len(x) + 1
    assert m(x) == median_of(list(x) + norm)


@given(batches(max_n=7))
def test_simple_kernels(X):
    n = X.shape[1]
    srt = np.sort(X, axis=1)
    assert np.array_equal(K.mean_batch(X), K.mean_batch.py_func(X))
    np.testing.assert_allclose(K.mean_batch(X), X.mean(axis=1), rtol=1e-14, atol=1e-15)
    assert np.array_equal(K.midpoint_batch(X), (srt[:, 0] + srt[:, -1]) / 2)
    assert np.array_equal(K.midpoint_batch(X), K.midpoint_batch.py_func(X))
    k = (n + 1) // 2 - 1
    assert np.array_equal(K.order_statistic_batch(X, k), srt[:, k])
    assert np.array_equal(median.batch(X), srt[:, k])
    assert np.array_equal(leftmost.batch(X), srt[:, 0])
    assert np.array_equal(rightmost.batch(X), srt[:, -1])
    assert np.array_equal(K.order_statistic_batch.py_func(X, k), srt[:, k])


@given(batches(max_n=6), st.data())
def test_generalized_median_kernel(X, data):
    n = X.shape[1]
    beta = sorted(data.draw(st.lists(st.sampled_from([0.0, 0.2, 0.5, 0.9, 1.0]), min_size=n + 1,
                                     max_size=n + 1)), reverse=True)
    b = np.array(beta)
    got = K.generalized_median_batch(X, b)
    want = np.array([median_of(list(row) + beta) for row in X])  # phantoms = the betas
    assert np.array_equal(got, want)
    assert np.array_equal(got, K.generalized_median_batch.py_func(X, b))
    assert np.array_equal(got, generalized_median.batch(X, beta))


@given(batches(max_n=5), st.data())
def test_moulin_kernel_against_subsets(X, data):
    n = X.shape[1]
    # a monotone table: alpha_S = g(|S|) + small monotone extra from member weights
    w = data.draw(st.lists(st.sampled_from([0.0, 0.1, 0.2]), min_size=n, max_size=n))
    base = sorted(data.draw(st.lists(st.sampled_from([0.0, 0.3, 0.6, 0.8]), min_size=n + 1,
                                     max_size=n + 1)), reverse=True)

    def alpha_of(S):
        return max(0.0, base[len(S)] - sum(w[i] for i in S) / 4)

    table = np.array([alpha_of(frozenset(i for i in range(n) if m >> i & 1)) for m in range(1 << n)])
    got = K.moulin_minmax_batch(X, table)
    want = np.array([moulin_brute(list(row), alpha_of) for row in X])
    assert np.array_equal(got, want)
    assert np.array_equal(got, K.moulin_minmax_batch.py_func(X, table))


@given(exact_profiles(max_n=5))
def test_moulin_with_up_constants_is_up(x):
    n = len(x)
    alpha = {frozenset(S): 1 - F(len(S), n) for k in range(n + 1)
             for S in __import__("itertools").combinations(range(n), k)}
    assert moulin_minmax(x, alpha) == uniform_phantom(x)
    assert moulin_minmax([float(v) for v in x], alpha) == pytest.approx(float(uniform_phantom(x)))


@given(batches(max_n=7))
def test_ufs_clipped_kernel_matches_exact(X):
    got = K.ufs_clipped_median_batch(X)
    assert np.array_equal(got, K.ufs_clipped_median_batch.py_func(X))
    for row, g in zip(X, got, strict=True):
        want = ufs_clipped_median([F(float(v)) for v in row])
        assert g == pytest.approx(float(want), abs=1e-12)


def test_ufs_and_ifs_clipped_examples():
    assert ufs_clipped_median([F(0), F(0), F(0), F(1, 4)]) == 0
    assert ufs_clipped_median([F(0), F(0), F(0), F(1)]) == F(1, 4)
    assert ifs_clipped_median.phantoms(5) == [0, F(1, 5), F(1, 5), F(4, 5), F(4, 5), 1]
    assert ifs_clipped_median([F(0)] * 5) == 0
    assert ifs_clipped_median([F(0)] * 4 + [F(1)]) == F(1, 5)


# -- exact path == float path -----------------------------------------------------------------
SCALAR = [uniform_phantom, median, mean, midpoint, leftmost, rightmost, ifs_clipped_median,
          ufs_clipped_median]


@given(profiles(max_n=7))
def test_float_and_exact_paths_agree(x):
    for m in SCALAR:
        assert m(x) == pytest.approx(float(m([F(v) for v in x])), abs=1e-12)


@given(exact_profiles(max_n=6))
def test_anonymous_and_unanimous(x):
    for m in SCALAR:
        assert m(x) == m(list(reversed(x)))
        assert m([x[0]] * len(x)) == x[0]


# -- randomized ----------------------------------------------------------------------------------
def test_lotteries():
    lot = lrm([F(0), F(1, 2), F(1)])
    assert lot == Lottery((F(0), F(1, 2), F(1)), (F(1, 4), F(1, 2), F(1, 4)))
    assert lrm([F(1, 3)] * 3) == Lottery((F(1, 3),), (F(1),))
    rr = random_rank([F(1, 5), F(1, 5), F(1)])
    assert rr.support == (F(1, 5), F(1)) and rr.probs == (F(2, 3), F(1, 3))
    assert rr.mean() == F(7, 15)
    b = lrm.batch([[0.0, 0.5, 1.0]])
    assert b.support.tolist() == [[0.0, 0.5, 1.0]] and b.probs.tolist() == [0.25, 0.5, 0.25]
    assert lrm([0.0, 0.5, 1.0]) == Lottery((0.0, 0.5, 1.0), (0.25, 0.5, 0.25))


# -- registry contract ---------------------------------------------------------------------------
def test_registry_contents_and_metadata():
    names = set(MECHANISMS.names())
    assert {"uniform_phantom", "phantom_median", "median", "mean", "moulin_minmax",
            "generalized_median", "independent_markets", "moving_phantoms", "lrm",
            "random_rank"} <= names
    assert MECHANISMS.metadata("uniform_phantom")["strategyproof"] is True
    assert MECHANISMS.metadata("mean")["strategyproof"] is False
    assert MECHANISMS.metadata("moulin_minmax")["anonymous"] is False
    with pytest.raises(UnknownNameError, match="unknown mechanism 'nope'; known: "):
        get_mechanism("nope")


@pytest.mark.parametrize("name", ["uniform_phantom", "median", "mean", "midpoint", "leftmost",
                                  "rightmost", "ifs_clipped_median", "ufs_clipped_median"])
def test_registered_contract(name):
    m = get_mechanism(name)
    X = np.random.default_rng(0).random((20, 5))
    y = m.batch(X)
    assert y.shape == (20,)
    assert np.array_equal(y, m.batch(X))  # deterministic
    perm = X[:, ::-1].copy()
    np.testing.assert_allclose(y, m.batch(perm), rtol=0, atol=1e-15)  # anonymous (mean: rounding)
    assert ((0 <= y) & (y <= 1)).all()
    with pytest.raises(InvalidInputError, match="x: must not be empty"):
        m([])


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: uniform_phantom([]), "x: must not be empty"),
        (lambda: uniform_phantom([0.2, float("nan")]), r"x: must be finite; entry \(1,\) is nan"),
        (lambda: uniform_phantom([0.2, float("inf")]), r"x: must be finite; entry \(1,\) is inf"),
        (lambda: uniform_phantom([0.2, 1.5]), r"x: entries must lie in \[0, 1\]; entry \(1,\) is 1.5"),
        (lambda: uniform_phantom([-0.1]), r"x: entries must lie in \[0, 1\]"),
        (lambda: uniform_phantom([[0.1, 0.2]]), r"x: must be 1-dimensional; got shape \(1, 2\)"),
        (lambda: uniform_phantom(0.5), "x: must be a 1-D profile of reports; got the scalar 0.5"),
        (lambda: uniform_phantom(F(1, 2)), "x: must be a 1-D profile of reports; got the scalar"),
        (lambda: uniform_phantom.batch(0.5), "X: must be 2-dimensional .* got the scalar 0.5"),
        (lambda: uniform_phantom(np.array([[F(1, 2)]], dtype=object)), "x: must be a 1-D sequence"),
        (lambda: uniform_phantom([True, False]), "x: must be a numeric array; got dtype bool"),
        (lambda: uniform_phantom([1j]), "x: must be real"),
        (lambda: uniform_phantom([F(1, 2), F(3, 2)]), r"x: entries must lie in \[0, 1\]; entry \(1,\)"),
        (lambda: uniform_phantom(["a"]), "x: must be a numeric array"),
        (lambda: uniform_phantom.batch([[0.1, 0.2], [0.3]]), "X: must be a numeric array"),
        (lambda: uniform_phantom.batch([0.1, 0.2]), "X: must be 2-dimensional"),
        (lambda: uniform_phantom.batch(np.zeros((0, 3))), "X: must have B >= 1 profiles"),
        (lambda: uniform_phantom.batch([[0.1, np.nan]]), r"X: must be finite; entry \(0, 1\) is nan"),
        (lambda: phantom_median([0.1, 0.2], [0.5, 0.6]),
         "phantoms: the number of reports plus phantoms must be odd for a median; got n=2 reports "
         "and 2 phantoms"),
        (lambda: phantom_median([0.1, 0.2], [1.5]), r"phantoms: entries must lie in \[0, 1\]; entry \(0,\) is 1.5"),
        (lambda: phantom_median([0.1, 0.2], [float("nan")]), r"phantoms\[0\]: must be finite"),
        (lambda: phantom_median([0.1, 0.2]), r"phantom_median: missing parameter\(s\) \['phantoms'\]"),
        (lambda: generalized_median([0.1, 0.2], [1, 0.5]), "beta: must hold n \\+ 1 = 3 constants"),
        (lambda: generalized_median([0.1, 0.2], [0.2, 0.5, 0]), "beta: must be non-increasing"),
        (lambda: moulin_minmax([0.1, 0.2], [1, 0.5, 0.5]), "alpha: must be a mapping coalition"),
        (lambda: moulin_minmax([0.1, 0.2], {(): 1, (0,): 0.5, (1,): 0.5}),
         "alpha: every coalition needs a constant; 1 missing"),
        (lambda: moulin_minmax([0.1, 0.2], [0.5, 0.7, 0.5, 0.0]),
         r"alpha: must be monotone \(S subset of T implies alpha_S >= alpha_T\); got alpha_\{\} = 0.5 < alpha_\{0\} = 0.7"),
        (lambda: moulin_minmax([0.1, 0.2], [1.0, 0.5, 0.5, -1.0]), r"alpha: entries must lie in \[0, 1\]"),
        (lambda: moulin_minmax([0.1, 0.2], {(0, 5): 1}), "alpha: coalition keys must be sets of agent"),
        (lambda: moulin_minmax([0.5] * 21, [0.0]), "n must be <= 20"),
        (lambda: uniform_phantom([0.1], 3), "uniform_phantom: takes parameters none"),
        (lambda: uniform_phantom([0.1], beta=3), "uniform_phantom: unknown parameter 'beta'"),
        (lambda: phantom_median.bind(beta=1), r"phantom_median: unknown parameter\(s\) \['beta'\]"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(InvalidInputError, match=message):
        call()


@given(st.one_of(batches(max_B=3, max_n=5), batches(max_B=3, min_n=25, max_n=30)), st.integers(0, 99),
       st.sampled_from([np.nan, np.inf, -0.5, 1.5]))
def test_fused_input_check(X, pos, bad):
    assert K.all_in_unit_interval(X) and K.all_in_unit_interval.py_func(X)
    Y = X.copy()
    Y.flat[pos % Y.size] = bad
    assert not K.all_in_unit_interval(Y) and not K.all_in_unit_interval.py_func(Y)
    row = (pos % Y.size) // Y.shape[1]
    for kern in (K.uniform_phantom_batch, K.uniform_phantom_batch.py_func):
        got = kern(Y)
        assert np.isnan(got[row]) and np.array_equal(np.delete(got, row), np.delete(_up_reference(X), row))
    with pytest.raises(InvalidInputError, match=r"X: (must be finite|entries must lie in)"):
        uniform_phantom.batch(Y)
