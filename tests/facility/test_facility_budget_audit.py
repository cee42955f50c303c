"""SP audits of the moving-phantom (budget-aggregation) mechanisms, l1 costs."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.facility import (
    MovingPhantomMechanism,
    audit_strategyproofness,
    independent_markets,
    mean,
    uniform_phantom,
)
from mechkit.facility.budget_audit import audit_budget_strategyproofness

welfare_maximizing = MovingPhantomMechanism("welfare_maximizing_test", "welfare_maximizing")


@st.composite
def simplex_profiles(draw, max_n=4, max_m=4, L=6):
    """(n, m) profiles whose rows are compositions of L (points of the simplex grid 1/L)."""
    n, m = draw(st.integers(2, max_n)), draw(st.integers(2, max_m))
    rows = []
    for _ in range(n):
        cuts = sorted(draw(st.lists(st.integers(0, L), min_size=m - 1, max_size=m - 1)))
        parts = np.diff([0, *cuts, L])
        rows.append(parts / L)
    return np.array(rows, dtype=float)


def l1_gain(f, X, i, d):
    """Agent i's gain from reporting d, recomputed from scratch."""
    P = np.array(X, dtype=float)
    truth = np.abs(np.asarray(f(P)) - P[i]).sum()
    P2 = P.copy()
    P2[i] = d
    return truth - np.abs(np.asarray(f(P2)) - P[i]).sum()


@settings(max_examples=12, deadline=None)
@given(simplex_profiles(), st.sampled_from([independent_markets, welfare_maximizing]))
def test_search_finds_no_manipulation_of_moving_phantoms(X, mech):
    """Freeman et al.: every moving-phantom mechanism is SP for l1 costs, so the black-box search
    (which would report any gain it finds) must find none beyond float round-off."""
    res = audit_strategyproofness(mech, X, method="search", seed=0, resolution=1 / 8)
    assert res.method == "search" and res.certificate is None
    assert res.max_gain <= 1e-9
    assert res.verdict.startswith("no manipulation found at resolution")
    assert res.evaluations > X.shape[0] * 50


def test_search_finds_the_mean_manipulation_exactly():
    """The 1-D mean example of the design note, x = (1/10, 3/10, 9/10): agent 2 (peak 3/10) reports
    0 and gains 1/10 in distance; as budgets (x_i, 1 - x_i) the l1 gain doubles to 1/5.  Embedding
    in m = 3 projects cannot help: a positive third share only adds to the cost, and the first share
    (1 + d_1)/3 stays >= 1/3 > 3/10, so the supremum is exactly 1/5."""
    def avg(P):
        return P.mean(axis=0)

    for X in ([[0.1, 0.9], [0.3, 0.7], [0.9, 0.1]], [[0.1, 0.9, 0.0], [0.3, 0.7, 0.0], [0.9, 0.1, 0.0]]):
        res = audit_strategyproofness(avg, X, setting="budget", seed=1)
        assert res.verdict == "manipulable" and res.manipulable and res.method == "search"
        assert res.max_gain == pytest.approx(0.2, abs=1e-9)
        assert res.agent == 1 and res.deviation[0] == pytest.approx(0.0, abs=1e-9)
        assert l1_gain(avg, X, res.agent, res.deviation) == pytest.approx(res.max_gain, abs=1e-12)
        np.testing.assert_allclose(avg(np.array(res.witness_profile())), res.deviated_outcome)


def test_search_finds_a_manipulation_of_normalised_medians():
    """Per-project medians renormalised to sum to one are not SP (Freeman et al.): the audit finds
    a gain, and the witness re-evaluates to it."""
    def norm_median(P):
        med = np.median(P, axis=0)
        return med / med.sum()

    X = [[0.6, 0.4, 0.0], [0.2, 0.2, 0.6], [0.0, 0.5, 0.5]]
    res = audit_strategyproofness(norm_median, X, setting="budget", seed=0)
    assert res.verdict == "manipulable" and res.max_gain > 0.01
    assert l1_gain(norm_median, X, res.agent, res.deviation) == pytest.approx(res.max_gain, abs=1e-12)


