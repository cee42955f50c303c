"""The fused Jacobi sweep, the split interference pass, the cycle-detector kernels and the final metrics.

Each kernel is compared with an oracle: the plain triple loop for the interference, the
previous (unfused) sweep -- interference, then every row's water-filling, then a separate
residual loop -- for ``jacobi_step``, the previous numpy implementation of the cycle
detector's push for ``cycle_push`` / ``cycle_match``, and the plain numpy expressions for
the Nikaido-Isoda gap and the certified error bound.  ``K`` runs past 8 so every split of
the sources into blocks of four and a remainder is exercised.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechkit.water_filling import PowerGame, solve_nash
from mechkit.water_filling.nash import _final_metrics, _probe
from solvers.iwf import (
    cycle_match,
    cycle_push,
    fingerprint,
    interference,
    interference_blocks,
    interference_chunks_parallel,
    interference_finish_row,
    jacobi_step,
    jacobi_step_fp,
    sweep_threads,
)
from solvers.waterfill import wf_row_ws
from tests.water_filling.oracles import interference_oracle, wf_map_oracle
from tests.water_filling.strategies import small_games


@st.composite
def games(draw: st.DrawFn, max_k: int = 13, max_n: int = 9) -> tuple[PowerGame, np.ndarray]:
    """A game with K up to 13 by default (every split into blocks of four) in float64 or
    float32, and a profile within the budgets."""
    game = draw(small_games(max_k=max_k, max_n=max_n, caps=True, dtypes=("float64", "float32")))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    p = rng.random((game.K, game.N))
    p *= np.minimum(1.0, game.budgets / p.sum(axis=1))[:, None]
    return game, p


def old_jacobi_step(G, sigma2, invd, budgets, caps, p, alpha):
    """The sweep before the fusion: full interference, then each row's WF, then the residual."""
    K, N = p.shape
    intf = interference_oracle(G.astype(np.float64), sigma2, p)
    wf = np.empty((K, N))
    flags = np.empty(N, dtype=np.int8)
    buf = np.empty(N)
    for q in range(K):
        wf_row_ws(np.ascontiguousarray(intf[q] * invd[q]), budgets[q], caps[q], wf[q], flags, buf)
    res = float(np.max(np.abs(wf - p)))
    out = wf if alpha == 1.0 else p + alpha * (wf - p)
    return out, res, intf


