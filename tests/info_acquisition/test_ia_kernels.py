"""The numba IC kernel: compiled == .py_func == independent brute force (random mechanisms)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.info_acquisition import Mechanism, evaluate_mechanism
from solvers.scoring_ic import decode_map, ic_gains, index_tables
from tests.info_acquisition.oracles import brute_force_ic, principal_utility, random_small_instance


@st.composite
def instance_and_mechanism(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, 2))
    k = draw(st.integers(1, 3))
    m = draw(st.integers(1, 3))
    d = draw(st.integers(1, 2))
    inst = random_small_instance(rng, n, k, m, d, 2, draw(st.booleans()), 2.0)
    xi = rng.dirichlet(np.ones(inst.num_profiles))
    if draw(st.booleans()):
        xi[rng.random(inst.num_profiles) < 0.4] = 0.0
        if xi.sum() == 0:
            xi[0] = 1.0
        xi /= xi.sum()
    gamma = rng.random((n, *inst.k, *inst.m, d)) * 2.0
    return inst, xi.reshape(inst.k), gamma


def _kernel_args(inst, xi, gamma):
    kmax = max(inst.k)
    costs = np.zeros((inst.n, kmax))
    for i, c in enumerate(inst.costs):
        costs[i, : c.shape[0]] = c
    tables = index_tables(inst.k, inst.m)
    flat_gamma = np.ascontiguousarray(gamma.reshape(inst.n, inst.num_profiles, inst.num_signal_profiles, inst.d))
    return (inst.q, flat_gamma, np.ascontiguousarray(xi.ravel()), costs, np.asarray(inst.k, dtype=np.int64),
            np.asarray(inst.m, dtype=np.int64), *tables)


@settings(max_examples=100)
@given(case=instance_and_mechanism())
def test_ic_kernel_matches_py_func_and_brute_force(case):
    inst, xi, gamma = case
    args = _kernel_args(inst, xi, gamma)
    g1, _c1 = ic_gains(*args)
    g2, _c2 = ic_gains.py_func(*args)
    assert np.allclose(g1, g2, rtol=0, atol=1e-12, equal_nan=True)
    g3, _c3 = ic_gains(*args, 0)          # separable shortcut instead of enumeration
    assert np.allclose(g1, g3, rtol=0, atol=1e-12, equal_nan=True)
    ev = evaluate_mechanism(inst, Mechanism(xi, gamma))
    assert ev.max_gain == pytest.approx(brute_force_ic(inst, xi, gamma), abs=1e-10)
    assert ev.max_gain_ex_ante == pytest.approx(brute_force_ic(inst, xi, gamma, conditional=False), abs=1e-10)
    assert ev.principal_utility == pytest.approx(principal_utility(inst, xi, gamma), abs=1e-10)


@settings(max_examples=50)
@given(case=instance_and_mechanism())
def test_witness_attains_the_max_gain(case):
    """Recompute the witness's gain directly from its (effort, reporting map)."""
    inst, xi, gamma = case
    ev = evaluate_mechanism(inst, Mechanism(xi, gamma))
    w = ev.witness
    P = inst.joint
    import itertools

    B = list(itertools.product(*[range(ki) for ki in inst.k]))
    S = list(itertools.product(*[range(mi) for mi in inst.m]))
    i = w.agent
    dev = honest = weight = 0.0
    for b in B:
        if b[i] != w.recommended:
            continue
        weight += xi[b]
        bd = tuple(w.effort if j == i else b[j] for j in range(inst.n))
        for s in S:
            srep = tuple(w.reporting_map[s[i]] if j == i else s[j] for j in range(inst.n))
            for t in range(inst.d):
                dev += xi[b] * inst.prior[t] * P[(*bd, t, *s)] * gamma[(i, *b, *srep, t)]
                honest += xi[b] * inst.prior[t] * P[(*b, t, *s)] * gamma[(i, *b, *s, t)]
        dev -= xi[b] * inst.costs[i][w.effort]
        honest -= xi[b] * inst.costs[i][w.recommended]
    assert (dev - honest) / weight == pytest.approx(w.gain, abs=1e-10)


@given(code=st.integers(0, 4**4 - 1))
def test_decode_map_round_trip(code):
    phi = decode_map(code, 4)
    assert all(0 <= v < 4 for v in phi)
    assert sum(v * 4**j for j, v in enumerate(phi)) == code


def test_large_signal_sets_use_the_separable_maximum():
    """m = 9 (9^9 maps) finishes and matches an independent per-signal maximum."""
    rng = np.random.default_rng(1)
    inst = random_small_instance(rng, 1, 2, 9, 2, 2, True, 1.0)
    xi = np.array([0.3, 0.7])
    gamma = rng.random((1, 2, 9, 2))
    ev = evaluate_mechanism(inst, Mechanism(xi, gamma))
    q = inst.q
    best = -np.inf
    for bi in range(2):
        for bj in range(2):
            W = xi[bi] * np.einsum("st,rt->sr", q[bj], gamma[0, bi])
            dev = W.max(axis=1).sum() - xi[bi] * inst.costs[0][bj]
            honest = xi[bi] * (np.sum(q[bi] * gamma[0, bi]) - inst.costs[0][bi])
            best = max(best, (dev - honest) / xi[bi])
    assert ev.max_gain == pytest.approx(best, abs=1e-12)
    w = ev.witness
    assert len(w.reporting_map) == 9


def test_index_tables_swap_semantics():
    bown, bswap, _, _ = index_tables((2, 3, 2), (2, 2, 2))
    for b in range(12):
        coords = np.unravel_index(b, (2, 3, 2))
        for i, ki in enumerate((2, 3, 2)):
            assert bown[i, b] == coords[i]
            for e in range(ki):
                new = list(coords)
                new[i] = e
                assert bswap[i, b, e] == np.ravel_multi_index(tuple(new), (2, 3, 2))
