from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError, SolverError
from mechkit.facility import (
    approximation_ratio,
    endpoint_welfare_bound,
    generalized_median,
    ifs_clipped_median,
    leftmost,
    lrm,
    mean,
    median,
    midpoint,
    moulin_minmax,
    phantom_median,
    ufs_clipped_median,
    uniform_phantom,
)
from mechkit.facility.ratios import _unrank
from solvers.facility_ratio import fill_profiles, objective_terms
from tests.facility.oracles import ratio_brute

# design note §3.3: n -> (welfare ratio, welfare witness as (#0, #1), cost ratio)
UP_TABLE = {
    3: (F(6, 5), (2, 1)),
    4: (F(6, 5), (3, 1)),
    5: (F(20, 17), (4, 1)),
    6: (F(6, 5), (4, 2)),
    7: (F(35, 29), (5, 2)),
    8: (F(6, 5), (6, 2)),
}


@pytest.mark.parametrize("n", range(2, 9))
def test_uniform_phantom_ratio_table(n):
    w = approximation_ratio(uniform_phantom, n, "welfare")
    c = approximation_ratio(uniform_phantom, n, "cost")
    assert c.ratio == n - 1
    if n == 2:
        assert w.ratio == 1
    else:
        ratio, (zeros, ones) = UP_TABLE[n]
        assert w.ratio == ratio
        assert w.witness == (F(0),) * zeros + (F(1),) * ones
        assert c.witness == (F(0),) * (n - 1) + (F(1, n),)
    # the welfare ratio equals the endpoint lower bound for every UFS mechanism
    assert w.ratio == endpoint_welfare_bound(n)[0]
    assert w.is_supremum and w.method == "vertex enumeration"


def test_endpoint_bound_limit():
    assert endpoint_welfare_bound(1000)[0] == F(353500, 292849)
    assert abs(float(endpoint_welfare_bound(1000)[0]) - (1 + math.sqrt(2)) / 2) < 1e-5


def test_other_mechanisms_reference_ratios():
    want = [F(1), F(6, 5), F(6, 5), F(20, 17), F(15, 13), F(42, 37), F(28, 25)]
    got = [approximation_ratio(ifs_clipped_median, n, "welfare").ratio for n in range(2, 9)]
    assert got == want
    for n in (2, 3, 5, 6):
        assert approximation_ratio(median, n, "cost").ratio == 1
    r = approximation_ratio(leftmost, 2, "max_cost")
    assert r.ratio == 2 and r.witness == (F(0), F(1))
    for n in (2, 3, 4):
        assert approximation_ratio(lrm, n, "max_cost").ratio == F(3, 2)
    assert approximation_ratio(midpoint, 4, "max_cost").ratio == 1
    grid = [approximation_ratio(ufs_clipped_median, n, "cost", method="grid").ratio for n in (3, 4, 5)]
    assert grid == [F(4, 3), F(3, 2), F(8, 5)]


@pytest.mark.parametrize(("mech", "n", "objective"), [
    (uniform_phantom, 2, "welfare"), (uniform_phantom, 3, "cost"), (uniform_phantom, 3, "max_cost"),
    (mean, 3, "cost"), (mean, 2, "welfare"), (midpoint, 3, "cost"), (median, 3, "max_cost"),
    (ifs_clipped_median, 3, "welfare"),
])
def test_vertex_enumeration_matches_finer_brute_force_grid(mech, n, objective):
    """The vertex maximum is never beaten on a finer grid of all tuples (supremum check)."""
    r = approximation_ratio(mech, n, objective)
    L = 2 * n * 3  # contains every vertex of these mechanisms
    brute = ratio_brute(lambda p: mech(p), n, L, objective)
    assert r.ratio == brute


def test_infinite_ratio_is_reported_as_inf():
    # phantoms all above 0: the all-zeros profile has TC* = 0 < TC
    m = generalized_median.bind(beta=[1, F(1, 2), F(1, 2)])
    r = approximation_ratio(m, 2, "cost")
    assert r.ratio == math.inf and r.witness == (F(0), F(0))
    assert r.to_dict()["ratio"] == "inf"


