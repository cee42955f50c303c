"""Inner numba kernels through their plain-Python bodies (``.py_func``) against oracles."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.cascade import (
    _mask_list_jit,
    _order_fill_jit,
    _order_vcg_into_jit,
    _popcounts_jit,
    _prune_jit,
    order_vcg_batch,
)
from solvers.matching import (
    _kmatch_into_jit,
    _mnl_solve_into_jit,
    _mnl_vcg_one_jit,
    mnl_vcg_batch,
    mnl_welfare_batch,
)
from tests.position_auctions import oracles


def _scratch(n, m, K):
    kk = max(1, min(K, n, m))
    return (np.empty((m, kk), dtype=np.int64), np.empty(m, dtype=np.int64),
            np.empty(n, dtype=np.int64), np.empty(m), np.empty(m, dtype=np.int64),
            np.empty(m, dtype=np.int64))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), m=st.integers(1, 4),
       K=st.integers(1, 4), discrete=st.booleans())
def test_kmatch_into_py_func_equals_brute_force(seed, n, m, K, discrete):
    rng = np.random.default_rng(seed)
    C = rng.integers(0, 3, (n, m)).astype(float) if discrete else rng.exponential(size=(n, m))
    top, mate, adpos, val, pred, start = _scratch(n, m, K)
    total = _kmatch_into_jit.py_func(C, K, np.arange(n), n, top, mate, adpos, val, pred, start)
    best = max(sum(C[i, j] for i, j in p) for p in oracles.allocations(n, m, K))
    assert abs(total - best) <= 1e-9 * max(1.0, best)
    assert sorted(a for a in mate if a >= 0) == sorted(i for i in range(n) if adpos[i] >= 0)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), m=st.integers(1, 3),
       K=st.integers(1, 3))
def test_mnl_inner_kernels_py_func(seed, n, m, K):
    rng = np.random.default_rng(seed)
    W = np.exp(rng.normal(-1, 1, (n, m)))
    b = rng.uniform(0, 10, n)
    scratch = _scratch(n, m, K)
    pos = np.empty(n, dtype=np.int64)
    wel, _lam, _res, _, st_ = _mnl_solve_into_jit.py_func(W, b, 1.0, K, -1, 0.0, np.empty((n, m)),
                                                        *scratch, pos)
    best = oracles.welfare("mnl", b.tolist(), W.tolist(), K)
    assert st_ == 0 and abs(wel - best) <= 1e-9 * max(1.0, best)
    ctr, pay, sp = np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)
    wel2, st2 = _mnl_vcg_one_jit.py_func(W, b, 1.0, K, pos, ctr, pay, sp, np.empty((n, m)),
                                         *scratch)
    assert st2 == 0 and wel2 == wel
    for i in range(n):
        if pos[i] >= 0:
            h = oracles.welfare("mnl", b.tolist(), W.tolist(), K, exclude=i)
            assert abs(pay[i] - (h - (wel - b[i] * ctr[i]))) <= 1e-9 * max(1.0, wel)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 8), m=st.integers(1, 3),
       K=st.integers(1, 2))
def test_cascade_inner_kernels_py_func(seed, n, m, K):
    rng = np.random.default_rng(seed)
    P = rng.uniform(0.05, 0.5, (n, m))
    Q = 1.0 - P
    b = rng.uniform(0, 10, n)
    K = min(K, m)
    order = np.asarray(sorted(range(n), key=lambda i: (-b[i], i)), dtype=np.int64)
    pc = _popcounts_jit.py_func(m)
    masks = _mask_list_jit.py_func(m, K, pc)
    assert all(bin(s).count("1") < K for s in masks)
    allowed = np.empty((n, m), dtype=np.uint8)
    compact = np.empty(n, dtype=np.int64)
    nk = _prune_jit.py_func(P, b, order, K + 1, allowed, compact)
    assert set(compact[:nk].tolist()) <= set(range(n))
    f = np.zeros((n + 1, 1 << m))
    _order_fill_jit.py_func(P, Q, b, order, K, pc, f, 0, n, -1, np.ones((n, m), np.uint8),
                            masks)
    best = oracles.welfare("cascade", b.tolist(), P.tolist(), K, Q=Q.tolist())
    assert abs(f[0, 0] - best) <= 1e-9 * max(1.0, best)
    pos, ctr, pay = np.empty(n, dtype=np.int64), np.empty(n), np.empty(n)
    g = np.zeros((n + 1, 1 << m))
    wel, st_ = _order_vcg_into_jit.py_func(P, Q, b, order, K, pc, np.zeros((n + 1, 1 << m)), g,
                                           pos, ctr, pay, True, allowed, compact, masks)
    assert st_ == 0 and abs(wel - best) <= 1e-9 * max(1.0, best)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), chunks=st.integers(1, 5))
def test_batch_kernels_py_func_and_chunking(seed, chunks):
    rng = np.random.default_rng(seed)
    N, n, m, K = 5, 4, 3, 2
    W = np.exp(rng.normal(-1, 1, (N, n, m)))
    b = rng.uniform(0, 10, (N, n))
    ref = mnl_vcg_batch(W, b, 1.0, K, 1)
    for out in (mnl_vcg_batch(W, b, 1.0, K, chunks), mnl_vcg_batch.py_func(W, b, 1.0, K, chunks)):
        assert np.array_equal(out[0], ref[0]) and np.allclose(out[2], ref[2], atol=1e-12)
    w1 = mnl_welfare_batch.py_func(W, b, 1.0, K, chunks)
    assert np.allclose(w1[1], ref[3], rtol=1e-12)
    P = rng.uniform(0.05, 0.5, (N, n, m))
    order = np.ascontiguousarray(np.argsort(-b, axis=1, kind="stable"))
    c1 = order_vcg_batch(P, 1 - P, b, order, K, True, chunks)
    c2 = order_vcg_batch.py_func(P, 1 - P, b, order, K, True, 1)
    assert np.allclose(c1[2], c2[2], atol=1e-12) and np.allclose(c1[3], c2[3], rtol=1e-12)


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1), irregular=st.booleans())
def test_myerson_batch_equals_single_myerson(seed, irregular):
    from mechkit.position_auctions import (
        AuctionInstance,
        PiecewiseUniform,
        Uniform,
        myerson,
        myerson_batch,
    )
    from solvers.auction import myerson_mnl_batch

    rng = np.random.default_rng(seed)
    N, n, m, K = 4, 4, 3, 2
    priors = [Uniform(0, 10), Uniform(0, 6), Uniform(2, 8, outside="clamp"),
              PiecewiseUniform([0, 1, 10, 11, 12], [0.5, 1 / 30, 0.01, 0.19]) if irregular
              else Uniform(0, 12)]
    W = np.exp(rng.normal(-1, 1, (N, n, m)))
    b = np.column_stack([rng.uniform(0, 10, N), rng.uniform(0, 6, N), rng.uniform(0, 10, N),
                         rng.uniform(0, 12, N)])
    out = myerson_batch(W, b, priors, max_ads=K)
    for t in range(N):
        single = myerson(AuctionInstance(b[t], W[t], max_ads=K), priors)
        assert np.allclose(out.payment[t], single.payment, atol=1e-9)
        assert np.allclose(out.ctr[t], single.ctr, atol=1e-12)
    phi = np.column_stack([p.ironed_virtual_value(b[:, i]) for i, p in enumerate(priors)])
    S = max(len(p.segments) for p in priors)
    seg = np.zeros((n, S, 4))
    nseg = np.array([len(p.segments) for p in priors])
    for i, p in enumerate(priors):
        for s, sg in enumerate(p.segments):
            seg[i, s] = (sg.lo, sg.hi, sg.alpha, sg.beta)
    py = myerson_mnl_batch.py_func(W, b, phi, 1.0, K, seg, nseg, 1)
    assert np.allclose(py[2], out.payment, atol=1e-9) and np.all(py[3] == 0)
