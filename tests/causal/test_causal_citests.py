"""CI tests: agreement with independent references, calibration under H0, power under H1."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from mechkit.causal import CI_TESTS, CITestResult, fisher_z, g_test, kci, make_tester, rcit, rcot
from mechkit.causal.data import CausalWarning
from mechkit.errors import InvalidInputError, UnknownNameError
from tests.causal.oracles import fisher_z_oracle, g_test_oracle


def causallearn_fisherz(data, x, y, cond):
    """causal-learn's own Fisher-z p-value (one CIT object per dataset, as its searches use it)."""
    from causallearn.utils.cit import CIT

    return CIT(data, "fisherz")(x, y, cond)


def causallearn_kci(x, y, z):
    """causal-learn's own KCI (``KCI_UInd`` / ``KCI_CInd``, defaults: approx=True, empirical widths)."""
    from causallearn.utils.KCI.KCI import KCI_CInd, KCI_UInd

    if z is None or z.size == 0:
        p, stat = KCI_UInd().compute_pvalue(x.reshape(-1, 1), y.reshape(-1, 1))
    else:
        p, stat = KCI_CInd().compute_pvalue(x.reshape(-1, 1), y.reshape(-1, 1), z)
    return float(stat), float(p)


def _gauss(seed, n=200, k=2):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k))
    x = z @ rng.normal(size=k) + rng.normal(size=n)
    y = 0.3 * x + z @ rng.normal(size=k) + rng.normal(size=n)
    return x, y, z


@settings(max_examples=30)
@given(st.integers(0, 10_000), st.integers(0, 3), st.integers(8, 300))
def test_fisher_z_matches_regression_and_causallearn(seed, k, n):
    x, y, z = _gauss(seed, n, 3)
    z = z[:, :k]
    res = fisher_z(x, y, z)
    stat, p = fisher_z_oracle(x, y, z)
    assert res.statistic == pytest.approx(stat, abs=1e-9, rel=1e-9)
    assert abs(res.p_value - p) < 1e-10
    data = np.column_stack([x, y, z])
    assert abs(res.p_value - causallearn_fisherz(data, 0, 1, list(range(2, 2 + k)))) < 1e-10


def test_fisher_z_unconditional_matches_scipy_pearson():
    x, y, _ = _gauss(3, 150)
    r = stats.pearsonr(x, y).statistic
    res = fisher_z(x, y)
    assert res.metadata["partial_correlation"] == pytest.approx(r, abs=1e-12)
    assert res.p_value == pytest.approx(2 * stats.norm.sf(np.sqrt(147) * abs(np.arctanh(r))), abs=1e-12)


def test_tester_fast_path_equals_column_test():
    rng = np.random.default_rng(0)
    vals = rng.normal(size=(120, 2, 3)) + rng.normal(size=(120, 1, 3))
    t = make_tester(vals, "fisher_z")
    res = t.test((0, 0), (2, 1), [(1, 0), (0, 1)])
    ref = fisher_z(vals[:, 0, 0], vals[:, 1, 2], np.column_stack([vals[:, 0, 1], vals[:, 1, 0]]))
    assert res.p_value == pytest.approx(ref.p_value, abs=1e-12)
    assert t.test((2, 1), (0, 0), [(0, 1), (1, 0)]) is res  # cached and symmetric
    assert t.calls == 1


@st.composite
def discrete_data(draw):
    seed = draw(st.integers(0, 10_000))
    n = draw(st.integers(20, 200))
    kz = draw(st.integers(0, 2))
    levels = draw(st.integers(2, 3))
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 2, size=(n, kz))
    x = (rng.integers(0, levels, n) + (z.sum(1) if kz else 0)) % levels
    y = (rng.integers(0, 2, n) ^ (x > 0)).astype(int)
    return x, y, z


@settings(max_examples=40)
@given(discrete_data(), st.sampled_from(["levels", "observed"]))
def test_g_test_matches_loop_oracle(data, df):
    x, y, z = data
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CausalWarning)
        res = g_test(x, y, z if z.size else None, df=df)
    g, dof, p = g_test_oracle(x, y, z, df)
    assert res.statistic == pytest.approx(g, abs=1e-9)
    assert res.df == dof
    assert abs(res.p_value - p) < 1e-10


