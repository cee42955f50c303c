"""Linear extensions (numba DP), order and chain polytopes, Ehrhart values."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.tropical import (
    Poset,
    antichain,
    boolean_lattice,
    chain,
    chain_polytope,
    crown,
    ehrhart_values,
    fence,
    four_point_poset,
    grid,
    linear_extensions_count,
    order_polytope,
    posets_up_to_isomorphism,
)
from solvers.linext import count_linext_limbs, enumerate_downsets, limbs_to_int
from tests.tropical.oracles import (
    euler_zigzag,
    hook_length_syt,
    lattice_points_brute,
    linext_brute,
    linext_python_dp,
    upsets_brute,
)


@st.composite
def random_posets(draw, max_n=7):
    n = draw(st.integers(0, max_n))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=len(pairs), unique=True)) if pairs else []
    perm = draw(st.permutations(range(n)))
    return Poset(n, [(perm[a], perm[b]) for a, b in chosen])


@settings(max_examples=80)
@given(random_posets())
def test_linear_extensions_match_permutation_oracle(p):
    brute = linext_brute(p.n, p.relations)
    assert linear_extensions_count(p) == brute
    assert linear_extensions_count(p, method="dp") == brute


@settings(max_examples=40)
@given(random_posets(max_n=6))
def test_kernels_equal_py_func(p):
    below = np.array(p.below, dtype=np.int64)
    order = np.array(p.linear_extension(), dtype=np.int64)
    d1, ok1 = enumerate_downsets(below, order, 10_000)
    d2, ok2 = enumerate_downsets.py_func(below, order, 10_000)
    assert ok1 and ok2 and np.array_equal(d1, d2)
    above = np.array(p.above, dtype=np.int64)
    l1 = count_linext_limbs(d1, above, 2)
    l2 = count_linext_limbs.py_func(d2, above, 2)
    assert np.array_equal(l1, l2)
    assert limbs_to_int(l1) == linext_python_dp(p.n, p.above)


def test_big_counts_are_exact_python_ints():
    # 30! needs two 62-bit limbs; the DP (no decomposition) must carry exactly
    assert linear_extensions_count(antichain(18), method="dp") == math.factorial(18)
    assert linear_extensions_count(antichain(40)) == math.factorial(40)
    p = antichain(3).ordinal_sum(antichain(20))
    assert linear_extensions_count(p) == math.factorial(3) * math.factorial(20)


def test_closed_forms():
    assert linear_extensions_count(chain(9)) == 1
    assert [linear_extensions_count(fence(n)) for n in range(1, 10)] == euler_zigzag(10)[1:]
    assert [linear_extensions_count(fence(n)) for n in range(1, 8)] == [1, 1, 2, 5, 16, 61, 272]
    for a, b in [(2, 3), (3, 3), (3, 4), (2, 7)]:
        assert linear_extensions_count(grid(a, b)) == hook_length_syt(a, b)
    catalan = [math.comb(2 * n, n) // (n + 1) for n in range(1, 10)]
    assert [linear_extensions_count(grid(2, n)) for n in range(1, 10)] == catalan
    assert linear_extensions_count(grid(3, 3)) == 42
    assert linear_extensions_count(boolean_lattice(3)) == 48
    assert linear_extensions_count(boolean_lattice(4)) == 1_680_384
    assert linear_extensions_count(crown(3)) == 48


def test_reference_volumes():
    assert order_polytope(chain(4)).volume == Fraction(1, 24)
    assert order_polytope(antichain(4)).volume == 1
    assert order_polytope(four_point_poset(12)).volume == Fraction(5, 24)
    assert order_polytope(four_point_poset(14)).volume == Fraction(1, 12)
    assert order_polytope(grid(2, 3)).volume == Fraction(1, 144)
    assert order_polytope(fence(5)).volume == Fraction(2, 15)
    assert order_polytope(crown(3)).volume == Fraction(1, 15)
    assert order_polytope(boolean_lattice(3)).volume == Fraction(1, 840)
    assert boolean_lattice(3).num_upsets() == 20
    assert order_polytope(Poset(0)).volume == 1


def _is_facet(A_row, rhs, verts):
    tight = [v for v in verts if sum(a * x for a, x in zip(A_row, v, strict=False)) == rhs]
    if not tight:
        return False
    n = len(A_row)
    M = np.array([[*list(v), 1] for v in tight], dtype=float)
    return np.linalg.matrix_rank(M) == n  # n affinely independent tight vertices


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_order_polytope_facts_all_small_posets(n):
    for p in posets_up_to_isomorphism(n):
        Op = order_polytope(p)
        rel = p.relations
        # vertices = up-set indicators = the 0/1 points of O(P)
        verts = {tuple(int(v) for v in row) for row in Op.vertices}
        zero_one = {x for x in itertools.product((0, 1), repeat=n)
                    if all(x[a] <= x[b] for a, b in rel)}
        assert verts == zero_one
        assert len(verts) == len(upsets_brute(n, rel))
        # facets: covers + minimal + maximal, each a genuine facet, none duplicated
        assert Op.num_facets == len(p.covers) + len(p.minimal()) + len(p.maximal())
        rows = {tuple(r) for r in Op.A.tolist()}
        assert len(rows) == Op.num_facets
        for row, rhs in zip(Op.A.tolist(), Op.b.tolist(), strict=False):
            assert _is_facet(row, rhs, verts)
        assert all(Op.contains(v) for v in verts)
        assert Op.volume == Fraction(linext_brute(n, rel), math.factorial(n))
        C = chain_polytope(p)
        assert C.volume == Op.volume
        for row, rhs in zip(C.A.tolist(), C.b.tolist(), strict=False):
            assert _is_facet(row, rhs, {tuple(int(v) for v in r) for r in C.vertices})


def test_qhull_volume_cross_check():
    from scipy.spatial import ConvexHull

    for p in posets_up_to_isomorphism(4)[:8]:
        Op = order_polytope(p)
        assert abs(ConvexHull(Op.vertices.astype(float)).volume - float(Op.volume)) < 1e-12


@pytest.mark.parametrize("n", [1, 2, 3])
def test_ehrhart_against_lattice_point_count(n):
    for p in posets_up_to_isomorphism(n):
        Op = order_polytope(p)
        C = chain_polytope(p)
        vals = ehrhart_values(p, 3)
        for m in range(4):
            assert vals[m] == lattice_points_brute(Op.A.tolist(), Op.b.tolist(), m, n)
            assert vals[m] == lattice_points_brute(C.A.tolist(), C.b.tolist(), m, n)


def test_ehrhart_closed_forms():
    assert ehrhart_values(antichain(3), 5) == [(m + 1) ** 3 for m in range(6)]
    assert ehrhart_values(chain(4), 5) == [math.comb(m + 4, 4) for m in range(6)]
    assert ehrhart_values(four_point_poset(12), 1)[1] == 8  # m = 1: number of up-sets
    assert order_polytope(chain(3)).ehrhart(2) == math.comb(5, 3)


def test_chain_polytope_vertices_are_antichains():
    p = four_point_poset(12)
    C = chain_polytope(p)
    ants = {tuple(int(v) for v in row) for row in C.vertices}
    rel = set(p.relations)
    brute = {x for x in itertools.product((0, 1), repeat=4)
             if not any(x[a] and x[b] for a, b in rel)}
    assert ants == brute
    assert C.num_facets == 4 + 3  # x_i >= 0 and the maximal chains 0<1, 2<1, 2<3
    assert "x0 + x1 <= 1" in C.facet_names


def test_to_dict_and_repr():
    Op = order_polytope(four_point_poset(13))
    assert Op.to_dict()["volume"] == "1/24"
    assert "volume=1/24" in repr(Op)


def test_bad_inputs():
    with pytest.raises(InvalidInputError, match=r"poset: must be a mechkit\.tropical\.Poset"):
        linear_extensions_count([(0, 1)])
    with pytest.raises(InvalidInputError, match="method: must be one of 'auto', 'dp'"):
        linear_extensions_count(chain(3), method="brute")
    with pytest.raises(InvalidInputError, match="more than max_downsets=50 down-sets"):
        linear_extensions_count(antichain(8), method="dp", max_downsets=50)
    with pytest.raises(InvalidInputError, match="x: must have length 4"):
        order_polytope(chain(4)).contains([0, 1])


def _vertex_volume_check(n):
    for p in posets_up_to_isomorphism(n):
        Op = order_polytope(p)
        rel = p.relations
        verts = {tuple(int(v) for v in row) for row in Op.vertices}
        zero_one = {x for x in itertools.product((0, 1), repeat=n)
                    if all(x[a] <= x[b] for a, b in rel)}
        assert verts == zero_one
        assert Op.volume == Fraction(linext_brute(n, rel), math.factorial(n))


def test_vertices_and_volume_all_5_point_posets():
    _vertex_volume_check(5)


@pytest.mark.slow
def test_vertices_and_volume_all_6_point_posets():
    _vertex_volume_check(6)