@given(games(), st.integers(0, 13))
def test_interference_split_equals_the_triple_loop(gp, r_split):
    game, p = gp
    G, noise = game._kernel_args()[:2]
    K, N = p.shape
    ref = interference_oracle(G.astype(np.float64), noise, p)
    for fn in (interference, interference.py_func):
        out = np.full((K, N), np.nan)
        fn(G, noise, p, out)
        np.testing.assert_allclose(out, ref, rtol=1e-13, atol=0)
    # any split point (a multiple of 4): blocks up to it, then the rows one by one
    r0 = min(4 * (r_split // 4), 4 * (K // 4))
    for blocks, row in ((interference_blocks, interference_finish_row),
                        (interference_blocks.py_func, interference_finish_row.py_func)):
        out = np.full((K, N), np.nan)
        blocks(G, noise, p, out, 0, r0, 0, K)
        for q in range(K):
            row(G, noise, p, out, q, r0)
        np.testing.assert_allclose(out, ref, rtol=1e-13, atol=0)


@given(games(), st.sampled_from([1.0, 0.5]))
def test_fused_jacobi_step_equals_the_unfused_sweep(gp, alpha):
    game, p = gp
    args = game._kernel_args()
    K, N = p.shape
    ref_out, ref_res, ref_intf = old_jacobi_step(*args, p, alpha)
    probe = np.random.default_rng(K * 31 + N).standard_normal((3, K * N))
    for step, fp_step in ((jacobi_step, jacobi_step_fp), (jacobi_step.py_func, jacobi_step_fp.py_func)):
        out, intf = np.empty((K, N)), np.empty((K, N))
        res = step(*args, p, alpha, out, intf)
        np.testing.assert_allclose(intf, ref_intf, rtol=1e-13, atol=0)
        np.testing.assert_allclose(out, ref_out, rtol=1e-12, atol=1e-14)
        assert res == pytest.approx(ref_res, rel=1e-12, abs=1e-14)
        out2, intf2, fp = np.empty((K, N)), np.empty((K, N)), np.full(3, np.nan)
        res2 = fp_step(*args, p, alpha, out2, intf2, probe, fp)
        np.testing.assert_array_equal(out2, out)
        assert res2 == res
        expect = np.empty(3)
        fingerprint(probe, out2, expect)
        np.testing.assert_array_equal(fp, expect)          # same sequential sums, same order
        untouched = np.full(3, 7.0)
        fp_step(*args, p, alpha, out2, intf2, np.empty((3, 0)), untouched)
        assert untouched.tolist() == [7.0, 7.0, 7.0]
    # and WF itself against the bisection oracle (no caps involved in the comparison above)
    if alpha == 1.0:
        G, noise, _, P, _ = args
        ref = wf_map_oracle(G.astype(np.float64), noise, P, game.caps, p)
        out = np.empty((K, N))
        jacobi_step(*args, p, 1.0, out, np.empty((K, N)))
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-9)


@given(games(), st.integers(2, 16), st.sampled_from([1.0, 0.5]))
def test_receiver_chunks_change_no_bit(gp, nch, alpha):
    """Any number of receiver chunks, run in parallel or one after another, gives bitwise
    the serial sweep: the same interference, powers, residual and fingerprint (per-row
    sums added in row order), so a result never depends on the thread count."""
    game, p = gp
    args = game._kernel_args()
    G, noise = args[:2]
    K, N = p.shape
    probe = np.random.default_rng(K * 7 + N).standard_normal((3, K * N))
    ref_out, ref_intf, ref_fp = np.empty((K, N)), np.empty((K, N)), np.empty(3)
    ref_res = jacobi_step_fp(*args, p, alpha, ref_out, ref_intf, probe, ref_fp, 1)
    expect = np.empty(3)
    fingerprint(probe, ref_out, expect)
    np.testing.assert_array_equal(ref_fp, expect)
    for fn in (jacobi_step_fp, jacobi_step_fp.py_func):
        out, intf, fp = np.empty((K, N)), np.full((K, N), np.nan), np.empty(3)
        res = fn(*args, p, alpha, out, intf, probe, fp, nch)
        np.testing.assert_array_equal(out, ref_out)
        np.testing.assert_array_equal(intf, ref_intf)
        np.testing.assert_array_equal(fp, ref_fp)
        assert res == ref_res
    for kernel in (interference, interference.py_func, interference_chunks_parallel,
                   interference_chunks_parallel.py_func):
        intf = np.full((K, N), np.nan)
        kernel(G, noise, p, intf, nch)
        np.testing.assert_array_equal(intf, ref_intf)


def test_sweep_threads_splits_only_large_sweeps():
    import numba

    assert sweep_threads(3, 1000) == 1                 # 9,000 multiply-adds: one thread
    assert sweep_threads(100, 1024) == min(numba.get_num_threads(), 100)
    assert sweep_threads(1, 10**6) == 1                # a single receiver cannot be split


@pytest.mark.parametrize("nch", [2, 3])
def test_chunked_solves_equal_serial_solves(monkeypatch, nch):
    """The solvers pass :func:`sweep_threads` to the sweeps; with the receivers split into
    ``nch`` chunks (run on numba's threads) every schedule gives bitwise the serial result:
    status, iterations, powers, trace and gap."""
    import solvers.iwf
    from mechkit.water_filling.examples import random_game

    g = random_game(12, 64, rho=0.9, seed=5)

    def solve_all():
        return [solve_nash(g, "jacobi"), solve_nash(g, "jacobi", damping=0.7),
                solve_nash(g, "gauss_seidel"), solve_nash(g, "async", seed=3, p_update=0.5),
                g.wf_map(g.initial_profile()), g.interference(g.initial_profile())]

    monkeypatch.setattr(solvers.iwf, "sweep_threads", lambda K, N: 1)
    serial = solve_all()
    monkeypatch.setattr(solvers.iwf, "sweep_threads", lambda K, N: nch)
    chunked = solve_all()
    for a, b in zip(serial[:4], chunked[:4], strict=True):
        assert a.status == b.status == "converged"
        assert a.iterations == b.iterations
        np.testing.assert_array_equal(a.p, b.p)
        np.testing.assert_array_equal(a.trace, b.trace)
        assert a.rate_gap == b.rate_gap
    for a, b in zip(serial[4:], chunked[4:], strict=True):
        np.testing.assert_array_equal(a, b)


class NumpyDetector:
    """The previous ``_CycleDetector.push``: fingerprint, then numpy over the lags."""

    def __init__(self, probe, n_max, max_period, ctol):
        self.probe = probe
        self.fp = np.empty((n_max + 2, 3))
        self.counts = np.zeros(max_period + 1, dtype=np.int64)
        self.max_period = max_period
        self.ctol = ctol

    def push(self, n, p):
        self.fp[n] = self.probe @ p.ravel()
        top = min(self.max_period, n)
        if top < 2:
            return None
        lags = np.arange(2, top + 1)
        diff = np.abs(self.fp[n][None, :] - self.fp[n - lags]).max(axis=1)
        match = diff <= self.ctol
        c = self.counts[2: top + 1]
        c[:] = np.where(match, c + 1, 0)
        ready = np.flatnonzero(c >= 2 * lags)
        return int(lags[ready[0]]) if ready.size else None


@given(st.integers(1, 4), st.integers(1, 5), st.integers(2, 7), st.integers(0, 12),
       st.sampled_from([0.0, 1e-14, 1e-9]), st.integers(2, 9), st.integers(0, 10**6))
def test_cycle_kernels_equal_the_numpy_detector(K, N, period, transient, jitter, max_period, seed):
    rng = np.random.default_rng(seed)
    ctol = 1e-12
    orbit = rng.random((period, K, N))
    T = transient + 4 * period + 3 * max_period
    states = [rng.random((K, N)) for _ in range(transient)]
    states += [orbit[i % period] + jitter * rng.standard_normal((K, N)) for i in range(T - transient)]
    probe = np.ascontiguousarray(_probe(K, N))
    ref = NumpyDetector(probe, T, max_period, ctol)
    fp_a, fp_b = np.empty((T + 2, 3)), np.empty((T + 2, 3))
    c_a = np.zeros(max_period + 1, dtype=np.int64)
    c_b = np.zeros(max_period + 1, dtype=np.int64)
    fp_c = np.empty((T + 2, 3))
    c_c = np.zeros(max_period + 1, dtype=np.int64)
    for n, x in enumerate(states):
        expect = ref.push(n, x)
        got_a = cycle_push(probe, x, fp_a, n, c_a, max_period, ctol)
        got_b = cycle_push.py_func(probe, x, fp_b, n, c_b, max_period, ctol)
        fingerprint(probe, x, fp_c[n])                  # recorded first, as jacobi_step_fp does
        got_c = cycle_match(fp_c, n, c_c, max_period, ctol)
        for got, counts in ((got_a, c_a), (got_b, c_b), (got_c, c_c)):
            assert (got if got else None) == expect
            np.testing.assert_array_equal(counts, ref.counts)
        np.testing.assert_allclose(fp_a[n], ref.fp[n], rtol=1e-12, atol=1e-15)


def test_cycle_match_ignores_nan_fingerprints():
    fp = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [np.nan, 0.0, 0.0]])
    counts = np.array([0, 0, 5])
    assert cycle_match(fp, 2, counts, 4, 1e-12) == 0
    assert counts.tolist() == [0, 0, 0]
    assert cycle_match.py_func(fp, 2, np.array([0, 0, 5]), 4, 1e-12) == 0


