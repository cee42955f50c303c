"""Numba kernels of solvers/citests.py: compiled == .py_func == independent oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from solvers.citests import (
    _GL_NODES,
    _GL_WEIGHTS,
    chernoff_bound,
    contingency_counts,
    gram,
    imhof_gl,
    imhof_truncation,
    kci_gamma_moments,
    product_covariance,
    residualise,
    rff_features,
    weighted_chi2_sf,
    weighted_chi2_sf_qawf,
)
from tests.causal.oracles import counts_oracle, product_covariance_oracle, rff_oracle

finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


@st.composite
def rff_inputs(draw):
    n = draw(st.integers(1, 12))
    c = draw(st.integers(1, 3))
    nf = draw(st.integers(1, 6))
    x = draw(arrays(np.float64, (n, c), elements=finite))
    w = draw(arrays(np.float64, (nf, c), elements=finite))
    b = draw(arrays(np.float64, (nf,), elements=st.floats(0, 6.3)))
    return x, w, b


@given(rff_inputs())
def test_rff_features_matches_oracle(args):
    x, w, b = args
    out = rff_features(x, w, b)
    np.testing.assert_allclose(out, rff_features.py_func(x, w, b), atol=1e-12)
    np.testing.assert_allclose(out, rff_oracle(x, w, b), atol=1e-12)


@st.composite
def residual_pairs(draw):
    n = draw(st.integers(1, 15))
    px = draw(st.integers(1, 4))
    py = draw(st.integers(1, 4))
    rx = draw(arrays(np.float64, (n, px), elements=finite))
    ry = draw(arrays(np.float64, (n, py), elements=finite))
    return rx, ry


@given(residual_pairs())
def test_product_covariance_matches_oracle(args):
    rx, ry = args
    out = product_covariance(rx, ry)
    np.testing.assert_allclose(out, product_covariance.py_func(rx, ry), atol=1e-9)
    np.testing.assert_allclose(out, product_covariance_oracle(rx, ry), atol=1e-9)
    # A covariance of products is symmetric positive semi-definite.
    assert np.allclose(out, out.T)
    assert np.linalg.eigvalsh(out).min() > -1e-8 * max(1.0, np.abs(out).max())


@st.composite
def codes(draw):
    n = draw(st.integers(1, 40))
    kx, ky, kz = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    cx = np.array(draw(st.lists(st.integers(0, kx - 1), min_size=n, max_size=n)), dtype=np.int64)
    cy = np.array(draw(st.lists(st.integers(0, ky - 1), min_size=n, max_size=n)), dtype=np.int64)
    cz = np.array(draw(st.lists(st.integers(0, kz - 1), min_size=n, max_size=n)), dtype=np.int64)
    return cx, cy, cz, kx, ky, kz


@given(codes())
def test_contingency_counts_matches_oracle(args):
    out = contingency_counts(*args)
    np.testing.assert_array_equal(out, contingency_counts.py_func(*args))
    np.testing.assert_array_equal(out, counts_oracle(*args))
    assert out.sum() == args[0].shape[0]


@pytest.mark.parametrize("k", [1, 2, 3, 7, 25])
@pytest.mark.parametrize("x", [0.3, 2.0, 9.0, 30.0])
def test_imhof_equal_weights_is_chi2(k, x):
    # sum of k equal weights lam chi2_1 = lam chi2_k: an exact reference.
    lam = 1.7
    assert abs(weighted_chi2_sf(np.full(k, lam), x) - stats.chi2.sf(x / lam, k)) < 1e-8


@settings(max_examples=20)
@given(st.lists(st.floats(0.01, 10.0), min_size=1, max_size=6), st.floats(0.01, 60.0))
def test_imhof_is_a_survival_function(weights, x):
    lam = np.array(weights)
    p = weighted_chi2_sf(lam, x)
    assert 0.0 <= p <= 1.0
    # Monotone in x and bounded by Markov's inequality P(Q > x) <= E[Q] / x.
    assert weighted_chi2_sf(lam, x * 1.5) <= p + 1e-8
    assert p <= lam.sum() / x + 1e-8


def test_imhof_matches_monte_carlo():
    rng = np.random.default_rng(7)
    lam = rng.exponential(size=10)
    q = (rng.chisquare(1, size=(200_000, 10)) * lam).sum(axis=1)
    for level in (0.5, 0.9, 0.99):
        x = float(np.quantile(q, level))
        assert abs(weighted_chi2_sf(lam, x) - (1 - level)) < 0.004


def test_imhof_edge_cases():
    assert weighted_chi2_sf(np.array([1.0, 2.0]), 0.0) == 1.0
    assert weighted_chi2_sf(np.array([-1.0, 0.0]), 1.0) == 0.0


@st.composite
def psd_pair(draw):
    n = draw(st.integers(2, 8))
    a = draw(arrays(np.float64, (n, 3), elements=st.floats(-2, 2)))
    b = draw(arrays(np.float64, (n, 2), elements=st.floats(-2, 2)))
    return a @ a.T + np.eye(n), b @ b.T + np.eye(n)


@given(psd_pair())
def test_kci_gamma_moments_equal_eigenproduct_traces(mats):
    kx, ky = mats
    mean, var = kci_gamma_moments(kx, ky)
    # Explicit eigenproduct matrix, as causal-learn builds it.
    wx, vx = np.linalg.eigh(kx)
    wy, vy = np.linalg.eigh(ky)
    keepx, keepy = wx > wx.max() * 1e-5, wy > wy.max() * 1e-5
    ux = vx[:, keepx] * np.sqrt(wx[keepx])
    uy = vy[:, keepy] * np.sqrt(wy[keepy])
    uu = np.einsum("ti,tj->tij", ux, uy).reshape(kx.shape[0], -1)
    prod = uu.T @ uu
    assert mean == pytest.approx(np.trace(prod), rel=1e-9)
    assert var == pytest.approx(2 * np.trace(prod @ prod), rel=1e-9)


@given(residual_pairs())
def test_gram_and_residualise_match_numpy(args):
    a, _ = args
    np.testing.assert_allclose(gram(a), a.T @ a, atol=1e-9)
    np.testing.assert_allclose(gram(a), gram.py_func(a), atol=1e-12)
    f = np.ascontiguousarray(a[:, : min(a.shape[1], 2)])
    coef = np.ascontiguousarray(np.ones((a.shape[1], f.shape[1])) * 0.5)
    np.testing.assert_allclose(residualise(f, a, coef), f - a @ coef, atol=1e-9)
    np.testing.assert_allclose(residualise(f, a, coef), residualise.py_func(f, a, coef), atol=1e-12)


@settings(max_examples=25)
@given(st.lists(st.floats(0.001, 1.0), min_size=3, max_size=25), st.floats(0.05, 4.0))
def test_imhof_gauss_legendre_matches_quadpack(weights, rel_x):
    lam = np.sort(np.array(weights))[::-1] / max(weights)
    x = rel_x * lam.sum()
    fast = weighted_chi2_sf(lam, x)
    assert abs(fast - weighted_chi2_sf_qawf(lam, x)) < 1e-8
    upper = imhof_truncation(lam)
    if upper < 1e4 and x * upper < 4e4:
        lam_c = np.ascontiguousarray(lam)
        a = imhof_gl(lam_c, x, upper, _GL_NODES, _GL_WEIGHTS)
        b = imhof_gl.py_func(lam_c, x, upper, _GL_NODES, _GL_WEIGHTS)
        assert abs(a - b) < 1e-12


@given(st.lists(st.floats(0.05, 3.0), min_size=1, max_size=8), st.floats(1.0, 200.0))
def test_chernoff_bound_dominates_the_tail(weights, x):
    lam = np.array(weights)
    assert chernoff_bound(lam, x) >= weighted_chi2_sf_qawf(lam, x) - 1e-9


@given(residual_pairs())
def test_covariance_matches_numpy(args):
    a, _ = args
    if a.shape[0] < 2:
        return
    from solvers.citests import covariance

    ref = np.atleast_2d(np.cov(a, rowvar=False))
    np.testing.assert_allclose(covariance(a), ref, atol=1e-9)
    np.testing.assert_allclose(covariance.py_func(a), ref, atol=1e-9)


@given(st.integers(2, 30).flatmap(lambda n: arrays(np.float64, (n, 4), elements=finite)))
def test_cov4_matches_numpy(a):
    from solvers.citests import _cov4

    ref = np.cov(a, rowvar=False)
    np.testing.assert_allclose(_cov4(a), ref, atol=1e-9)
    np.testing.assert_allclose(_cov4.py_func(a), ref, atol=1e-9)
