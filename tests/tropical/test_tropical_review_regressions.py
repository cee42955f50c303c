"""Regression tests for defects found in the review of the tropical domain."""

from __future__ import annotations

import numpy as np
import pytest

from mechkit.errors import InvalidInputError
from mechkit.tropical import (
    AvgPool,
    GeMPool,
    MaxPool,
    MixedPool,
    Poset,
    PosetPool,
    StochasticMixedPool,
    TropicalPolynomial,
    boolean_lattice,
    chain,
    crown,
    fence,
    filter_value,
    grid,
    network_to_tropical,
    order_polytope,
    poset_filter_value,
    poset_pool,
    poset_pool_backward,
    upper_hull_mask,
)


def test_pool_overflow_of_a_subset_sum_is_refused_not_a_wrong_value():
    # exact f_P = a + c + d = 1.1e308 (up-set {0, 2, 3} of 3 < 2); the sum a + d
    # overflows to inf, inf - inf = NaN was skipped by the max and 1e308 came back
    x = np.array([[[[1e308, -0.9e308], [-0.9e308, 1e308]]]])
    P = Poset(4, [(3, 2)])
    for ret in (False, True):
        with pytest.raises(InvalidInputError, match="overflow"):
            poset_pool(x, P, return_argmax=ret)
    # float32: exact value 2**104 + ..., was returned as 0
    M = np.float32(3e38)
    x32 = np.array([[[[M, M], [-M, -M + np.float32(2.0 ** 104)]]]], dtype=np.float32)
    with pytest.raises(InvalidInputError, match="overflow"):
        poset_pool(x32, 13)
    # odd width (padded column) and the general k x k kernel
    with pytest.raises(InvalidInputError, match="overflow"):
        poset_pool(np.array([[[[1e308], [1e308]]]]), 1)
    with pytest.raises(InvalidInputError, match="overflow"):
        poset_pool(np.full((1, 1, 3, 3), 1e308), Poset(9), kernel_size=3)
    # large but safe values still pool
    assert poset_pool(np.full((1, 1, 2, 2), 1e300), 1)[0, 0, 0, 0] == 4e300


@pytest.mark.parametrize("layer", [MaxPool(), AvgPool(), GeMPool(), MixedPool(), StochasticMixedPool(seed=0)])
def test_baseline_backward_refuses_wrong_gradient_shape(layer):
    y = layer.forward(np.ones((1, 1, 2, 2)))
    assert layer.backward(np.ones_like(y)).shape == (1, 1, 2, 2)
    with pytest.raises(InvalidInputError, match="grad_out"):
        layer.backward(np.ones((1, 1, 1, 2)))  # GeM used to broadcast this silently


def test_poset_pool_backward_validates_shape_and_argmax():
    x = np.ones((1, 1, 2, 2))
    out, arg = poset_pool(x, 13, return_argmax=True)
    for shape in ((1, 1, 2.5, 2), None, "abcd", (1, 1, 2, True)):
        with pytest.raises(InvalidInputError, match="input_shape"):
            poset_pool_backward(out, arg, shape)
    with pytest.raises(InvalidInputError, match="argmax"):
        poset_pool_backward(out, arg.astype(np.int64) + 2 ** 40, x.shape)  # used to wrap to int32
    with pytest.raises(InvalidInputError, match="stride"):
        PosetPool(13, stride=0)
    with pytest.raises(InvalidInputError, match="max_upsets"):
        poset_pool(x, 13, max_upsets=0)  # used to fall back to the closure method silently
    with pytest.raises(InvalidInputError, match="x"):
        poset_filter_value(chain(2), ["a", "b"])


def test_tropical_polynomial_refuses_non_finite_points():
    F = TropicalPolynomial([[2], [0]], [0.0, 0.0])
    for v in (np.inf, -np.inf):
        with pytest.raises(InvalidInputError, match="x"):
            F(v)  # was NaN
    with pytest.raises(InvalidInputError, match="x"):
        F.argmax_terms([np.nan])  # was an empty index array
    with pytest.raises(InvalidInputError, match="x"):
        F.in_hypersurface([np.nan])  # was False
    with pytest.raises(InvalidInputError, match="coefficients"):
        TropicalPolynomial([[1]], ["a"])
    with pytest.raises(InvalidInputError, match="nvars"):
        TropicalPolynomial.constant(0.0, -1)
    assert F(np.zeros((0, 1))).shape == (0,)


def test_upper_hull_mask_validates():
    with pytest.raises(InvalidInputError, match="heights"):
        upper_hull_mask([[0], [1]], [np.nan, 0.0])
    with pytest.raises(InvalidInputError, match="heights"):
        upper_hull_mask([[0], [1]], [0.0])
    with pytest.raises(InvalidInputError, match="points"):
        upper_hull_mask([0, 1, 2], [0.0, 0.0, 0.0])
    with pytest.raises(InvalidInputError, match="tol"):
        upper_hull_mask([[0], [1]], [0.0, 0.0], tol=-1.0)


def test_nan_is_not_inside_or_a_support_value():
    op = order_polytope(chain(2))
    with pytest.raises(InvalidInputError, match="x"):
        op.contains([np.nan, np.nan])  # was True
    with pytest.raises(InvalidInputError, match="y"):
        op.support([np.nan, 0.0])  # was nan
    with pytest.raises(InvalidInputError, match="x"):
        filter_value(chain(2), [float("nan"), 1.0])  # was 1.0
    assert op.contains([0.25, 0.5]) and not op.contains([0.5, 0.25])