def test_non_anonymous_moulin_enumerates_tuples():
    alpha = {(): 1, (0,): F(1, 2), (1,): 1, (0, 1): 0}  # agent 0 pulls the facility down
    m = moulin_minmax.bind(alpha=alpha)
    r = approximation_ratio(m, 2, "cost")
    brute = ratio_brute(lambda p: m(p), 2, 4, "cost")
    assert r.ratio == brute and r.profiles == 3**2


def test_lottery_ratio_matches_exact_expectation():
    r = approximation_ratio(lrm, 3, "max_cost")
    assert r.ratio == F(3, 2) and r.outcome.probs == (F(1, 4), F(1, 2), F(1, 4))


def test_enumeration_kernel_and_unrank():
    C = np.array([0.0, 0.5, 1.0])
    for anonymous in (True, False):
        idx = np.zeros(3, dtype=np.int64)
        out = np.empty((100, 3))
        r, done = fill_profiles(idx, C, out, anonymous)
        idx2 = np.zeros(3, dtype=np.int64)
        out2 = np.empty((100, 3))
        r2, done2 = fill_profiles.py_func(idx2, C, out2, anonymous)
        assert done and done2 and r == r2 == (10 if anonymous else 27)
        assert np.array_equal(out[:r], out2[:r])
        Cf = [F(0), F(1, 2), F(1)]
        for k in range(r):
            assert [float(v) for v in _unrank(k, 3, 3, anonymous, Cf, None)] == out[k].tolist()
    # chunked enumeration resumes where it stopped
    idx = np.zeros(2, dtype=np.int64)
    out = np.empty((4, 2))
    r1, d1 = fill_profiles(idx, C, out, True)
    first = out[:r1].copy()
    r2, d2 = fill_profiles(idx, C, out, True)
    assert (r1, d1, r2, d2) == (4, False, 2, True)
    assert first.tolist() + out[:r2].tolist() == [[0, 0], [0, .5], [0, 1], [.5, .5], [.5, 1], [1, 1]]


def test_objective_kernel_against_python():
    X = np.array([[0.0, 0.0, 1.0], [0.2, 0.4, 0.9]])
    S = np.array([[1 / 3], [0.4]])
    p = np.ones(1)
    for obj in range(3):
        a = objective_terms(X, S, p, obj)
        b = objective_terms.py_func(X, S, p, obj)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    num, den = objective_terms(X, S, p, 1)
    assert num[1] == pytest.approx(0.2 + 0.0 + 0.5) and den[1] == pytest.approx(0.2 + 0.5)


@pytest.mark.parametrize(
    ("call", "exc", "message"),
    [
        (lambda: approximation_ratio(uniform_phantom, 0), InvalidInputError, "n: must be >= 1"),
        (lambda: approximation_ratio(uniform_phantom, 3, "nash"), InvalidInputError,
         "objective: must be one of 'welfare', 'cost', 'max_cost'"),
        (lambda: approximation_ratio(ufs_clipped_median, 3), InvalidInputError,
         "ufs_clipped_median declares no breakpoints"),
        (lambda: approximation_ratio(uniform_phantom, 30), InvalidInputError,
         "n: enumeration needs .* profiles"),
        (lambda: approximation_ratio(phantom_median, 3), InvalidInputError,
         "phantom_median needs parameter"),
        (lambda: approximation_ratio(lambda x: 0.5, 3), InvalidInputError,
         "exact ratios need a registered mechanism"),
        (lambda: approximation_ratio(uniform_phantom, 3, method="grid", step=F(2, 3)),
         InvalidInputError, "step: must be 1/L"),
        (lambda: approximation_ratio(median, 6, "cost", recheck_limit=3), SolverError,
         "near-maximising profiles need an exact re-check"),
    ],
)
def test_bad_input(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


@given(st.lists(st.fractions(0, 1, max_denominator=50), min_size=4, max_size=4))
def test_random_profiles_never_beat_the_vertex_maximum(x):
    """Quasi-convexity on cells: no profile exceeds the enumerated supremum."""
    n = len(x)
    y = uniform_phantom(x)
    med = sorted(x)[(n - 1) // 2]
    tc = sum(abs(v - y) for v in x)
    opt = sum(abs(v - med) for v in x)
    assert (n - opt) / (n - tc) <= WELFARE_4
    if opt > 0:
        assert tc / opt <= 3


WELFARE_4 = approximation_ratio(uniform_phantom, 4, "welfare").ratio