def test_g_test_unconditional_matches_scipy_contingency():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, 400)
    y = (x + rng.integers(0, 2, 400)) % 3
    table = np.zeros((3, 3))
    np.add.at(table, (x, y), 1)
    g, p, dof, _ = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    res = g_test(x, y)
    assert res.statistic == pytest.approx(g, rel=1e-12)
    assert abs(res.p_value - p) < 1e-10 and res.df == dof


def test_g_test_df_zero_gives_p_one():
    # Within every stratum x is constant: no degrees of freedom under "observed".
    x = np.array([0, 0, 1, 1] * 5)
    y = np.array([0, 1, 0, 1] * 5)
    z = x.copy()
    with pytest.warns(CausalWarning):
        res = g_test(x, y, z, df="observed")
    assert res.df == 0 and res.p_value == 1.0


def test_g_test_warns_on_sparse_cells():
    rng = np.random.default_rng(0)
    with pytest.warns(CausalWarning, match="mean count per cell"):
        g_test(rng.integers(0, 2, 30), rng.integers(0, 2, 30), rng.integers(0, 2, (30, 3)))


@pytest.mark.parametrize("k", [0, 1, 2])
def test_kci_matches_causallearn(k):
    rng = np.random.default_rng(11 + k)
    n = 120
    z = rng.normal(size=(n, k))
    x = np.sin(z.sum(1)) + 0.5 * rng.normal(size=n)
    y = np.cos(z.sum(1)) + 0.2 * x + 0.5 * rng.normal(size=n)
    res = kci(x, y, z if k else None)
    stat, p = causallearn_kci(x, y, z if k else None)
    assert res.statistic == pytest.approx(stat, rel=1e-8)
    assert abs(res.p_value - p) < 1e-8


def test_kci_width_regimes_match_causallearn():
    rng = np.random.default_rng(2)
    for n in (250,):
        z = rng.normal(size=(n, 1))
        x = z[:, 0] + rng.normal(size=n)
        y = z[:, 0] ** 2 + rng.normal(size=n)
        res = kci(x, y, z)
        stat, p = causallearn_kci(x, y, z)
        assert res.statistic == pytest.approx(stat, rel=1e-8)
        assert abs(res.p_value - p) < 1e-8


def _h0_nonlinear(seed, n):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    return np.tanh(z) + 0.5 * rng.normal(size=n), z**2 + 0.5 * rng.normal(size=n), z


def test_rcot_calibrated_under_h0():
    ps = np.array([rcot(*_h0_nonlinear(s, 300), seed=s).p_value for s in range(300)])
    assert stats.kstest(ps, "uniform").pvalue > 0.01
    assert 0.02 <= (ps < 0.05).mean() <= 0.09


def test_rcot_unconditional_calibrated_under_h0():
    rng = np.random.default_rng(1)
    ps = np.array([rcot(rng.normal(size=200), rng.exponential(size=200), seed=s).p_value
                   for s in range(200)])
    assert stats.kstest(ps, "uniform").pvalue > 0.01


def test_rcot_and_rcit_have_power_under_h1():
    rej_rcot = rej_rcit = 0
    for s in range(30):
        rng = np.random.default_rng(100 + s)
        z = rng.normal(size=400)
        e = rng.normal(size=400)
        x = np.tanh(z) + e
        y = z**2 + np.sin(2 * e) + 0.3 * rng.normal(size=400)
        rej_rcot += rcot(x, y, z, seed=s).p_value < 0.05
        rej_rcit += rcit(x, y, z, seed=s).p_value < 0.05
    assert rej_rcot >= 25 and rej_rcit >= 25


def test_rcot_reproducible_and_gamma_close_to_imhof():
    x, y, z = _h0_nonlinear(4, 300)
    a, b = rcot(x, y, z, seed=9), rcot(x, y, z, seed=9)
    assert a.p_value == b.p_value and a.statistic == b.statistic
    g = rcot(x, y, z, seed=9, approx="gamma")
    assert g.statistic == a.statistic
    assert abs(g.p_value - a.p_value) < 0.05


def test_kci_size_under_h0():
    # The gamma approximation (causal-learn's default) is not uniform in the bulk (a KS
    # test rejects at 150 seeds), but its size at alpha = 0.05 is right.
    ps = np.array([kci(*_h0_nonlinear(s, 80)).p_value for s in range(120)])
    assert 0.01 <= (ps < 0.05).mean() <= 0.09
    assert np.mean(ps < 0.5) == pytest.approx(0.5, abs=0.12)


