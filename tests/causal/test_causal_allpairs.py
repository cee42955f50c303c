"""pair="all": U-statistic pair design with a jackknife over environments."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from mechkit.causal import bivariate_direction, discover, make_tester, named_dag, simulate_gaussian
from mechkit.causal.citests import AllPairsFisherZ
from mechkit.errors import InvalidInputError


def _brute(values, cols):
    """Covariance of the stacked ordered-pair rows, and partial correlation of cols."""
    rows = [np.concatenate([env[s], env[t]]) for env in values
            for s, t in itertools.permutations(range(values.shape[1]), 2)]
    rows = np.array(rows)
    cov = rows.T @ rows / len(rows) - np.outer(rows.mean(0), rows.mean(0))
    sub = cov[np.ix_(cols, cols)]
    prec = np.linalg.inv(sub)
    return cov, -prec[0, 1] / math.sqrt(prec[0, 0] * prec[1, 1])


@settings(max_examples=15)
@given(st.integers(0, 1000), st.integers(10, 20), st.integers(2, 4))
def test_u_statistic_and_jackknife_match_brute_force(seed, n, m):
    rng = np.random.default_rng(seed)
    vals = rng.normal(size=(n, m, 2)) + rng.normal(size=(n, 1, 2))
    t = AllPairsFisherZ(vals)
    cols = [0, 3, 2]  # X1, Y2 | X2
    cov, r = _brute(vals, cols)
    np.testing.assert_allclose(t.cov, cov, atol=1e-10)
    res = t.test((0, 0), (1, 1), [(0, 1)])
    assert res.metadata["partial_correlation"] == pytest.approx(r, abs=1e-10)
    loo = np.array([math.atanh(_brute(np.delete(vals, e, axis=0), cols)[1]) for e in range(n)])
    se = math.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2))
    assert res.metadata["jackknife_se"] == pytest.approx(se, rel=1e-8)


def test_all_pairs_calibrated_and_more_powerful():
    p_null, p_alt, p_first = [], [], []
    for s in range(200):
        sim = simulate_gaussian([(0, 1)], 250, m=4, spread=[1.0, 0.5], seed=s)
        t = make_tester(sim.data, "fisher_z", pair="all")
        p_null.append(t.test((0, 0), (1, 1), [(0, 1)]).p_value)
        p_alt.append(t.test((1, 0), (0, 1), [(1, 1)]).p_value)
        p_first.append(make_tester(sim.data, "fisher_z").test((1, 0), (0, 1), [(1, 1)]).p_value)
    assert stats.kstest(p_null, "uniform").pvalue > 0.01
    assert np.mean(np.array(p_alt) < 0.05) > np.mean(np.array(p_first) < 0.05) + 0.1


def test_all_pairs_in_bivariate_and_discover():
    sim = simulate_gaussian([(0, 1)], 600, m=5, spread=[1.0, 0.5], seed=3)
    assert bivariate_direction(sim.data, pair="all").direction == "X->Y"
    g = named_dag("fork3")
    res = discover(simulate_gaussian(g, 1500, m=4, seed=1).data, pair="all")
    assert sorted(res.graph.edges) == sorted(g.edges) and res.trustworthy


def test_all_pairs_bad_inputs():
    sim = simulate_gaussian([(0, 1)], 50, m=3, seed=0)
    with pytest.raises(InvalidInputError, match=r"pair: 'all' .* implemented for test='fisher_z'"):
        bivariate_direction(sim.data, test="rcot", pair="all")
    with pytest.raises(InvalidInputError, match="pair='all' needs at least 10 environments"):
        AllPairsFisherZ(sim.data.values[:6])
