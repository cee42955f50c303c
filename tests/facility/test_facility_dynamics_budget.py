from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError, NotConvergedError
from mechkit.facility import (
    best_response_dynamics,
    beta_profiles,
    check_axioms,
    clustered_profiles,
    endpoint_profiles,
    grid_profiles,
    independent_markets,
    lrm,
    mean,
    moving_phantoms,
    uniform_phantom,
    uniform_profiles,
)
from mechkit.facility.strategies import exact_profiles, profiles
from solvers.facility_budget import moving_phantoms_batch
from tests.facility.oracles import median_of


# -- best-response dynamics -----------------------------------------------------------------
@settings(max_examples=40)
@given(exact_profiles(max_n=6))
def test_mean_equilibrium_outcome_is_uniform_phantom(x):
    res = best_response_dynamics(mean, x)
    assert res.status == "converged"
    assert res.outcome == uniform_phantom(x)
    # the end state is an equilibrium: nobody gains by a unilateral deviation
    for i in range(len(x)):
        rest = sum(res.reports) - res.reports[i]
        reach = min(max(x[i], rest / len(x)), (rest + 1) / len(x))
        assert abs(res.outcome - x[i]) == abs(reach - x[i])


@settings(max_examples=40)
@given(profiles(max_n=7))
def test_mean_equilibrium_float(x):
    res = best_response_dynamics(mean, x)
    assert res.outcome == pytest.approx(uniform_phantom(x), abs=1e-9)


def test_dynamics_generic_bisection_and_errors():
    res = best_response_dynamics(uniform_phantom, [0.1, 0.3, 0.9])
    assert res.outcome == pytest.approx(1 / 3)
    with pytest.raises(NotConvergedError, match="did not settle in 1 rounds"):
        best_response_dynamics(mean, [0.1, 0.3, 0.9], max_rounds=1)
    with pytest.raises(InvalidInputError, match="lrm is randomized"):
        best_response_dynamics(lrm, [0.1, 0.3])
    with pytest.raises(InvalidInputError, match=r"reports: must have one report per agent \(2\)"):
        best_response_dynamics(mean, [0.1, 0.3], reports=[0.5])
    with pytest.raises(InvalidInputError, match="tol: must be >= 0"):
        best_response_dynamics(mean, [0.1, 0.3], tol=-1)
    with pytest.raises(InvalidInputError, match="max_rounds: must be >= 1"):
        best_response_dynamics(mean, [0.1, 0.3], max_rounds=0)


# -- moving phantoms -----------------------------------------------------------------------
@given(exact_profiles(max_n=6))
def test_independent_markets_two_projects_is_uniform_phantom(x):
    n = len(x)
    res = independent_markets([[v, 1 - v] for v in x])
    assert res.allocation[0] == uniform_phantom(x)
    assert sum(res.allocation) == 1
    # t* = 1/n gives medians summing to one (the phantoms {k/n} are symmetric)
    assert res.t <= F(1, n)


def _im_oracle(X, t):
    n, m = len(X), len(X[0])
    ph = [min(t * (n - k), F(1)) for k in range(n + 1)]
    return [median_of([X[i][j] for i in range(n)] + ph) for j in range(m)]


@st.composite
def simplex_profiles(draw, max_n=4, max_m=4):
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_m))
    rows = []
    for _ in range(n):
        w = [draw(st.integers(0, 6)) for _ in range(m)]
        if sum(w) == 0:
            w[0] = 1
        rows.append([F(v, sum(w)) for v in w])
    return rows


