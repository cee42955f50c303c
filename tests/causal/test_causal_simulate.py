"""Simulators: exact laws (moments, probabilities) checked on large seeded samples."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mechkit.causal import (
    GaussianOracle,
    fig4_dag,
    simulate_binary_xor,
    simulate_gaussian,
    simulate_paper_bivariate,
)
from mechkit.errors import InvalidInputError


def test_gaussian_covariance_matches_population_formula():
    spread = [1.0, 0.5, 1.5]
    edges = [(0, 1), (1, 2), (0, 2)]
    w = np.zeros((3, 3))
    w[0, 1], w[1, 2], w[0, 2] = 0.8, -1.2, 0.5
    sim = simulate_gaussian(edges, 40_000, spread=spread, weights=w, noise=0.7, seed=0)
    design = sim.data.values.reshape(40_000, 6)
    emp = np.cov(design, rowvar=False)
    pop = GaussianOracle(edges, spread, w, noise=0.7).covariance
    # Standard error of a covariance entry is about sqrt((s_ii s_jj + s_ij^2) / n).
    se = np.sqrt((np.outer(np.diag(pop), np.diag(pop)) + pop**2) / 40_000)
    assert np.all(np.abs(emp - pop) < 5 * se)


def test_gaussian_iid_and_varying():
    sim = simulate_gaussian([(0, 1)], 20_000, iid=True, seed=1)
    x = sim.data.values
    r = np.corrcoef(x[:, 0, 0], x[:, 1, 0])[0, 1]
    assert abs(r) < 4 / np.sqrt(20_000)
    assert sim.params["spread"] == [0.0, 0.0]
    only0 = simulate_gaussian([(0, 1)], 10, varying=[0], seed=1)
    assert only0.params["spread"] == [1.0, 0.0]
    with pytest.raises(InvalidInputError, match="varying: must be None when iid=True"):
        simulate_gaussian([(0, 1)], 10, iid=True, varying=[0])


def test_gaussian_reproducible():
    a = simulate_gaussian([(0, 1)], 50, seed=3).data.values
    b = simulate_gaussian([(0, 1)], 50, seed=3).data.values
    np.testing.assert_array_equal(a, b)


def test_binary_xor_probabilities():
    # X0 = Bern(t0), X1 = Bern(t1) XOR X0, t ~ Beta(1, 3): E[t] = 1/4, E[t^2] = 1/10.
    sim = simulate_binary_xor([(0, 1)], 60_000, seed=2)
    x = sim.data.values
    n = 60_000
    p0 = x[:, 0, 0].mean()
    assert abs(p0 - 0.25) < 5 * np.sqrt(0.25 * 0.75 / n)
    # P(X1 = 1) = P(X0 != B1) = 2 E[t] - 2 E[t]^2 = 3/8 (independent mechanisms).
    assert abs(x[:, 0, 1].mean() - 0.375) < 5 * np.sqrt(0.375 * 0.625 / n)
    # Two samples share theta: P(X0_1 = X0_2 = 1) = E[t^2] = 1/10.
    both = (x[:, 0, 0] * x[:, 1, 0]).mean()
    assert abs(both - 0.1) < 5 * np.sqrt(0.1 * 0.9 / n)


def test_binary_xor_iid_has_no_within_env_dependence():
    sim = simulate_binary_xor([(0, 1)], 20_000, iid=True, seed=4)
    x = sim.data.values
    table = np.zeros((2, 2))
    np.add.at(table, (x[:, 0, 0].astype(int), x[:, 1, 0].astype(int)), 1)
    assert stats.chi2_contingency(table)[1] > 1e-3


def test_paper_dgp_structure_and_law():
    counts = {"X->Y": 0, "Y->X": 0, "none": 0}
    for s in range(60):
        counts[simulate_paper_bivariate(10, seed=s).structure] += 1
    assert all(c > 8 for c in counts.values())
    sim = simulate_paper_bivariate(20_000, "none", seed=5)
    x = sim.data.values[:, :, 0]
    # N' ~ Laplace(theta, 1), theta ~ U(-1, 1): mean 0, var 2 + 1/3, cov(x1, x2) = 1/3.
    assert abs(x.mean()) < 0.05
    assert abs(np.var(x[:, 0]) - 7 / 3) < 0.12
    assert abs(np.cov(x[:, 0], x[:, 1])[0, 1] - 1 / 3) < 0.06
    xy = simulate_paper_bivariate(20_000, "X->Y", seed=6)
    p = xy.params
    vals = xy.data.values
    assert sorted(xy.dag.edges) == [(0, 1)] and 1 <= p["a"] <= 9 and 1 <= p["k"] <= 9
    assert abs(p["nonlinear_envs"] - 10_000) < 5 * 71  # Binomial(20000, 1/2)
    # The cause is N'_X; the effect's mean is E[a N'_X + c N'_Y] + E[k (a N'^2 + (c-1) N'^2)] / 2.
    assert abs(np.var(vals[:, 0, 0]) - 7 / 3) < 0.12
    ex2 = 7 / 3  # E[N'^2]
    mean_y = 0.5 * p["k"] * (p["a"] + p["c"] - 1) * ex2
    sd_y = np.std(vals[:, 0, 1])
    assert abs(vals[:, 0, 1].mean() - mean_y) < 5 * sd_y / np.sqrt(20_000)
    yx = simulate_paper_bivariate(100, "Y->X", seed=6)
    np.testing.assert_array_equal(yx.data.values[:, :, ::-1], simulate_paper_bivariate(
        100, "X->Y", seed=6).data.values)


def test_fig4_dag_distribution():
    seen = {tuple(sorted(fig4_dag(s).edges)) for s in range(80)}
    assert seen == {((0, 1), (0, 2)), ((0, 1), (1, 2)), ((0, 2), (1, 2)), ((0, 1), (0, 2), (1, 2))}


def test_simulator_bad_inputs():
    with pytest.raises(InvalidInputError, match="dag: must be acyclic; found the cycle 0 -> 1 -> 2 -> 0"):
        simulate_binary_xor([(0, 1), (1, 2), (2, 0)], 10)
    with pytest.raises(InvalidInputError, match="n_env: must be >= 4"):
        simulate_gaussian([(0, 1)], 2)
    with pytest.raises(InvalidInputError, match="m: must be >= 2"):
        simulate_paper_bivariate(10, m=1)
    with pytest.raises(InvalidInputError, match="structure: must be one of"):
        simulate_paper_bivariate(10, "X<-Y")
    with pytest.raises(InvalidInputError, match=r"spread: must have shape \(2\)"):
        simulate_gaussian([(0, 1)], 10, spread=[1.0])
    with pytest.raises(InvalidInputError, match="spread: must be >= 0"):
        simulate_gaussian([(0, 1)], 10, spread=[1.0, -1.0])
    w = np.ones((2, 2))
    with pytest.raises(InvalidInputError, match=r"weights: entry \(0, 0\) is non-zero but 0 -> 0"):
        simulate_gaussian([(0, 1)], 10, weights=w)
    with pytest.raises(InvalidInputError, match="self-loop"):
        simulate_gaussian([(0, 0)], 10)
    with pytest.raises(InvalidInputError, match="beta: must be a pair"):
        simulate_binary_xor([(0, 1)], 10, beta=(1.0,))
    with pytest.raises(InvalidInputError, match="seed: must be a non-negative int"):
        simulate_gaussian([(0, 1)], 10, seed=-3)