def test_constructors_and_rational_weights_validate():
    for make in (lambda: boolean_lattice(-1), lambda: boolean_lattice(1.5), lambda: grid(-1, 2),
                 lambda: fence(1.5), lambda: crown(-1), lambda: chain(-1)):
        with pytest.raises(InvalidInputError):
            make()
    with pytest.raises(InvalidInputError, match="perm"):
        chain(3).relabel(["a", "b", "c"])
    with pytest.raises(InvalidInputError, match="weights"):
        network_to_tropical([[[np.inf]]], [[0]], rational=True)


def test_common_denominator_overflow_is_refused_not_wrapped():
    A = TropicalPolynomial([[4], [0]], [0.0, 0.0])
    B = TropicalPolynomial([[1]], [0.0], denominator=2 ** 62)
    # 4 * 2**62 wrapped to 0 in int64: max(A, B)(1) came out as 2**-62 instead of 4
    with pytest.raises(InvalidInputError, match="overflow"):
        A.oplus(B)
    with pytest.raises(InvalidInputError, match="overflow"):
        A.otimes(B)
    assert A != B
    C = TropicalPolynomial([[1]], [0.0], denominator=3)
    assert A.oplus(C)(3.0) == 12.0 and A.otimes(C)(3.0) == 13.0


def test_small_cnn_validates_inputs():
    from mechkit.tropical.cnn import SmallCNN

    net = SmallCNN("poset12", n_filters=2, seed=0)
    X = np.zeros((3, 1, 8, 8))
    y = np.array([0, 1, 9])
    assert np.isfinite(net.loss(X, y))
    with pytest.raises(InvalidInputError, match="y"):
        net.loss(X, np.array([0, 1, 10]))  # label out of range (was an IndexError)
    with pytest.raises(InvalidInputError, match="y"):
        net.gradients(X, np.array([0, 1]))
    with pytest.raises(InvalidInputError, match="X"):
        net.predict(np.full((1, 1, 8, 8), np.nan))
    with pytest.raises(InvalidInputError, match="X"):
        net.predict(np.zeros((1, 8, 8)))
    with pytest.raises(InvalidInputError, match="lr"):
        net.train_step(X, y, lr=-1.0)


def test_chain_polytope_refuses_too_many_maximal_chains_early():
    from mechkit.tropical import antichain, chain_polytope

    p = antichain(2)
    for _ in range(21):
        p = p.ordinal_sum(antichain(2))  # 2**22 maximal chains, 67 antichains
    # the chains used to be enumerated in full (millions of lists) before the budget check
    with pytest.raises(InvalidInputError, match="max_facets"):
        chain_polytope(p, max_facets=1000)
    with pytest.raises(InvalidInputError, match="max_facets"):
        chain_polytope(p, max_facets=-1)
    assert chain_polytope(antichain(2).ordinal_sum(antichain(2))).num_facets == 4 + 4


def test_poset_helpers_validate():
    from mechkit.tropical import linear_region_bound, linear_regions_1d, map_posets

    p = chain(3)
    with pytest.raises(InvalidInputError, match="points"):
        p.induced([0, 0])  # used to return a 2-point antichain
    with pytest.raises(InvalidInputError, match="subset"):
        p.is_upset(3)
    for op in (p.disjoint_union, p.ordinal_sum):
        with pytest.raises(InvalidInputError, match="other"):
            op(3)
    with pytest.raises(InvalidInputError, match="fn"):
        map_posets(None, 2)
    with pytest.raises(InvalidInputError, match="hidden_widths"):
        linear_region_bound(1, None)
    with pytest.raises(InvalidInputError, match="domain"):
        linear_regions_1d([[[1]], [[1]]], [[0], [0]], domain=5)
    with pytest.raises(InvalidInputError, match="weights"):
        network_to_tropical(None, None)
    assert p.induced([2, 0]) == Poset(2, [(1, 0)])  # point 2 -> 0, point 0 -> 1


def test_gem_large_p_does_not_overflow():
    x = np.full((1, 1, 2, 2), 10.0)
    layer = GeMPool(p=400.0)
    y = layer.forward(x)  # x**400 overflowed: inf instead of 10
    assert y[0, 0, 0, 0] == pytest.approx(10.0, rel=1e-12)
    g = layer.backward(np.ones_like(y))
    assert np.allclose(g, 0.25)
    # generic p against the textbook formula
    z = np.array([[[[0.5, 2.0], [1.0, 3.0]]]])
    gem = GeMPool(p=3.0)
    assert gem.forward(z)[0, 0, 0, 0] == pytest.approx(np.mean(z.ravel() ** 3) ** (1 / 3), rel=1e-12)


def test_upper_hull_lp_failure_raises(monkeypatch):
    import scipy.optimize

    from mechkit.errors import SolverError

    class _Failed:
        status = 4
        message = "numerical difficulties"
        fun = 0.0

    monkeypatch.setattr(scipy.optimize, "linprog", lambda *a, **k: _Failed())
    # a failed margin LP used to mark the term redundant (silently dropping it)
    with pytest.raises(SolverError, match="status 4"):
        upper_hull_mask([[0], [1], [2]], [0.0, 1.0, 0.0], method="lp")
