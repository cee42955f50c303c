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
    INDEPENDENT,
    MNL,
    _independent_one_jit,
    _kmatch_into_jit,
    _mnl_one_jit,
    _mnl_solve_into_jit,
    _scratch,
    _welfare_without_jit,
    match_batch,
)
from tests.position_auctions import oracles


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), m=st.integers(1, 4),
       K=st.integers(1, 4), discrete=st.booleans())
def test_kmatch_into_py_func_equals_brute_force(seed, n, m, K, discrete):
    rng = np.random.default_rng(seed)
    C = rng.integers(0, 3, (n, m)).astype(float) if discrete else rng.exponential(size=(n, m))
    S = _scratch(n, m, K)
    total = _kmatch_into_jit.py_func(C, K, np.arange(n), n, *S[2:10])
    best = max(sum(C[i, j] for i, j in p) for p in oracles.allocations(n, m, K))
    assert abs(total - best) <= 1e-9 * max(1.0, best)
    mate, adpos = S[3], S[4]
    assert sorted(a for a in mate if a >= 0) == sorted(i for i in range(n) if adpos[i] >= 0)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), m=st.integers(1, 3),
       K=st.integers(1, 3))
def test_mnl_inner_kernels_py_func(seed, n, m, K):
    rng = np.random.default_rng(seed)
    W = np.exp(rng.normal(-1, 1, (n, m)))
    b = rng.uniform(0, 10, n)
    S = _scratch(n, m, K)
    pos = np.empty(n, dtype=np.int64)
    wel, _lam, _res, _, st_ = _mnl_solve_into_jit.py_func(W, b, 1.0, K, -1, 0.0, S, pos, -1)
    best = oracles.welfare("mnl", b.tolist(), W.tolist(), K)
    assert st_ == 0 and abs(wel - best) <= 1e-9 * max(1.0, best)
    # a Clarke re-solve restricted to the rows with b > lam0 (lam0: the welfare of x* minus
    # one shown ad, a lower bound of the optimum without it) equals the unrestricted one
    for i in np.flatnonzero(pos >= 0):
        lam0 = _welfare_without_jit.py_func(W, b, 1.0, pos, i)
        full = _mnl_solve_into_jit(W, b, 1.0, K, i, lam0, S, S[10], -1), S[10].copy()
        rows = np.flatnonzero(b > lam0)
        S[11][:rows.size] = rows
        part = _mnl_solve_into_jit.py_func(W, b, 1.0, K, i, lam0, S, S[10], rows.size), S[10]
        assert full[0] == part[0] and np.array_equal(full[1], part[1])
        h = oracles.welfare("mnl", b.tolist(), W.tolist(), K, exclude=i)
        assert abs(max(full[0][0], lam0) - h) <= 1e-9 * max(1.0, h)
    ctr, pay = np.empty(n), np.empty(n)
    wel2, st2 = _mnl_one_jit.py_func(W, b, 1.0, K, True, pos, ctr, pay, S)
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
    ref = match_batch(W, b, 1.0, K, MNL, True, 1)
    for out in (match_batch(W, b, 1.0, K, MNL, True, chunks),
                match_batch.py_func(W, b, 1.0, K, MNL, True, chunks)):
        assert np.array_equal(out[0], ref[0]) and np.allclose(out[2], ref[2], atol=1e-12)
    w1 = match_batch.py_func(W, b, 1.0, K, MNL, False, chunks)
    assert np.allclose(w1[3], ref[3], rtol=1e-12) and np.allclose(w1[1], ref[1], rtol=1e-12)
    assert not w1[2].any()
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


# ------------------------------------------------------------- independent model, batched
def _independent_case(seed, N, n, m, discrete):
    rng = np.random.default_rng(seed)
    if discrete:  # ties and zeros on purpose
        return (rng.integers(0, 3, (N, n, m)) / 2.0, rng.integers(0, 4, (N, n)).astype(float))
    return rng.random((N, n, m)), rng.uniform(0, 10, (N, n))


@settings(max_examples=60)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), m=st.integers(1, 4),
       K=st.integers(1, 4), discrete=st.booleans(), chunks=st.integers(1, 4))