@given(simplex_profiles())
def test_moving_phantoms_solve_the_normalisation(X):
    for fam in ("independent_markets", "welfare_maximizing"):
        res = moving_phantoms(X, family=fam)
        assert sum(res.allocation) == 1
        if fam == "independent_markets":
            assert list(res.allocation) == _im_oracle(X, res.t)
            # t* is the smallest time with sum 1: slightly earlier the medians sum to < 1
            if res.t > 0:
                assert sum(_im_oracle(X, res.t * (1 - F(1, 10**6)))) < 1
        fl = moving_phantoms([[float(v) for v in r] for r in X], family=fam)
        np.testing.assert_allclose(fl.allocation, [float(v) for v in res.allocation], atol=1e-9)
        arr = np.array([[[float(v) for v in r] for r in X]])
        a1, t1 = moving_phantoms_batch(arr, 0 if fam == "independent_markets" else 1)
        a2, t2 = moving_phantoms_batch.py_func(arr, 0 if fam == "independent_markets" else 1)
        np.testing.assert_allclose(a1, a2, atol=1e-15)
        np.testing.assert_allclose(t1, t2, atol=1e-15)
        assert t1[0] == pytest.approx(float(res.t), abs=1e-9)


def test_independent_markets_is_proportional_on_single_minded_agents():
    X = [[F(1), F(0), F(0)], [F(1), F(0), F(0)], [F(0), F(0), F(1)]]
    assert independent_markets(X).allocation == (F(2, 3), F(0), F(1, 3))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: independent_markets([[0.5, 0.6]]), r"X: every report must sum to 1 over the projects"),
        (lambda: independent_markets([[1.5, -0.5]]), "X: reports must be non-negative"),
        (lambda: independent_markets([0.5, 0.5]), r"X: must be 2-dimensional \(n agents x m projects\)"),
        (lambda: independent_markets.batch([[0.5, 0.5]]), "X: must be 3-dimensional"),
        (lambda: independent_markets([[F(1, 2), F(1, 3)]]), "report 0 sums to 5/6"),
        (lambda: independent_markets([[F(1, 2), F(1, 2)], [F(1)]]), "X: must be a rectangular"),
        (lambda: moving_phantoms([[0.5, 0.5]]), "family: moving_phantoms needs family="),
        (lambda: moving_phantoms([[0.5, 0.5]], family="x"), "family: must be one of"),
    ],
)
def test_budget_bad_input(call, message):
    with pytest.raises(InvalidInputError, match=message):
        call()


# -- generators ----------------------------------------------------------------------------
def test_generators_are_seeded_and_valid():
    for gen in (uniform_profiles, beta_profiles, clustered_profiles):
        a, b = gen(50, 7, seed=3), gen(50, 7, seed=3)
        assert a.shape == (50, 7) and np.array_equal(a, b)
        assert ((0 <= a) & (a <= 1)).all()
        assert not np.array_equal(a, gen(50, 7, seed=4))
    X = clustered_profiles(200, 6, clusters=1, spread=0.0, tie_probability=0.0, seed=1)
    assert (X == X[:, :1]).all()  # one cluster, no noise: unanimous profiles
    X = clustered_profiles(400, 8, seed=2)
    assert any(len(set(r)) < 8 for r in X)  # exact ties occur
    # uniform draws: mean ~ 1/2, variance ~ 1/12
    U = uniform_profiles(4000, 5, seed=0)
    assert abs(U.mean() - 0.5) < 0.01 and abs(U.var() - 1 / 12) < 0.005


def test_deterministic_generators():
    assert len(grid_profiles(4, 3)) == 35
    assert all(list(p) == sorted(p) for p in grid_profiles(3, 2))
    for prof in endpoint_profiles(5):
        assert check_axioms(prof, uniform_phantom(prof))["proportionality"].satisfied


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: uniform_profiles(0, 3), "B: must be >= 1"),
        (lambda: uniform_profiles(2, 3, seed=-1), "seed: must be a non-negative int"),
        (lambda: beta_profiles(2, 3, a=0), "a: must be > 0"),
        (lambda: clustered_profiles(2, 3, spread=-1), "spread: must be >= 0"),
        (lambda: clustered_profiles(2, 3, tie_probability=2), r"tie_probability: must lie in \[0, 1\]"),
        (lambda: grid_profiles(20, 50), "L: the grid has"),
        (lambda: endpoint_profiles(0), "n: must be >= 1"),
    ],
)
def test_generator_bad_input(call, message):
    with pytest.raises(InvalidInputError, match=message):
        call()