def test_fisher_z_calibrated_under_h0_and_powerful_under_h1():
    ps = []
    for s in range(400):
        rng = np.random.default_rng(s)
        z = rng.normal(size=(80, 2))
        ps.append(fisher_z(z[:, 0] + rng.normal(size=80), z.sum(1) + rng.normal(size=80), z).p_value)
    assert stats.kstest(ps, "uniform").pvalue > 0.01
    power = np.mean([fisher_z(*_gauss(s, 300)).p_value < 0.05 for s in range(50)])
    assert power > 0.9


def test_registry_contract():
    assert set(CI_TESTS.names()) == {"fisher_z", "g_test", "kci", "rcot", "rcit", "d_separation"}
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, 60).astype(float)
    y = (x + rng.integers(0, 2, 60)) % 2
    z = rng.integers(0, 2, (60, 1)).astype(float)
    for name in CI_TESTS.names():
        if CI_TESTS.metadata(name).get("oracle"):
            continue
        fn = CI_TESTS.get(name)
        opts = {"seed": 0} if CI_TESTS.metadata(name)["randomised"] else {}
        res = fn(x, y, z, **opts)
        assert isinstance(res, CITestResult) and res.test == name
        assert 0.0 <= res.p_value <= 1.0 and res.n == 60
        assert res.to_dict()["p_value"] == res.p_value
    with pytest.raises(UnknownNameError, match="unknown CI test 'pc'; known: d_separation"):
        CI_TESTS.get("pc")


# ----------------------------------------------------------------------------- bad inputs


def test_fisher_z_bad_inputs():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=50), rng.normal(size=50)
    with pytest.raises(InvalidInputError, match="x: must be finite; entry"):
        fisher_z(np.r_[x[:-1], np.nan], y)
    with pytest.raises(InvalidInputError, match="y: column 0 is constant"):
        fisher_z(x, np.ones(50))
    with pytest.raises(InvalidInputError, match=r"correlation matrix of .* is singular"):
        fisher_z(x, y, np.column_stack([x + y, rng.normal(size=50)]))
    with pytest.raises(InvalidInputError, match=r"n - \|z\| - 3 > 0; got n = 5, \|z\| = 2"):
        fisher_z(x[:5], y[:5], rng.normal(size=(5, 2)))
    with pytest.raises(InvalidInputError, match="y: must have the same length as x"):
        fisher_z(x, y[:10])
    with pytest.raises(InvalidInputError, match=r"z: must have shape \(50, k\)"):
        fisher_z(x, y, rng.normal(size=(10, 2)))


def test_g_test_refuses_continuous_data():
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidInputError, match=r"y: g_test needs integer codes .* continuous data"):
        g_test(rng.integers(0, 2, 20), rng.normal(size=20))
    with pytest.raises(InvalidInputError, match="df: must be one of"):
        g_test([0, 1, 0, 1], [0, 1, 1, 0], df="auto")


def test_kci_and_rcot_bad_inputs():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=40), rng.normal(size=40)
    with pytest.raises(InvalidInputError, match="kci is O\\(n\\^3\\) and n = 40 > max_n = 20"):
        kci(x, y, max_n=20)
    with pytest.raises(InvalidInputError, match="approx: must be one of"):
        rcot(x, y, approx="lpb4")
    with pytest.raises(InvalidInputError, match="kci needs at least 10 rows"):
        kci(x[:6], y[:6])
    with pytest.raises(InvalidInputError, match="num_f: must be >= 1"):
        rcot(x, y, rng.normal(size=40), num_f=0)


