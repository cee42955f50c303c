"""Tropical polynomials, networks as F - G, linear regions, operad action."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mechkit.errors import InvalidInputError
from mechkit.tropical import (
    Poset,
    TooManyTermsError,
    TropicalPolynomial,
    antichain,
    chain,
    compose,
    composed_filter_value,
    filter_polynomial,
    filter_value,
    four_point_poset,
    linear_region_bound,
    linear_regions_1d,
    linear_regions_2d,
    network_forward,
    network_to_tropical,
    order_polytope,
    partial_compose,
    upper_hull_mask,
)
from tests.tropical.oracles import forward_exact


@st.composite
def polys(draw, d=2, max_terms=6):
    m = draw(st.integers(1, max_terms))
    exps = draw(arrays(np.int64, (m, d), elements=st.integers(0, 3)))
    coefs = draw(arrays(np.float64, (m,), elements=st.integers(-4, 4).map(float)))
    return TropicalPolynomial(exps, coefs)


points = arrays(np.float64, (5, 2), elements=st.integers(-6, 6).map(lambda v: v / 2))


@settings(max_examples=80)
@given(polys(), polys(), points, st.integers(0, 3))
def test_semiring_operations_are_max_plus(F, G, X, k):
    assert np.array_equal(F.oplus(G)(X), np.maximum(F(X), G(X)))
    assert np.array_equal(F.otimes(G)(X), F(X) + G(X))
    assert np.array_equal(F.scale(k)(X), k * F(X))
    assert np.array_equal(F.shift(1.5)(X), F(X) + 1.5)
    assert np.array_equal((F - G)(X), F(X) - G(X))


@settings(max_examples=80)
@given(polys(max_terms=8), points)
def test_pruning_keeps_the_function_and_agrees_with_lp(F, X):
    P = F.prune()
    assert np.array_equal(P(X), F(X))
    hull = upper_hull_mask(F.exponents, F.coefficients)
    lp = upper_hull_mask(F.exponents, F.coefficients, method="lp")
    assert np.array_equal(hull, lp)
    assert P.num_terms == int(hull.sum()) == F.num_linear_regions()
    # every kept term is the unique maximum somewhere; so removing any changes the function
    assert P.prune().num_terms == P.num_terms


@settings(max_examples=60)
@given(polys(max_terms=5), polys(max_terms=5))
def test_newton_polytope_of_product_is_minkowski_sum(F, G):
    NF, NG = F.newton_polytope(), G.newton_polytope()
    sums = np.array([a + b for a in NF for b in NG])
    want = TropicalPolynomial(sums.astype(np.int64), np.zeros(len(sums))).newton_polytope()
    assert np.array_equal(F.otimes(G).newton_polytope(), want)
    union = np.vstack([NF, NG]).astype(np.int64)
    want_or = TropicalPolynomial(union, np.zeros(len(union))).newton_polytope()
    assert np.array_equal(F.oplus(G).newton_polytope(), want_or)


@st.composite
def int_networks(draw):
    d = draw(st.integers(1, 2))
    widths = [d, *draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)), draw(st.integers(1, 2))]
    Ws, bs, ts = [], [], []
    for li in range(len(widths) - 1):
        Ws.append(draw(arrays(np.int64, (widths[li + 1], widths[li]), elements=st.integers(-2, 2))))
        bs.append(draw(arrays(np.int64, (widths[li + 1],), elements=st.integers(-3, 3))).astype(float))
        last = li == len(widths) - 2
        ts.append(None if last else float(draw(st.integers(-1, 1))))
    X = draw(arrays(np.int64, (6, d), elements=st.integers(-5, 5))).astype(float)
    return Ws, bs, ts, X


@settings(max_examples=100)
@given(int_networks())
def test_f_minus_g_equals_forward_pass_exactly(net):
    Ws, bs, ts, X = net
    outs = network_to_tropical(Ws, bs, ts)
    fwd = network_forward(Ws, bs, X, ts)
    for i, f in enumerate(outs):
        assert np.array_equal(f(X), fwd[:, i])  # integer data: float64 is exact
        for row in X[:2]:
            exact = forward_exact([W.tolist() for W in Ws], bs, ts, row)[i]
            assert f.F.evaluate_exact(list(row)) - f.G.evaluate_exact(list(row)) == exact
        # pruned: every stored term is an upper-hull vertex
        assert f.F.prune().num_terms == f.F.num_terms
        # without pruning the same function
        (g,) = network_to_tropical(Ws, bs, ts, prune=False)[i:i + 1]
        assert np.array_equal(g(X), fwd[:, i])


def test_abs_example():
    (f,) = network_to_tropical([[[1], [-1]], [[1, 1]]], [[0, 0], [0]])
    assert f.F.newton_polytope().ravel().tolist() == [0.0, 2.0]
    assert f.G.newton_polytope().ravel().tolist() == [1.0]
    assert f.F.num_linear_regions() == 2
    r = linear_regions_1d([[[1], [-1]], [[1, 1]]], [[0, 0], [0]])
    assert r.n_pieces == 2 and r.breakpoints == (Fraction(0),)


def test_sawtooth_example():
    Ws = [[[1], [1]], [[2, -4], [2, -4]], [[2, -4]]]
    bs = [[0, -0.5], [0, -0.5], [0]]
    r = linear_regions_1d(Ws, bs)
    assert r.n_pieces == 6
    assert r.breakpoints == tuple(Fraction(k, 4) for k in range(5))
    slopes = [p[2][0] for p in r.pieces]
    assert slopes == [0, 4, -4, 4, -4, 0]
    (f,) = network_to_tropical(Ws, bs)
    xs = np.linspace(-1, 2, 61).reshape(-1, 1)
    assert np.allclose(f(xs), network_forward(Ws, bs, xs).ravel())
    on_box = linear_regions_1d(Ws, bs, domain=(0.0, 1.0))
    assert on_box.n_pieces == 4 and on_box.domain == (Fraction(0), Fraction(1))


@st.composite
def one_d_networks(draw):
    widths = [1, *draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)), 1]
    Ws, bs = [], []
    for li in range(len(widths) - 1):
        Ws.append(draw(arrays(np.int64, (widths[li + 1], widths[li]), elements=st.integers(-2, 2))))
        bs.append(draw(arrays(np.int64, (widths[li + 1],), elements=st.integers(-3, 3))).astype(float))
    return Ws, bs


@settings(max_examples=80)
@given(one_d_networks())
def test_linear_regions_1d_exact(net):
    Ws, bs = net
    r = linear_regions_1d(Ws, bs)
    assert r.n_pieces <= r.n_activation_regions
    ts = [0.0] * (len(Ws) - 1) + [None]
    # each piece's affine map agrees with the exact forward pass inside the piece
    for lo, hi, slopes, intercepts in r.pieces:
        for x in {lo, hi} - {None} or {Fraction(0)}:
            assert slopes[0] * x + intercepts[0] == forward_exact([W.tolist() for W in Ws], bs, ts, [x])[0]
    # at every breakpoint the slope really changes; pieces are maximal
    for a, b in itertools.pairwise(r.pieces):
        assert (a[2], a[3]) != (b[2], b[3])
    # the tropical F has no more terms than the convex pieces of F allow
    (f,) = network_to_tropical(Ws, bs)
    assert f.F.num_terms <= r.n_activation_regions + 1
    # decision boundary {F = G} lies on T(F ⊕ G) unless f vanishes around the point
    for bp in r.breakpoints:
        x = float(bp)
        if abs(f(x)) < 1e-12:
            assert f.boundary_point_check([x]) in ("hypersurface", "locally_zero")


def test_decision_boundary_in_hypersurface_2d():
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(20):
        Ws = [rng.integers(-2, 3, (4, 2)), rng.integers(-2, 3, (1, 4))]
        bs = [rng.integers(-2, 3, 4).astype(float), rng.integers(-2, 3, 1).astype(float)]
        (f,) = network_to_tropical(Ws, bs)
        T = f.hypersurface()
        grid_pts = np.array([[a / 4, b / 4] for a in range(-12, 13) for b in range(-12, 13)])
        vals = f(grid_pts)
        for x, v in zip(grid_pts, vals, strict=False):
            if v == 0.0:
                kind = f.boundary_point_check(x)
                if kind == "locally_zero":
                    # f vanishes on a neighbourhood: nearby points also give 0
                    assert all(f(x + e) == 0 for e in ([1e-3, 0], [0, 1e-3], [-1e-3, -1e-3]))
                else:
                    assert T.in_hypersurface(x)
                checked += 1
    assert checked > 0


def test_region_bound():
    assert linear_region_bound(2, [8, 8]) == (1 + 8 + 28) ** 2
    rng = np.random.default_rng(2)
    for _ in range(10):
        Ws = [rng.integers(-2, 3, (3, 1)), rng.integers(-2, 3, (3, 3)), rng.integers(-2, 3, (1, 3))]
        bs = [rng.integers(-3, 4, 3).astype(float), rng.integers(-3, 4, 3).astype(float), [0.0]]
        assert linear_regions_1d(Ws, bs).n_activation_regions <= linear_region_bound(1, [3, 3])


def test_rational_weights():
    Ws = [[[Fraction(1, 2)], [Fraction(-1, 3)]], [[1, 1]]]
    bs = [[0, 0], [0]]
    with pytest.raises(InvalidInputError, match=r"weights\[0\]: must hold integers; entry \(0, 0\) is 0.5"):
        network_to_tropical([np.array([[0.5], [-1 / 3]]), [[1, 1]]], bs)
    (f,) = network_to_tropical(Ws, bs, rational=True)
    assert f.F.denominator == 6
    xs = np.array([[-3.0], [6.0]])
    assert np.allclose(f(xs), [1.0, 3.0])
    assert f.F.evaluate_exact([Fraction(-3)]) - f.G.evaluate_exact([Fraction(-3)]) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": [[[1, 2]]], "biases": [[0, 0]]}, "biases[0]: must have length 1; got 2"),
        ({"weights": [[[1], [2]], [[1, 1, 1]]], "biases": [[0, 0], [0]]},
         "weights[1]: must have 2 columns (previous width); got shape (1, 3)"),
        ({"weights": [[[1]]], "biases": [[np.nan]]}, "biases[0]: must be finite; entry (0,) is nan"),
        ({"weights": [[[1]], [[1]]], "biases": [[0], [0]], "thresholds": [np.inf, None]},
         "thresholds: entry 0 is +inf"),
        ({"weights": [[[1]], [[1]]], "biases": [[0], [0]], "thresholds": [np.nan, None]},
         "thresholds: entry 0 is NaN"),
        ({"weights": [[[1]], [[1]]], "biases": [[0], [0]], "thresholds": [0.0]},
         "thresholds: need one per layer (2); got 1"),
        ({"weights": [], "biases": []}, "weights: need at least one layer"),
        ({"weights": [[[1.5]]], "biases": [[0]]}, "weights[0]: must hold integers; entry (0, 0) is 1.5"),
    ],
)
def test_bad_network_inputs(kwargs, message):
    with pytest.raises(InvalidInputError) as err:
        network_to_tropical(**kwargs)
    assert message in str(err.value)


def test_term_budget():
    rng = np.random.default_rng(0)
    Ws = [rng.integers(-2, 3, (8, 2)), rng.integers(-2, 3, (8, 8)), rng.integers(-2, 3, (1, 8))]
    bs = [rng.integers(-3, 4, 8).astype(float), rng.integers(-3, 4, 8).astype(float), [0.0]]
    with pytest.raises(TooManyTermsError, match="max_terms=3; raise max_terms"):
        network_to_tropical(Ws, bs, max_terms=3)
    with pytest.raises(InvalidInputError, match="exponent overflow"):
        TropicalPolynomial([[2 ** 40]], [0.0]).scale(2 ** 20)


def test_polynomial_bad_inputs():
    with pytest.raises(InvalidInputError, match=r"exponents: must hold integers; entry \(0, 0\) is 0.5"):
        TropicalPolynomial([[0.5]], [0.0])
    with pytest.raises(InvalidInputError, match="coefficients: must be finite or -inf; entry 0 is nan"):
        TropicalPolynomial([[1]], [np.nan])
    with pytest.raises(InvalidInputError, match="coefficients: must have one entry per term"):
        TropicalPolynomial([[1], [2]], [0.0])
    with pytest.raises(InvalidInputError, match="other: must have 1 variables"):
        TropicalPolynomial([[1]], [0.0]).oplus(TropicalPolynomial([[1, 1]], [0.0]))
    F = TropicalPolynomial([[1], [1], [0]], [0.0, 2.0, -np.inf])  # duplicates keep the max
    assert F.num_terms == 1 and F(0.0) == 2.0


# ------------------------------------------------------------------------ operad
@st.composite
def small_posets(draw, max_n=3):
    n = draw(st.integers(1, max_n))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=len(pairs), unique=True)) if pairs else []
    return Poset(n, chosen)


@settings(max_examples=80)
@given(small_posets(), st.data())
def test_operad_action_formula(P, data):
    Qs = [data.draw(small_posets()) for _ in range(P.n)]
    xs = [[data.draw(st.integers(-3, 3)) for _ in range(q.n)] for q in Qs]
    R = compose(P, Qs)
    flat = [v for blk in xs for v in blk]
    assert composed_filter_value(P, Qs, xs) == filter_value(R, flat)
    # lexicographic sum relations
    offs = np.cumsum([0] + [q.n for q in Qs])
    for i, j in itertools.product(range(P.n), repeat=2):
        if i != j:
            a, b = offs[i], offs[j]
            assert R.less(int(a), int(b)) == P.less(i, j)


def test_operad_special_cases_and_units():
    Q1, Q2 = four_point_poset(12), chain(2)
    x1, x2 = [2, -1, 3, -2], [-1, 4]
    # antichain: sum; 2-chain: max(f_Q2, sum(x2) + f_Q1)
    assert composed_filter_value(antichain(2), [Q1, Q2], [x1, x2]) == filter_value(Q1, x1) + filter_value(Q2, x2)
    assert composed_filter_value(chain(2), [Q1, Q2], [x1, x2]) == max(
        filter_value(Q2, x2), sum(x2) + filter_value(Q1, x1))
    unit = Poset(1)
    assert compose(unit, [Q1]) == Q1
    assert compose(Q1, [unit] * 4) == Q1
    # associativity through partial compositions
    P = four_point_poset(7)
    left = partial_compose(partial_compose(P, 1, chain(2)), 0, antichain(2))
    right = compose(P, [antichain(2), chain(2), unit, unit])
    assert left == right


def test_filter_polynomial_is_support_function_of_order_polytope():
    for idx in range(16):
        P = four_point_poset(idx)
        F = filter_polynomial(P)
        Op = order_polytope(P)
        assert {tuple(v) for v in F.newton_polytope().astype(int)} == {tuple(v) for v in Op.vertices}
        y = np.array([1.0, -2.0, 0.5, 3.0])
        assert F(y) == Op.support(y) == filter_value(P, list(y))


@settings(max_examples=40)
@given(arrays(np.int64, (3, 2), elements=st.integers(-2, 2)),
       arrays(np.int64, (3,), elements=st.integers(-2, 2)),
       arrays(np.int64, (3,), elements=st.integers(0, 2)))
def test_one_layer_newton_polytope_is_a_zonotope(W, b, a):
    # f = sum_i a_i relu(W_i x + b_i): F's Newton polytope is the Minkowski sum of the
    # segments a_i [min(W_i, 0), max(W_i, 0)] (a zonotope), G's the point sum a_i W_i^-
    (f,) = network_to_tropical([W, a.reshape(1, 3)], [b.astype(float), [0.0]])
    # neuron i is max(b_i + <W_i^+, x>, <W_i^-, x>) - <W_i^-, x>: a segment [W_i^-, W_i^+]
    seg = [[a[i] * np.maximum(W[i], 0), a[i] * np.maximum(-W[i], 0)] for i in range(3)]
    pts = np.array([sum(choice) for choice in itertools.product(*seg)]).astype(np.int64)
    zono = TropicalPolynomial(pts, np.zeros(len(pts))).newton_polytope()
    assert np.array_equal(f.F.newton_polytope(), zono)
    g_point = sum(a[i] * np.maximum(-W[i], 0) for i in range(3))
    assert f.G.newton_polytope().tolist() == [g_point.astype(float).tolist()]


@st.composite
def two_d_networks(draw):
    widths = [2, *draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)), 1]
    Ws, bs = [], []
    for li in range(len(widths) - 1):
        Ws.append(draw(arrays(np.int64, (widths[li + 1], widths[li]), elements=st.integers(-2, 2))))
        bs.append(draw(arrays(np.int64, (widths[li + 1],), elements=st.integers(-2, 2))).astype(float))
    return Ws, bs


@settings(max_examples=40)
@given(two_d_networks())
def test_linear_regions_2d_partition_the_box_exactly(net):
    Ws, bs = net
    ts = [0.0] * (len(Ws) - 1) + [None]
    r = linear_regions_2d(Ws, bs, box=(-2, 2, -2, 2))
    from mechkit.tropical.network import _area2, _centroid

    assert sum(_area2(list(c[0])) for c in r.cells) == 2 * 16  # twice the box area
    Wl = [W.tolist() for W in Ws]
    for poly, _pattern, grads, intercepts in r.cells:
        for pt in [*poly, _centroid(list(poly))]:
            exact = forward_exact(Wl, bs, ts, list(pt))[0]
            assert grads[0][0] * pt[0] + grads[0][1] * pt[1] + intercepts[0] == exact
    assert 1 <= r.n_pieces <= r.n_activation_regions
    if len(Ws) == 2:  # one hidden layer: at most the regions of an arrangement of n lines
        assert r.n_activation_regions <= linear_region_bound(2, [Ws[0].shape[0]])


def test_linear_regions_2d_merges_equal_maps():
    r = linear_regions_2d([[[1, 0], [1, 0]], [[1, -1]]], [[0, 0], [0]])  # relu(x) - relu(x) = 0
    assert r.n_activation_regions == 2 and r.n_pieces == 1
    r = linear_regions_2d([[[1, 0], [-1, 0]], [[1, 1]]], [[0, 0], [0]], box=(-1, 3, -1, 1))  # |x|
    assert r.n_activation_regions == 2 and r.n_pieces == 2
    assert r.to_dict()["box"] == ["-1", "3", "-1", "1"]
    with pytest.raises(InvalidInputError, match="box: must have x_lo < x_hi"):
        linear_regions_2d([[[1, 0]], [[1]]], [[0], [0]], box=(1, 0, 0, 1))
    with pytest.raises(InvalidInputError, match="linear_regions_2d needs two inputs; got 1"):
        linear_regions_2d([[[1]], [[1]]], [[0], [0]])
