"""Cascade solvers (bitmask DPs, Kempe–Mahdian, brute force, MIR, heuristics) vs enumeration."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.position_auctions import (
    AuctionInstance,
    ctr_of,
    myerson_integral_payments,
    truthfulness_audit,
    vcg,
    vcg_batch,
    welfare_optimal_allocation,
)
from mechkit.position_auctions.welfare import mir_priority_order
from solvers.cascade import fixed_dp, km_dp, order_dp, order_vcg, ranked_dp
from tests.position_auctions import oracles

small = st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 3))


def _cascade(seed, n, m, K, *, continuation="stop_on_click", order="free", discrete=False,
             sigma=None):
    rng = np.random.default_rng(seed)
    P = rng.uniform(0.05, 0.5, (n, m))
    b = rng.uniform(0, 10, n)
    if discrete:
        P = rng.integers(0, 3, (n, m)) / 4.0
        b = rng.integers(0, 4, n).astype(float)
    Q = None
    if continuation == "general":
        Q = rng.uniform(0, 1, (n, m))
        if discrete:
            Q = rng.integers(0, 5, (n, m)) / 4.0
    kw = {"rendering_order": sigma} if order == "fixed" else {}
    inst = AuctionInstance(b, ctr=P, model="cascade", positions=m, max_ads=min(K, m),
                           order=order, continuation=continuation if Q is None else Q, **kw)
    return inst


def _oracle(inst, exclude=None):
    return oracles.welfare("cascade", inst.bids.tolist(), inst.ctr.tolist(), inst.max_ads,
                           Q=inst.q.tolist(), order=inst.order, sigma=inst.sigma.tolist(),
                           exclude=exclude)


def _close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


@given(seed=st.integers(0, 2**32 - 1), shape=small, discrete=st.booleans(),
       continuation=st.sampled_from(["stop_on_click", "general"]))
def test_free_order_exact_solvers_equal_brute_force(seed, shape, discrete, continuation):
    inst = _cascade(seed, *shape, continuation=continuation, discrete=discrete)
    alloc = welfare_optimal_allocation(inst)
    assert alloc.exact
    assert _close(alloc.welfare, _oracle(inst))
    assert np.allclose(alloc.ctr, ctr_of(inst, alloc.assignment, alloc.order))
    assert all(inst.bids[i] > 0 for i in alloc.shown)  # zero bids are never shown
    if continuation == "stop_on_click":
        assert alloc.method in ("bitmask_dp", "kempe_mahdian")
        # ordering lemma for stop-on-click: rendered in decreasing bid
        bids = [inst.bids[i] for i in alloc.order]
        assert bids == sorted(bids, reverse=True)


@given(seed=st.integers(0, 2**32 - 1), shape=small, discrete=st.booleans(),
       continuation=st.sampled_from(["stop_on_click", "general"]),
       flip=st.booleans())
def test_fixed_order_dp_equals_brute_force(seed, shape, discrete, continuation, flip):
    n, m, K = shape
    sigma = list(range(m))[::-1] if flip else None
    inst = _cascade(seed, n, m, K, continuation=continuation, order="fixed", discrete=discrete,
                    sigma=sigma)
    alloc = welfare_optimal_allocation(inst)
    assert alloc.method in ("fixed_order_dp", "kempe_mahdian")
    assert _close(alloc.welfare, _oracle(inst))
    if n and m and inst.max_ads:
        _pos, val = fixed_dp.py_func(inst.ctr, inst.q, inst.bids, inst.sigma, inst.max_ads, -1)
        assert _close(val, alloc.welfare)


@given(seed=st.integers(0, 2**32 - 1), shape=st.tuples(st.integers(1, 4), st.integers(1, 3)))
def test_order_dp_kernel_matches_py_func_and_enumeration(seed, shape):
    n, m = shape
    inst = _cascade(seed, n, m, m)
    order = np.argsort(-inst.bids, kind="stable")
    pos, val = order_dp(inst.ctr, inst.q, inst.bids, order, m)
    pos_py, val_py = order_dp.py_func(inst.ctr, inst.q, inst.bids, order, m)
    assert val == val_py and np.array_equal(pos, pos_py)
    assert _close(val, _oracle(inst))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 5), K=st.integers(0, 3),
       order=st.sampled_from(["free", "fixed"]))
def test_kempe_mahdian_equals_brute_force(seed, n, K, order):
    rng = np.random.default_rng(seed)
    m = 3
    c = rng.uniform(0, 0.6, n)
    q = rng.uniform(0, 1, n)
    b = rng.uniform(0, 10, n)
    inst = AuctionInstance(b, ctr=np.tile(c[:, None], (1, m)), model="cascade", max_ads=K,
                           continuation=np.tile(q[:, None], (1, m)), order=order)
    alloc = welfare_optimal_allocation(inst)
    assert alloc.method == "kempe_mahdian"
    assert _close(alloc.welfare, _oracle(inst))
    _rank, val = km_dp.py_func(c, q, b, K, -1)
    assert _close(val, alloc.welfare)


def test_design_note_reference_kempe_mahdian():
    c = [0.3, 0.2, 0.5, 0.1, 0.25]
    q = [0.9, 0.6, 0.4, 0.95, 0.7]
    inst = AuctionInstance([4, 7, 2, 5, 3], ctr=[[x] * 3 for x in c], model="cascade",
                           continuation=[[x] * 3 for x in q], max_ads=3)
    out = vcg(inst)
    assert out.welfare == pytest.approx(3.0, abs=1e-12)
    assert np.allclose(out.payment, [0.6, 0.765, 0.405, 0, 0], atol=1e-12)
    # the same through the general bitmask-free brute force and the integral
    assert np.allclose(vcg(inst, method="brute_force").payment, out.payment, atol=1e-12)
    assert np.allclose(myerson_integral_payments(inst), out.payment, atol=1e-9)


@given(seed=st.integers(0, 2**32 - 1), shape=small,
       order=st.sampled_from(["free", "fixed"]))
def test_cascade_vcg_equals_brute_force_clarke(seed, shape, order):
    inst = _cascade(seed, *shape, order=order, continuation="general" if order == "fixed"
                    else "stop_on_click")
    out = vcg(inst)
    for i in range(inst.n):
        if i not in out.allocation.shown:
            assert out.payment[i] == 0.0
            continue
        h = _oracle(inst, exclude=i)
        expect = h - (out.welfare - inst.bids[i] * out.ctr[i])
        assert abs(out.payment[i] - expect) <= 1e-9 * max(1.0, out.welfare)
        assert 0.0 <= out.payment[i] <= inst.bids[i] * out.ctr[i]
    if inst.order == "free" and inst.n and inst.m and inst.max_ads:
        order_ = np.argsort(-inst.bids, kind="stable")
        for prune in (False, True):
            res = order_vcg.py_func(inst.ctr, inst.q, inst.bids, order_, inst.max_ads, prune)
            assert np.allclose(res[2], out.payment, atol=1e-12)


@given(seed=st.integers(0, 2**32 - 1), shape=small, order=st.sampled_from(["free", "fixed"]))
def test_mir_is_exact_over_its_range_and_below_the_optimum(seed, shape, order):
    inst = _cascade(seed, *shape, continuation="general", order=order)
    alloc = welfare_optimal_allocation(inst, method="mir_priority")
    assert not alloc.exact and alloc.status == "optimal_in_range"
    assert alloc.welfare <= _oracle(inst) * (1 + 1e-12) + 1e-12
    # oracle over the range: ads rendered in the fixed priority order
    pr = mir_priority_order(inst).tolist()
    rank = {a: r for r, a in enumerate(pr)}
    srank = {p: r for r, p in enumerate(inst.sigma.tolist())}
    best = 0.0
    for pairs in oracles.allocations(inst.n, inst.m, inst.max_ads):
        seq = sorted(pairs, key=lambda e: rank[e[0]])
        if order == "fixed" and [srank[j] for _, j in seq] != sorted(srank[j] for _, j in seq):
            continue
        best = max(best, oracles.cascade_value(inst.ctr, inst.q, inst.bids, seq))
    assert _close(alloc.welfare, best)
    if inst.n and inst.m and inst.max_ads and order == "fixed":
        _, val = ranked_dp.py_func(inst.ctr, inst.q, inst.bids, np.asarray(pr), inst.sigma,
                                   inst.max_ads, -1)
        assert _close(val, best)


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1), order=st.sampled_from(["free", "fixed"]))
def test_mir_vcg_is_truthful_but_heuristic_vcg_is_refused(seed, order):
    inst = _cascade(seed, 3, 3, 2, continuation="general", order=order)
    audit = truthfulness_audit("vcg", inst, method="mir_priority", n_grid=9, refine=12)
    assert audit.max_gain <= 1e-9 and audit.individually_rational
    with pytest.raises(Exception, match="not truthful"):
        vcg(inst, method="greedy")


@given(seed=st.integers(0, 2**32 - 1), shape=small,
       method=st.sampled_from(["matching_sort", "greedy"]),
       order=st.sampled_from(["free", "fixed"]))
def test_heuristics_are_feasible_and_below_optimum(seed, shape, method, order):
    inst = _cascade(seed, *shape, continuation="general", order=order)
    alloc = welfare_optimal_allocation(inst, method=method)
    assert not alloc.exact and alloc.status == "heuristic"
    assert len(alloc.shown) <= inst.max_ads
    assert alloc.welfare <= _oracle(inst) * (1 + 1e-12) + 1e-12
    assert np.isclose(alloc.welfare, float(inst.bids @ ctr_of(inst, alloc.assignment,
                                                                 alloc.order)))


def test_extreme_continuations():
    rng = np.random.default_rng(2)
    P = rng.uniform(0.1, 0.9, (5, 3))
    b = rng.uniform(1, 10, 5)
    zero = AuctionInstance(b, ctr=P, model="cascade", continuation=np.zeros((5, 3)))
    assert len(welfare_optimal_allocation(zero).shown) == 1  # q = 0 shows one ad
    one = AuctionInstance(b, ctr=P, model="cascade", continuation="always_continue", max_ads=2)
    ind = AuctionInstance(b, ctr=P, model="independent", max_ads=2)
    assert welfare_optimal_allocation(one).welfare == pytest.approx(
        welfare_optimal_allocation(ind).welfare, rel=1e-12)


def test_brute_force_respects_the_ordering_lemma():
    # for one instance, check every rendering order explicitly
    inst = _cascade(11, 3, 3, 3, continuation="general")
    alloc = welfare_optimal_allocation(inst, method="brute_force")
    seq = [(i, alloc.assignment[i]) for i in alloc.order]
    best_perm = max(oracles.cascade_value(inst.ctr, inst.q, inst.bids, list(p))
                    for p in itertools.permutations(seq))
    assert alloc.welfare == pytest.approx(best_perm, rel=1e-12)


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1))
def test_cascade_batch_equals_single(seed):
    rng = np.random.default_rng(seed)
    N, n, m, K = 4, 6, 3, 2
    P = rng.uniform(0.05, 0.5, (N, n, m))
    b = rng.uniform(0, 10, (N, n))
    out = vcg_batch(P, b, max_ads=K, model="cascade")
    for t in range(N):
        single = vcg(AuctionInstance(b[t], ctr=P[t], model="cascade", max_ads=K))
        assert np.allclose(out.payment[t], single.payment, atol=1e-12)
        assert out.welfare[t] == pytest.approx(single.welfare, rel=1e-12)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5, 9), m=st.integers(1, 3),
       K=st.integers(1, 2), discrete=st.booleans())
def test_dominance_pruning_is_exact(seed, n, m, K, discrete):
    inst = _cascade(seed, n, m, K, discrete=discrete)
    K = inst.max_ads
    order_ = np.asarray(sorted(range(n), key=lambda i: (-inst.bids[i], i)))
    full = order_vcg(inst.ctr, inst.q, inst.bids, order_, K, False)
    pruned = order_vcg(inst.ctr, inst.q, inst.bids, order_, K, True)
    best = _oracle(inst)
    assert _close(full[3], best) and _close(pruned[3], best)
    for i in range(n):
        h = _oracle(inst, exclude=i)
        assert _close(pruned[2][i], h - (best - inst.bids[i] * pruned[1][i]) if pruned[0][i] >= 0
                      else 0.0)