@settings(max_examples=30)
@given(st.integers(0, 10_000), st.integers(8, 400), st.integers(2, 4))
def test_bivariate_fisher_z_kernel_matches_general_path(seed, n_env, m):
    from mechkit.causal import bivariate_direction, simulate_gaussian
    from solvers.citests import _TRIPLES, bivariate_fisher_z

    sim = simulate_gaussian([(0, 1)], n_env, m=m, spread=[1.0, 0.5], seed=seed)
    fast = bivariate_direction(sim.data)
    tester = make_tester(sim.data, "fisher_z")
    queries = [((0, 0), (1, 1), [(0, 1)]), ((1, 0), (0, 1), [(1, 1)]), ((0, 0), (1, 0), []),
               ((0, 0), (0, 1), []), ((1, 0), (1, 1), [])]
    for res, (x, y, z) in zip(fast.results, queries, strict=True):
        ref = tester.test(x, y, z)
        assert abs(res.p_value - ref.p_value) < 1e-12
        assert res.statistic == pytest.approx(ref.statistic, abs=1e-9)
    design = np.ascontiguousarray(sim.data.values[:, :2, :].reshape(n_env, 4))
    out = bivariate_fisher_z(design, _TRIPLES)
    np.testing.assert_allclose(out, bivariate_fisher_z.py_func(design, _TRIPLES), atol=1e-12)
    for (_pc, stat, p), (i, j, k) in zip(out, _TRIPLES, strict=True):
        zz = design[:, [k]] if k >= 0 else np.empty((n_env, 0))
        o_stat, o_p = fisher_z_oracle(design[:, i], design[:, j], zz)
        assert stat == pytest.approx(o_stat, abs=1e-8) and abs(p - o_p) < 1e-10


def test_bivariate_collinear_data_raises():
    from mechkit.causal import bivariate_direction

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2)) + rng.normal(size=(50, 1))
    vals = np.stack([x, 2.0 * x + 1.0], axis=2)
    with pytest.raises(InvalidInputError, match="exactly collinear or deterministic"):
        bivariate_direction(vals)


# Regressions from the review: each call returned a number or raised a non-InvalidInputError.
def _bad_input_cases():
    from mechkit.causal import (
        GaussianOracle,
        all_dags,
        bivariate_direction,
        d_separation,
        decide_bivariate,
        discover,
        plate_graph,
        simulate_binary_xor,
        simulate_gaussian,
    )

    rng = np.random.default_rng(0)
    x, y, z = rng.normal(size=50), rng.normal(size=50), rng.normal(size=50)
    b = rng.integers(0, 2, 50)
    good = rng.normal(size=(100, 2, 2))
    return [
        ("epsilon", lambda: kci(x, y, z, epsilon=-1.0)),
        ("epsilon", lambda: kci(x, y, z, epsilon=float("nan"))),
        ("thresh", lambda: kci(x, y, z, thresh=2.0)),
        ("min_expected", lambda: g_test(b, b, min_expected=float("nan"))),
        ("min_expected", lambda: g_test(b, b, min_expected=-1.0)),
        ("z", lambda: g_test(b, b, np.zeros((50, 1, 1), dtype=int))),
        ("x: column 0 is constant", lambda: g_test(np.zeros(50, dtype=int), b)),
        ("names: must be distinct", lambda: discover(good, names=["a", "a"])),
        ("data: must be a regular", lambda: discover([[[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0]]])),
        ("test_options: fisher_z has no option 'foo'",
         lambda: bivariate_direction(good, test="fisher_z", foo=1)),
        ("test_options: kci has no option 'foo'", lambda: bivariate_direction(good, test="kci", foo=1)),
        ("strict", lambda: decide_bivariate(0.1, 0.1, 0.1, strict="no")),
        ("d", lambda: all_dags(6)),
        ("varying", lambda: plate_graph([(0, 1)], 2, varying="ab")),
        ("names", lambda: d_separation([(0, 1)], names=["a"])),
        ("spread", lambda: GaussianOracle([(0, 1)], spread=[-1.0, 1.0])),
        ("noise", lambda: GaussianOracle([(0, 1)], spread=[1.0, 1.0], noise=float("nan"))),
        ("noise", lambda: GaussianOracle([(0, 1)], spread=[1.0, 1.0], noise=0.0)),
        ("weights", lambda: GaussianOracle([(0, 1)], spread=[1.0, 1.0], weights=[[0, 1], [1, 0]])),
        ("tol", lambda: GaussianOracle([(0, 1)], spread=[1.0, 1.0], tol=-1.0)),
        ("varying", lambda: simulate_gaussian([(0, 1)], 10, varying="ab")),
        ("varying", lambda: simulate_gaussian([(0, 1)], 10, varying=[0.5])),
        ("varying", lambda: simulate_binary_xor([(0, 1)], 10, varying=[True])),
        ("x: must be a \\(variable, sample\\) pair of integers",
         lambda: d_separation([(0, 1)]).test((0.5, 0), (1, 0))),
    ]


@pytest.mark.parametrize("case", range(24))
def test_bad_inputs_found_in_review_raise(case):
    match, call = _bad_input_cases()[case]
    with pytest.raises(InvalidInputError, match=match):
        call()