def test_two_projects_reduce_to_the_uniform_phantom():
    x = [0.1, 0.3, 0.9]
    X = [[v, 1 - v] for v in x]
    res = audit_strategyproofness(independent_markets, X, method="search", seed=0)
    assert res.max_gain <= 1e-9
    assert res.outcome[0] == pytest.approx(uniform_phantom(x))
    # the 1-D mean's manipulation, seen through the budget lens, doubles
    one_d = audit_strategyproofness(mean, x).max_gain
    two_d = audit_strategyproofness(lambda P: P.mean(axis=0), X, setting="budget", seed=0).max_gain
    assert two_d == pytest.approx(2 * one_d, abs=1e-9)


def test_certificate_and_exact_recheck():
    X = [[F(3, 5), F(2, 5), F(0)], [F(0), F(1, 2), F(1, 2)], [F(1, 5), F(1, 5), F(3, 5)]]
    res = audit_strategyproofness(independent_markets, X, seed=0)
    assert res.verdict == "strategyproof (certificate)" and "Freeman" in res.certificate
    res = audit_strategyproofness("independent_markets", X, method="search", seed=0)
    assert isinstance(res.max_gain, F) and res.max_gain <= 0 and res.atol == 0
    assert sum(res.deviation) == 1 and all(isinstance(v, F) for v in res.deviation)
    assert res.outcome == independent_markets(X).allocation
    assert res.deviated_outcome == independent_markets(list(res.witness_profile())).allocation


def test_batches_and_determinism():
    rng = np.random.default_rng(3)
    X = rng.dirichlet(np.ones(3), size=(3, 3))
    a = audit_strategyproofness(independent_markets, X, method="search", seed=5)
    b = audit_strategyproofness(independent_markets, X, method="search", seed=5)
    assert a.gains.shape == (3,) and (a.gains <= 1e-9).all()
    assert a.to_dict() == b.to_dict()


@pytest.mark.parametrize("kwargs, message", [
    ({"x": [[0.5, 0.4], [1.0, 0.0]]}, "sum to 1"),
    ({"x": [[1.5, -0.5], [1.0, 0.0]]}, "non-negative"),
    ({"x": [0.5, 0.5]}, r"\(n, m\) profile"),
    ({"x": [[0.5, 0.5]], "resolution": 2.0}, "resolution: must be <= 1"),
    ({"x": [[0.5, 0.5]], "resolution": 0.0}, "resolution"),
    ({"x": [[0.5, 0.5]], "method": "proof"}, "method"),
    ({"x": [[0.5, 0.5]], "atol": -1.0}, "atol"),
])
def test_bad_inputs(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        audit_budget_strategyproofness(independent_markets, **kwargs)


def test_bad_combinations():
    X = [[0.5, 0.5], [1.0, 0.0]]
    with pytest.raises(InvalidInputError, match="no strategyproofness certificate"):
        audit_strategyproofness(lambda P: P.mean(axis=0), X, setting="budget", method="certificate")
    with pytest.raises(InvalidInputError, match="exact witness re-check"):
        audit_strategyproofness(lambda P: P.mean(axis=0), X, setting="budget", exact=True)
    with pytest.raises(InvalidInputError, match="simplex"):
        audit_strategyproofness(independent_markets, X, domain=(0, 2))
    with pytest.raises(InvalidInputError, match="seed: only the budget search"):
        audit_strategyproofness(mean, [0.2, 0.5], seed=1)
    with pytest.raises(InvalidInputError, match="finite shares"):
        audit_strategyproofness(lambda P: np.array([np.nan, 1.0]), X, setting="budget")
    with pytest.raises(InvalidInputError, match="needs a family"):
        audit_strategyproofness("moving_phantoms", X)
