"""Nash-welfare approximation ratios: a lower bound from search, exact and attained."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from mechkit.errors import InvalidInputError
from mechkit.facility import (
    Lottery,
    approximation_ratio,
    lrm,
    mean,
    median,
    random_rank,
    uniform_phantom,
)
from mechkit.facility.strategies import batches
from solvers.facility_ratio import nash_log_terms


def nw(x, y):
    return math.prod(1 - abs(y - v) for v in x)


def nw_opt_oracle(x):
    """max_y prod (1 - |y - x_i|) by bounded scalar minimisation on every segment between
    consecutive reports (scipy), plus the reports themselves."""
    pts = sorted(set(float(v) for v in x))
    best = max(nw(x, p) for p in pts)
    for a, b in itertools.pairwise(pts):
        r = minimize_scalar(lambda y: -nw(x, y), bounds=(a, b), method="bounded",
                            options={"xatol": 1e-13})
        best = max(best, -r.fun)
    return best


def mech_nw(out, x):
    if isinstance(out, Lottery):
        return sum(float(p) * nw(x, float(s)) for s, p in zip(out.support, out.probs, strict=True))
    return nw(x, float(out))


@settings(max_examples=20, deadline=None)
@given(batches(max_B=3, max_n=7))
def test_nash_kernel_matches_the_oracle(X):
    y = uniform_phantom.batch(X)
    for kern in (nash_log_terms, nash_log_terms.py_func):
        lopt, lmech, yopt = kern(X, y.reshape(-1, 1), np.ones(1))
        for r in range(X.shape[0]):
            x = list(X[r])
            opt = nw_opt_oracle(x)
            assert math.exp(lopt[r]) == pytest.approx(opt, rel=1e-9, abs=1e-300)
            assert math.exp(lopt[r]) == pytest.approx(nw(x, yopt[r]), rel=1e-12, abs=1e-300)
            assert X[r].min() <= yopt[r] <= X[r].max()
            m = nw(x, y[r])
            assert (lmech[r] == -np.inf) if m == 0 else math.exp(lmech[r]) == pytest.approx(m, rel=1e-12)


def test_two_agents_uniform_phantom_is_nine_eighths():
    """n = 2, reports a <= b, d = b - a: NW* = (1 - d/2)^2 (the midpoint, by AM-GM) and
    UP = med(a, b, 1/2).  If 1/2 is outside [a, b], UP is the report nearer 1/2, NW = 1 - d and
    d <= 1/2, so the ratio (1 - d/2)^2 / (1 - d) (increasing in d) is at most 9/8; if
    a <= 1/2 <= b, NW = (1/2 + a)(3/2 - b) is concave in a for fixed d, smallest at a feasible end,
    which is either the first case or (0, d) with ratio 2 (1 - d/2)^2 / (3/2 - d), decreasing on
    [1/2, 1].  So the supremum is 9/8, attained at (0, 1/2); the search must find it exactly."""
    r = approximation_ratio(uniform_phantom, 2, "nash_welfare", seed=0)
    assert r.ratio == F(9, 8) and r.witness == (F(0), F(1, 2)) and r.outcome == F(1, 2)
    assert r.verdict == "lower bound from search" and not r.is_supremum and r.method == "search"
    assert r.ratio <= r.upper < F(9, 8) + F(1, 10**6)
    assert r.to_dict()["verdict"] == "lower bound from search"


def test_two_agents_mean_is_nash_optimal_and_median_is_unbounded():
    """For two agents NW(y) = (1 - |y - a|)(1 - |y - b|) is maximised at the midpoint (AM-GM), which
    the mean outputs: ratio 1.  The left median outputs 0 on (0, 1), where the agent at 1 has
    utility 0: the ratio is infinite."""
    assert approximation_ratio(mean, 2, "nash_welfare", seed=0).ratio == 1
    r = approximation_ratio(median, 2, "nash_welfare", seed=0)
    assert r.ratio == math.inf and nw(r.witness, r.outcome) == 0 < nw(r.witness, F(1, 2))


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_uniform_phantom_lower_bounds(n):
    """On (0^(n-1), 1/n) UP outputs 1/n: NW = (1 - 1/n)^(n-1), while y = 0 gives 1 - 1/n (optimal:
    log NW is concave with right derivative 1/(1 - 1/n) - (n - 1) < 0 at 0).  So the supremum is at
    least (n / (n - 1))^(n - 2); the search must reach that, and its number must be attained by its
    witness (independent oracle) and bracketed by the witness's exact upper bound."""
    r = approximation_ratio(uniform_phantom, n, "nash_welfare", seed=0)
    assert r.ratio >= F(n, n - 1) ** (n - 2)
    assert r.ratio >= 1 and r.ratio <= r.upper
    wit = [float(v) for v in r.witness]
    assert r.outcome == uniform_phantom(list(r.witness))
    attained = nw_opt_oracle(wit) / nw(wit, float(r.outcome))
    assert float(r.ratio) <= attained * (1 + 1e-12)
    assert attained <= float(r.upper) * (1 + 1e-12)
    assert attained == pytest.approx(float(r.ratio), rel=1e-9)


@pytest.mark.parametrize("mech", [lrm, random_rank, mean])
def test_lotteries_and_non_sp_rules(mech):
    r = approximation_ratio(mech, 3, "nash_welfare", seed=1, samples=2_000)
    wit = [float(v) for v in r.witness]
    den = mech_nw(r.outcome, wit)
    assert 1 <= r.ratio <= r.upper
    if den > 0:
        assert float(r.ratio) <= nw_opt_oracle(wit) / den * (1 + 1e-12)
    else:
        assert r.ratio == math.inf


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**16))
def test_search_is_seeded_and_never_exceeds_a_known_supremum(seed):
    a = approximation_ratio(uniform_phantom, 2, "nash_welfare", seed=seed, samples=500)
    b = approximation_ratio(uniform_phantom, 2, "nash_welfare", seed=seed, samples=500)
    assert a.ratio == b.ratio and a.witness == b.witness
    assert a.ratio <= F(9, 8)


@pytest.mark.parametrize("kwargs, message", [
    ({"objective": "nash_welfare", "method": "vertices"}, "not linear-fractional"),
    ({"objective": "nash_welfare", "method": "grid"}, "not linear-fractional"),
    ({"objective": "welfare", "method": "search"}, "'search' is for objective='nash_welfare'"),
    ({"objective": "welfare", "seed": 1}, "Nash-welfare search only"),
    ({"objective": "nash_welfare", "samples": -1}, "samples"),
    ({"objective": "nash_welfare", "step": F(2, 7)}, "step"),
])
def test_bad_inputs(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        approximation_ratio(uniform_phantom, 3, **kwargs)


def test_black_box_needs_exact_evaluation():
    with pytest.raises(InvalidInputError, match="exact evaluation"):
        approximation_ratio(lambda x: float(np.mean(x)), 3, "nash_welfare")
