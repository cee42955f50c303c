"""Poset pooling: reference outputs, oracle, tie rule, gradients, closed forms, baselines."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mechkit.errors import InvalidInputError
from mechkit.tropical import (
    AvgPool,
    GeMPool,
    MaxPool,
    MixedPool,
    Poset,
    PosetPool,
    StochasticMixedPool,
    antichain,
    chain,
    four_point_poset,
    grid,
    poset_filter,
    poset_filter_value,
    poset_pool,
    poset_pool_backward,
)
from solvers.poset_pool import (
    pool2x2_backward,
    pool2x2_forward,
    pool2x2_forward_value,
    pool_backward,
    pool_forward,
)
from tests.tropical.oracles import filter_oracle, pool_oracle

small_ints = st.integers(-3, 3).map(float)
quarters = st.integers(-12, 12).map(lambda v: v / 4.0)


def _reference_odd():
    x = np.zeros((1, 4, 5, 5), dtype=np.float32)
    x[0, 0, 0::2, 0::2] = 1
    x[0, 1:, :, :] = 1
    x[0, 2, 1::2, :] = -1
    x[0, 3, :, 0::2] = -1
    return x


def _reference_even():
    x = np.ones((1, 3, 8, 8), dtype=np.float32)
    x[0, 0, 0::2, 0::2] = -1
    x[0, 1, 0::2, :] = -1
    x[0, 2, 1::2, :] = -1
    x[0, 2, :, 0::2] = -1
    return x


def test_reference_filter_n_odd_input():
    expected = np.array(
        [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]],
          [[4, 4, 2], [4, 4, 2], [2, 2, 1]],
          [[2, 2, 1], [2, 2, 1], [2, 2, 1]],
          [[2, 2, 0], [2, 2, 0], [1, 1, 0]]]], dtype=np.float32)
    out = poset_pool(_reference_odd(), 12)
    assert out.dtype == np.float32
    assert np.array_equal(out, expected)
    assert not np.signbit(out).any()  # empty up-set gives +0.0, never -0.0


def test_reference_filter_n_even_input_and_backward():
    x = _reference_even()
    out, arg = poset_pool(x, 12, return_argmax=True)
    assert np.array_equal(out[0, 0], np.full((4, 4), 3.0))
    assert np.array_equal(out[0, 1], np.ones((4, 4)))
    assert np.array_equal(out[0, 2], np.ones((4, 4)))
    g = poset_pool_backward(np.ones_like(out), arg, x.shape)
    assert np.array_equal(g[0, 0], np.tile([[0, 1], [1, 1]], (4, 4)))
    assert np.array_equal(g[0, 1], np.tile([[0, 0], [0, 1]], (4, 4)))  # tie resolved to {3}
    assert np.array_equal(g[0, 2], np.tile([[0, 1], [0, 0]], (4, 4)))
    # the odd reference input: backward shape equals the input shape
    x5 = _reference_odd()
    out5, arg5 = poset_pool(x5, 12, return_argmax=True)
    assert poset_pool_backward(np.ones_like(out5), arg5, x5.shape).shape == x5.shape


@st.composite
def pool_cases(draw, values=small_ints):
    B = draw(st.integers(0, 2))
    C = draw(st.integers(1, 2))
    H = draw(st.integers(1, 5))
    W = draw(st.integers(1, 5))
    x = draw(arrays(np.float64, (B, C, H, W), elements=values))
    idx = draw(st.integers(0, 15))
    return x, idx


@settings(max_examples=100)
@given(pool_cases())
def test_2x2_forward_backward_match_oracle(case):
    x, idx = case
    ups = list(four_point_poset(idx).upsets())
    want, bits, grad = pool_oracle(x, ups, 2, 2)
    out, arg = poset_pool(x, idx, return_argmax=True)
    assert np.array_equal(out, want)
    assert np.array_equal(arg, bits)  # the minimal maximizer
    assert np.array_equal(poset_pool(x, idx), want)
    g = poset_pool_backward(np.ones_like(out), arg, x.shape)
    assert np.array_equal(g, grad)


@settings(max_examples=100)
@given(pool_cases(values=quarters))
def test_2x2_kernels_equal_py_func(case):
    x, idx = case
    pen = poset_filter(idx).penalties()
    o1, a1, p1 = pool2x2_forward(x, pen)
    o2, a2, p2 = pool2x2_forward.py_func(x, pen)
    assert np.array_equal(o1, o2) and np.array_equal(a1, a2) and p1 == p2 == 0.0
    v1, _ = pool2x2_forward_value(x, pen)
    v2, _ = pool2x2_forward_value.py_func(x, pen)
    assert np.array_equal(v1, o1) and np.array_equal(v2, o1)
    g = np.arange(o1.size, dtype=np.float64).reshape(o1.shape)
    H, W = x.shape[2:]
    g1, f1, b1 = pool2x2_backward(g, a1, H, W)
    g2, f2, b2 = pool2x2_backward.py_func(g, a1, H, W)
    assert np.array_equal(g1, g2) and f1 == f2 == 0 and b1 == b2 == np.bitwise_or.reduce(a1, axis=None)


@st.composite
def general_cases(draw):
    k = draw(st.integers(1, 3))
    s = draw(st.integers(1, 3))
    H = draw(st.integers(1, 6))
    W = draw(st.integers(1, 6))
    x = draw(arrays(np.float64, (1, 2, H, W), elements=small_ints))
    n = k * k
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=6, unique=True)) if pairs else []
    return x, Poset(n, chosen), k, s


@settings(max_examples=60)
@given(general_cases())
def test_general_windows_match_oracle(case):
    x, p, k, s = case
    want, bits, grad = pool_oracle(x, list(p.upsets()), k, s)
    out, arg = poset_pool(x, p, kernel_size=k, stride=s, return_argmax=True)
    assert np.array_equal(out, want) and np.array_equal(arg, bits)
    g = poset_pool_backward(np.ones_like(out), arg, x.shape, kernel_size=k, stride=s)
    assert np.array_equal(g, grad)
    filt = poset_filter(p, k)
    bm = np.array(filt.upsets, dtype=np.int64)
    Ho, Wo = out.shape[2:]
    o2, a2, _ = pool_forward.py_func(x, filt.parent, filt.elem, bm, k, s, Ho, Wo)
    assert np.array_equal(o2, out) and np.array_equal(a2, arg)
    gg = np.ones_like(out)
    g2, flag, orb = pool_backward.py_func(gg, arg, k, s, *x.shape[2:])
    assert np.array_equal(g2, g) and flag == 0 and 0 <= orb < 2 ** (k * k)


@settings(max_examples=60)
@given(arrays(np.float64, (1, 1, 4, 4), elements=st.floats(-3, 3, allow_nan=False, width=32)),
       st.integers(0, 15))
def test_finite_difference_gradient(x, idx):
    out, arg = poset_pool(x, idx, return_argmax=True)
    # skip points within 1e-3 of a tie (f is piecewise linear; FD is valid away from kinks)
    V = poset_filter(idx).vertex_matrix()
    for i in range(2):
        for j in range(2):
            w = x[0, 0, 2 * i:2 * i + 2, 2 * j:2 * j + 2].reshape(-1)
            vals = np.sort(V @ w)
            if len(vals) > 1 and vals[-1] - vals[-2] < 1e-3:
                return
    upstream = np.arange(1.0, out.size + 1).reshape(out.shape)
    g = poset_pool_backward(upstream, arg, x.shape)
    eps = 1e-6
    for flat in range(x.size):
        d = np.zeros(x.size)
        d[flat] = eps
        d = d.reshape(x.shape)
        fd = ((poset_pool(x + d, idx) - poset_pool(x - d, idx)) * upstream).sum() / (2 * eps)
        assert abs(fd - g.reshape(-1)[flat]) < 1e-6


@settings(max_examples=60)
@given(arrays(np.float64, (3, 1, 2, 2), elements=quarters))
def test_closed_forms(x):
    w = x.reshape(3, 4)
    relu = lambda v: np.maximum(v, 0.0)  # noqa: E731
    # antichain: sum of ReLUs; chain 0<1<2<3: nested ReLU
    assert np.array_equal(poset_pool(x, 1).reshape(3), relu(w).sum(axis=1))
    nested = relu(w[:, 3] + relu(w[:, 2] + relu(w[:, 1] + relu(w[:, 0]))))
    assert np.array_equal(poset_pool(x, 13).reshape(3), nested)
    # disjoint union (index 6 = two 2-chains): f_{P+Q} = f_P + f_Q
    two = lambda a, b: np.maximum.reduce([np.zeros_like(a), b, a + b])  # noqa: E731
    assert np.array_equal(poset_pool(x, 6).reshape(3), two(w[:, 0], w[:, 1]) + two(w[:, 2], w[:, 3]))
    # ordinal sum (index 7 = 2-chain below 2-antichain): max(f_Q(y), sum y + f_P(x))
    fq = relu(w[:, 2]) + relu(w[:, 3])
    fp = two(w[:, 0], w[:, 1])
    assert np.array_equal(poset_pool(x, 7).reshape(3), np.maximum(fq, w[:, 2] + w[:, 3] + fp))
    assert (poset_pool(x, 12) >= 0).all()


def test_all_zero_window_has_zero_gradient():
    x = np.zeros((1, 1, 2, 2))
    for idx in range(16):
        out, arg = poset_pool(x, idx, return_argmax=True)
        assert arg[0, 0, 0, 0] == 0
        assert not poset_pool_backward(np.ones_like(out), arg, x.shape).any()


@settings(max_examples=40)
@given(arrays(np.float64, (9,), elements=small_ints), st.integers(0, 2 ** 10))
def test_max_closure_matches_enumeration(w, seed):
    rng = np.random.default_rng(seed)
    pairs = [(i, j) for i in range(9) for j in range(i + 1, 9) if rng.random() < 0.2]
    p = Poset(9, pairs)
    val, U = poset_filter_value(p, w)
    best, inter = filter_oracle(w, list(p.upsets()))
    assert val == float(best) and U == inter
    out = poset_pool(w.reshape(1, 1, 3, 3), p, kernel_size=3)
    assert out[0, 0, 0, 0] == float(best)
    o2, a2 = poset_pool(w.reshape(1, 1, 3, 3), p, kernel_size=3, method="closure", return_argmax=True)
    assert o2[0, 0, 0, 0] == float(best) and a2[0, 0, 0, 0] == sum(1 << t for t in inter)


def test_closure_fallback_for_large_windows():
    rng = np.random.default_rng(7)
    x = rng.integers(-3, 4, (1, 2, 5, 5)).astype(float)
    p = Poset(16, [(i, j) for i in range(16) for j in range(i + 1, 16) if rng.random() < 0.1])
    budget = p.num_upsets() - 1
    auto, arg = poset_pool(x, p, kernel_size=4, stride=1, max_upsets=budget, return_argmax=True)
    enum, arg2 = poset_pool(x, p, kernel_size=4, stride=1, method="enumerate", return_argmax=True)
    assert np.array_equal(auto, enum) and np.array_equal(arg, arg2)


def test_custom_family_equals_poset():
    fam = four_point_poset(12).upset_matrix()
    x = np.random.default_rng(0).integers(-3, 4, (2, 3, 6, 6)).astype(float)
    assert np.array_equal(poset_pool(x, fam), poset_pool(x, 12))
    assert np.array_equal(poset_pool(x, grid(2, 2)), poset_pool(x, 14))


def test_layer_and_dtypes():
    layer = PosetPool(12)
    x = np.arange(2 * 3 * 5 * 5, dtype=np.int64).reshape(2, 3, 5, 5) - 60
    y = layer.forward(x)
    assert y.dtype == np.float64 and y.shape == (2, 3, 3, 3)
    assert layer.backward(np.ones_like(y)).shape == x.shape
    assert poset_pool(x.astype(np.float32), 12).dtype == np.float32
    assert poset_pool(np.ones((1, 1, 1, 1)), 13).shape == (1, 1, 1, 1)  # H = W = 1 pads
    assert poset_pool(np.zeros((0, 2, 4, 4)), 13, return_argmax=True)[1].shape == (0, 2, 2, 2)


@pytest.mark.parametrize(
    ("x", "kwargs", "message"),
    [
        (np.zeros((2, 2, 2)), {}, "x: must be 4-dimensional (B, C, H, W); got shape (2, 2, 2)"),
        (np.array([[[[np.nan, 0.0], [0.0, 0.0]]]]), {}, "x: must be finite; entry (0, 0, 0, 0) is nan"),
        (np.array([[[[0.0, 0.0], [0.0, np.inf]]]]), {"return_argmax": True},
         "x: must be finite; entry (0, 0, 1, 1) is inf"),
        (np.array([[[[0.0, 0.0], [-np.inf, 0.0]]]]), {"kernel_size": 2, "stride": 1},
         "x: must be finite; entry (0, 0, 1, 0) is -inf"),
        (np.zeros((1, 1, 2, 2), dtype=bool), {}, "x: must be a real numeric array; got dtype bool"),
        (np.zeros((1, 1, 0, 2)), {}, "x: spatial axes must be non-empty"),
        (np.zeros((1, 1, 2, 2)), {"poset": 16}, "index: must be an integer in [0, 15]"),
        (np.zeros((1, 1, 3, 3)), {"poset": chain(4), "kernel_size": 3},
         "poset: must have kernel_size**2 = 9 points for 3x3 windows; got n=4"),
        (np.zeros((1, 1, 3, 3)), {"poset": 3, "kernel_size": 3}, "an integer index names a 4-point poset"),
        (np.zeros((1, 1, 2, 2)), {"poset": [[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 1, 1]]},
         "family: not closed under union"),
        (np.zeros((1, 1, 4, 4)), {"poset": antichain(16), "kernel_size": 4, "max_upsets": 1000,
                                  "method": "enumerate"},
         "poset: more than max_upsets=1000 up-sets"),
        (np.zeros((1, 1, 2, 2)), {"method": "lp"}, "method: must be one of 'auto', 'enumerate', 'closure'"),
    ],
)
def test_bad_inputs(x, kwargs, message):
    kw = dict(kwargs)
    poset = kw.pop("poset", 13)
    with pytest.raises(InvalidInputError) as err:
        poset_pool(x, poset, **kw)
    assert message in str(err.value)


def test_bad_backward_inputs():
    out, arg = poset_pool(np.ones((1, 1, 4, 4)), 12, return_argmax=True)
    with pytest.raises(InvalidInputError, match=r"grad_out: must have shape \(1, 1, 2, 2\)"):
        poset_pool_backward(np.ones((1, 1, 3, 3)), arg, (1, 1, 4, 4))
    with pytest.raises(InvalidInputError, match="grad_out: must be finite"):
        poset_pool_backward(np.full(out.shape, np.nan), arg, (1, 1, 4, 4))
    with pytest.raises(InvalidInputError, match="argmax: bitmasks must lie in"):
        poset_pool_backward(np.ones(out.shape), arg + 100, (1, 1, 4, 4))
    with pytest.raises(InvalidInputError, match="argmax: bitmasks must lie in"):
        poset_pool_backward(np.ones(out.shape), arg - 20, (1, 1, 4, 4))
    with pytest.raises(InvalidInputError, match="grad_out: must be finite; entry"):
        poset_pool_backward(np.full((1, 1, 4, 4), np.inf), np.zeros((1, 1, 4, 4), dtype=np.int64),
                            (1, 1, 5, 5), stride=1)
    with pytest.raises(InvalidInputError, match="backward: call forward first"):
        PosetPool(3).backward(np.ones((1, 1, 1, 1)))


# --------------------------------------------------------------------- baselines
def _fd_check(layer_factory, x, rng):
    layer = layer_factory()
    y = layer.forward(x, training=False)
    up = rng.standard_normal(y.shape)
    g = layer.backward(up)
    eps = 1e-6
    for flat in range(x.size):
        d = np.zeros(x.size)
        d[flat] = eps
        d = d.reshape(x.shape)
        fd = ((layer_factory().forward(x + d, training=False)
               - layer_factory().forward(x - d, training=False)) * up).sum() / (2 * eps)
        assert abs(fd - g.reshape(-1)[flat]) < 1e-5


@pytest.mark.parametrize("factory", [
    MaxPool, AvgPool, lambda: MixedPool(0.3), lambda: GeMPool(3.0), lambda: StochasticMixedPool(0.4),
])
def test_baseline_gradients_by_finite_differences(factory):
    rng = np.random.default_rng(1)
    x = rng.uniform(0.1, 2.0, (2, 2, 5, 5))  # distinct values: no max ties; positive for GeM
    _fd_check(factory, x, rng)


def test_baseline_values():
    x = np.array([[[[1.0, -2.0, 3.0], [4.0, 0.0, 5.0]]]])
    assert MaxPool().forward(x).tolist() == [[[[4.0, 5.0]]]]
    assert AvgPool().forward(x).tolist() == [[[[0.75, 2.0]]]]  # padded zeros count
    assert np.allclose(MixedPool(0.5).forward(x), [[[[2.375, 3.5]]]])
    pos = np.abs(x) + 1
    assert np.allclose(GeMPool(1.0, eps=1e-12).forward(pos), AvgPool().forward(pos))
    assert np.allclose(GeMPool(60.0).forward(pos), MaxPool().forward(pos), rtol=0.05)
    sm = StochasticMixedPool(0.5, seed=3)
    y = sm.forward(x, training=True)
    assert all(v in (0.75, 4.0) for v in y[..., 0].ravel())
    assert np.allclose(sm.forward(x, training=False), MixedPool(0.5).forward(x))
    with pytest.raises(InvalidInputError, match=r"alpha: must lie in \[0, 1\]"):
        MixedPool(1.5)
    with pytest.raises(InvalidInputError, match="p: must be > 0"):
        GeMPool(0.0)
    with pytest.raises(InvalidInputError, match="x: must be finite"):
        MaxPool().forward(np.full((1, 1, 2, 2), np.nan))
