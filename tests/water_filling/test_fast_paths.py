"""The vectorised kernel paths: exact selections, reassociated sums, long rows, float32, fingerprints.

``masked_sum`` selects by comparing IEEE bit patterns (exact for values >= 0) and only
its sum is compiled with the ``reassoc`` flag; these tests pin both halves against plain
Python oracles, and run the uncapped selection path on rows long enough to use the
vector lanes and several Michelot passes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechkit.water_filling import solve_nash
from mechkit.water_filling.examples import random_game
from solvers.iwf import fingerprint, jacobi_step, max_abs, max_abs_diff
from solvers.waterfill import masked_sum, plain_sum, wf_row_select, wf_row_sort, wf_rows_select
from tests.water_filling.oracles import wf_bisection

nonneg = st.one_of(st.floats(0.0, 1e6), st.floats(1e-300, 1e-250), st.just(math.inf), st.just(0.0))


@given(st.lists(nonneg, min_size=0, max_size=70), st.data())
def test_masked_sum_selection_is_exact(xs, data):
    x = np.array(xs, dtype=np.float64)
    # thresholds at element values (ties), between them, and +inf
    pool = [v for v in xs if 0.0 < v] + [math.inf, 1.0, 1e-300]
    thr = data.draw(st.sampled_from(pool))
    keep = [v for v in xs if v < thr]
    for fn in (masked_sum, masked_sum.py_func):
        c, s = fn(x, len(xs), thr)
        assert c == len(keep)
        assert s == pytest.approx(math.fsum(keep), rel=1e-13, abs=0.0)


@given(st.lists(st.floats(0.0, 1e6), min_size=0, max_size=70))
def test_plain_sum(xs):
    x = np.array(xs, dtype=np.float64)
    assert plain_sum(x, len(xs)) == pytest.approx(math.fsum(xs), rel=1e-13, abs=0.0)


row_w = st.floats(1e-3, 1e3)


@given(st.lists(st.one_of(row_w, st.just(math.inf)), min_size=9, max_size=200),
       st.floats(1e-3, 1e3), st.integers(0, 3))
def test_long_rows_select_equals_oracles(ws, P, dup):
    w = np.array(ws)
    if dup:                                    # ties: repeat a value several times
        w[1: 1 + 3 * dup] = w[0]
    if not np.isfinite(w).any():
        w[-1] = 1.0
    c = np.full(w.shape, np.inf)
    a, b, s = np.empty_like(w), np.empty_like(w), np.empty_like(w)
    la = wf_row_select(w, P, c, a)
    lb = wf_row_select.py_func(w, P, c, b)
    wf_row_sort(w, P, c, s)
    np.testing.assert_array_equal(a, b)
    assert la == lb
    ref = np.array(wf_bisection(w.tolist(), P))
    np.testing.assert_allclose(a, ref, rtol=0, atol=1e-9 * max(1.0, P))
    np.testing.assert_allclose(a, s, rtol=0, atol=1e-9 * max(1.0, P))
    assert abs(a.sum() - P) <= 1e-12 * max(1.0, P)
    # tied carriers get identical power
    tied = w == w[0]
    assert np.all(a[tied] == a[0])


def test_batch_rows_of_benchmark_shape_equal_sort():
    rng = np.random.default_rng(3)
    for B, N in ((64, 64), (8, 1024)):
        W = rng.exponential(1.0, (B, N)) * 10 ** rng.uniform(-1, 1, (B, N))
        P = rng.uniform(0.1, 10, B) * N / 16
        C = np.full((B, N), np.inf)
        out, lv = np.empty_like(W), np.empty(B)
        wf_rows_select(W, P, C, out, lv)
        for b in range(B):
            ref = np.array(wf_bisection(W[b].tolist(), float(P[b])))
            np.testing.assert_allclose(out[b], ref, rtol=0, atol=1e-9 * N)


@pytest.mark.parametrize("K,N", [(3, 5), (6, 40)])
def test_float32_sweep_reads_float32_gains_and_matches_float64_of_the_rounded_game(K, N):
    g32 = random_game(K, N, rho=0.7, seed=1, dtype="float32")
    assert g32._kernel_args()[0].dtype == np.float32
    # the float64 game with the float32-rounded gains is the same game
    from mechkit.water_filling import PowerGame

    g64 = PowerGame(g32.gains.astype(np.float64), g32.noise, g32.budgets)
    p = g64.initial_profile()
    a, b = np.empty_like(p), np.empty_like(p)
    ra = jacobi_step(*g32._kernel_args(), p, 1.0, a, np.empty_like(p))
    rb = jacobi_step(*g64._kernel_args(), p, 1.0, b, np.empty_like(p))
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert ra == pytest.approx(rb, rel=1e-10, abs=1e-12)
    r32 = solve_nash(g32, tol=1e-10)
    r64 = solve_nash(g64, tol=1e-10)
    assert r32.converged and r64.converged
    np.testing.assert_allclose(r32.p, r64.p, rtol=0, atol=1e-8)


@given(st.integers(1, 6), st.integers(1, 9), st.integers(0, 100))
def test_fingerprint_equals_matrix_product(K, N, seed):
    rng = np.random.default_rng(seed)
    probe = rng.standard_normal((3, K * N))
    p = rng.exponential(1.0, (K, N))
    out = np.empty(3)
    fingerprint(probe, p, out)
    np.testing.assert_allclose(out, probe @ p.ravel(), rtol=1e-12, atol=1e-12)
    out2 = np.empty(3)
    fingerprint.py_func(probe, p, out2)
    np.testing.assert_array_equal(out, out2)


cap_any = st.one_of(st.just(math.inf), st.just(math.inf), st.floats(1e-3, 10.0), st.just(0.0))


@given(st.lists(st.tuples(st.one_of(row_w, row_w, st.just(math.inf)), cap_any), min_size=9,
                max_size=120), st.floats(1e-3, 1e3), st.integers(0, 119))
def test_long_rows_with_caps_and_forbidden_carriers(entries, P, where):
    """The vectorised entry pass (usable carriers, "any finite cap") on rows past the vector
    width: capped rows must take the capped path, uncapped rows the fast one."""
    w = np.array([e[0] for e in entries])
    c = np.array([e[1] for e in entries])
    usable = np.isfinite(w) & (c > 0)
    if not usable.any():                        # keep one usable carrier
        w[where % len(w)], c[where % len(w)] = 1.0, math.inf
    a, b, s = np.empty_like(w), np.empty_like(w), np.empty_like(w)
    la = wf_row_select(w, P, c, a)
    lb = wf_row_select.py_func(w, P, c, b)
    wf_row_sort(w, P, c, s)
    np.testing.assert_array_equal(a, b)
    assert la == lb or (math.isnan(la) and math.isnan(lb))
    scale = max(1.0, P, float(np.max(w[np.isfinite(w)])))
    ref = np.array(wf_bisection(w.tolist(), P, c.tolist()))      # independent oracle
    np.testing.assert_allclose(a, ref, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(a, s, rtol=0, atol=1e-9 * scale)
    assert (a <= c).all() and (a[~(np.isfinite(w) & (c > 0))] == 0).all()


finite_signed = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(finite_signed, finite_signed), min_size=0, max_size=70))
def test_max_abs_helpers_are_exact(pairs):
    """The fast-math maxima (vectorised) equal the plain maximum exactly, empty rows give 0."""
    a = np.array([x for x, _ in pairs], dtype=np.float64)
    b = np.array([y for _, y in pairs], dtype=np.float64)
    want_diff = max((abs(x - y) for x, y in zip(a.tolist(), b.tolist(), strict=True)), default=0.0)
    want_abs = max((abs(x) for x in a.tolist()), default=0.0)
    for fd, fa in ((max_abs_diff, max_abs), (max_abs_diff.py_func, max_abs.py_func)):
        assert fd(a, b) == want_diff
        assert fa(a) == want_abs