def test_independent_batch_kernel_equals_brute_force(seed, n, m, K, discrete, chunks):
    """Welfare = the best assignment; payments = Clarke pivots, both by enumeration."""
    K = min(K, m)
    P, b = _independent_case(seed, 3, n, m, discrete)
    outs = (match_batch(P, b, 1.0, K, INDEPENDENT, True, chunks),
            match_batch.py_func(P, b, 1.0, K, INDEPENDENT, True, chunks))
    for pos, ctr, pay, wel, status in outs:
        assert not status.any()
        for t in range(3):
            Pl, bl = P[t].tolist(), b[t].tolist()
            best = oracles.welfare("independent", bl, Pl, K)
            assert abs(wel[t] - best) <= 1e-9 * max(1.0, best)
            shown = [i for i in range(n) if pos[t, i] >= 0]
            assert len(shown) <= K and len({pos[t, i] for i in shown}) == len(shown)
            assert all(b[t, i] * P[t, i, pos[t, i]] > 0 for i in shown)  # fewer ads
            assert abs(sum(b[t, i] * ctr[t, i] for i in shown) - wel[t]) <= 1e-12 * max(1, best)
            for i in range(n):
                if i not in shown:
                    assert pay[t, i] == 0.0 and ctr[t, i] == 0.0
                    continue
                assert ctr[t, i] == P[t, i, pos[t, i]]
                expect = oracles.vcg_payment("independent", bl, Pl, K, i, best, ctr[t, i])
                assert abs(pay[t, i] - expect) <= 1e-9 * max(1.0, best)
                assert 0.0 <= pay[t, i] <= b[t, i] * ctr[t, i]
    assert np.array_equal(outs[0][0], outs[1][0]) and np.allclose(outs[0][2], outs[1][2],
                                                                  atol=1e-12)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), m=st.integers(1, 3))
def test_independent_one_py_func_equals_brute_force(seed, n, m):
    P, b = _independent_case(seed, 1, n, m, False)
    P, b = P[0], b[0]
    K = min(2, m)
    pos, ctr, pay = np.empty(n, dtype=np.int64), np.empty(n), np.empty(n)
    wel, status = _independent_one_jit.py_func(P, b, K, True, pos, ctr, pay, _scratch(n, m, K),
                                               np.empty(m * (K + 1)))
    best = oracles.welfare("independent", b.tolist(), P.tolist(), K)
    assert status == 0 and abs(wel - best) <= 1e-9 * max(1.0, best)
    for i in np.flatnonzero(pos >= 0):
        expect = oracles.vcg_payment("independent", b.tolist(), P.tolist(), K, i, best, ctr[i])
        assert abs(pay[i] - expect) <= 1e-9 * max(1.0, best)


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), model=st.sampled_from(["mnl", "independent"]))
def test_batches_serial_equals_parallel(seed, model):
    """Bit-identical results on 1 and 2 threads and for any chunking."""
    import numba

    from mechkit.position_auctions import vcg_batch, welfare_batch

    rng = np.random.default_rng(seed)
    N, n, m, K = 37, 9, 4, 3
    M = rng.random((N, n, m)) if model == "independent" else np.exp(rng.normal(-1, 1, (N, n, m)))
    b = rng.uniform(0, 10, (N, n))
    two = min(2, numba.config.NUMBA_NUM_THREADS)
    for fn in (vcg_batch, welfare_batch):
        one = fn(M, b, max_ads=K, model=model, threads=1)
        par = fn(M, b, max_ads=K, model=model, threads=two)
        for a, c in zip(one.__dict__.values(), par.__dict__.values(), strict=True):
            assert np.array_equal(a, c)
    code = MNL if model == "mnl" else INDEPENDENT
    ref = match_batch(M, b, 1.0, K, code, True, 1)
    for chunks in (2, 5, N, 4 * N):
        out = match_batch(M, b, 1.0, K, code, True, chunks)
        assert all(np.array_equal(x, y) for x, y in zip(out, ref, strict=True))


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1))
def test_independent_batch_equals_single_vcg_and_revenue(seed):
    from mechkit.position_auctions import AuctionInstance, Uniform, expected_revenue, vcg, vcg_batch

    rng = np.random.default_rng(seed)
    N, n, m, K = 5, 5, 3, 2
    P = rng.random((N, n, m))
    b = rng.uniform(0, 10, (N, n))
    out = vcg_batch(P, b, max_ads=K, model="independent")
    for t in range(N):
        inst = AuctionInstance(b[t], ctr=P[t], model="independent", max_ads=K)
        single = vcg(inst)
        generic = vcg(inst, method="brute_force")  # the generic Clarke loop, another solver
        assert np.allclose(out.payment[t], single.payment, atol=1e-12)
        assert np.allclose(single.payment, generic.payment, atol=1e-9)
        assert abs(out.welfare[t] - single.welfare) <= 1e-12 * max(1.0, single.welfare)
    # the batched expected revenue equals the per-sample loop on the same draws
    inst = AuctionInstance(np.zeros(n), ctr=P[0], model="independent", max_ads=K)
    fast = expected_revenue("vcg", inst, [Uniform(0, 10)] * n, 50, seed=seed)
    slow = expected_revenue(lambda x: vcg(x, method="brute_force"), inst, [Uniform(0, 10)] * n,
                            50, seed=seed)
    assert abs(fast.revenue - slow.revenue) <= 1e-9 and abs(fast.welfare - slow.welfare) <= 1e-9