@given(games(max_k=6, max_n=6), st.booleans())
def test_final_metrics_equal_the_numpy_expressions(gp, on_unusable):
    game, p = gp
    K, N = p.shape
    if on_unusable and (~game.usable).any():
        p = p.copy()
        p[~game.usable] = 0.25                      # power on an unusable carrier: no bound
    args = game._kernel_args()
    br, intf = np.empty((K, N)), np.empty((K, N))
    jacobi_step(*args, p, 1.0, br, intf)
    direct = np.ascontiguousarray(np.einsum("qqk->qk", game.gains), dtype=np.float64)
    cert = game.contraction_certificate()
    gap, bound = _final_metrics(direct, p, br, intf, cert, game.usable)
    gain = np.log1p(direct * br / intf).sum(axis=1) - np.log1p(direct * p / intf).sum(axis=1)
    assert gap == float(max(0.0, gain.max()))           # the same operations: bitwise
    if cert.certified and not p[~game.usable].any():
        assert bound == cert.norm(p - br) / (1.0 - cert.factor)
    else:
        assert math.isnan(bound)


def test_solve_results_are_read_only_and_not_shared():
    from mechkit.water_filling.examples import random_game

    g = random_game(6, 8, rho=0.8, seed=2)
    for schedule in ("jacobi", "gauss_seidel", "async"):
        a = solve_nash(g, schedule, seed=0) if schedule == "async" else solve_nash(g, schedule)
        b = solve_nash(g, schedule, seed=0) if schedule == "async" else solve_nash(g, schedule)
        assert not a.p.flags.writeable
        assert not np.shares_memory(a.p, b.p)
        np.testing.assert_array_equal(a.p, b.p)


def test_parallel_flag_changes_no_number_and_is_checked():
    from mechkit.errors import InvalidInputError
    from mechkit.water_filling import water_fill_batch
    from mechkit.water_filling.examples import random_game

    g = random_game(12, 512, rho=0.9, seed=1)         # 73,728 multiply-adds: threaded
    assert g.K * g.K * g.N >= 65536
    for schedule, kw in (("jacobi", {}), ("gauss_seidel", {}), ("async", {"seed": 2})):
        a = solve_nash(g, schedule, **kw)
        b = solve_nash(g, schedule, parallel=False, **kw)
        assert a.iterations == b.iterations
        np.testing.assert_array_equal(a.p, b.p)
        np.testing.assert_array_equal(a.trace, b.trace)
    W = np.random.default_rng(0).exponential(1.0, (300, 64))
    np.testing.assert_array_equal(water_fill_batch(W, 3.0).p,
                                  water_fill_batch(W, 3.0, parallel=False).p)
    with pytest.raises(InvalidInputError, match="parallel: must be True or False"):
        solve_nash(g, parallel="no")
    with pytest.raises(InvalidInputError, match="parallel: must be True or False; got 1"):
        water_fill_batch(W, 3.0, parallel=1)
