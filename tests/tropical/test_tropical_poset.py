"""Posets: closure, covers, up-sets, canonical forms, isomorphism classes, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.tropical import (
    FOUR_POINT_COVERS,
    Poset,
    antichain,
    boolean_lattice,
    chain,
    crown,
    fence,
    four_point_poset,
    grid,
    map_posets,
    posets_up_to_isomorphism,
)
from tests.tropical.oracles import closure_pairs, isomorphic_brute, upsets_brute

# The reference code's dict_posets coefficient lists (poset_utils.py), transcribed.
REFERENCE_UPSETS = {
    15: ["0000", "0001", "0101", "0011", "1011", "0111", "1111"],
    14: ["0000", "0001", "0101", "0011", "0111", "1111"],
    13: ["0000", "0001", "0011", "0111", "1111"],
    12: ["0000", "0001", "0100", "0101", "1100", "0111", "1101", "1111"],
    11: ["0000", "0010", "0001", "0011", "1011", "0111", "1111"],
    10: ["0000", "0100", "0001", "0101", "0011", "0111", "1111"],
    9: ["0000", "0100", "0010", "0001", "0110", "0101", "0011", "0111", "1111"],
    8: ["0000", "0010", "0001", "0110", "0011", "1110", "0111", "1111"],
    7: ["0000", "0010", "0001", "0011", "0111", "1111"],
    6: ["0000", "0100", "0001", "1100", "0101", "0011", "1101", "0111", "1111"],
    5: ["0000", "0100", "0010", "0001", "0110", "0101", "0011", "1110", "0111", "1111"],
    4: ["0000", "0010", "0001", "1010", "0110", "0011", "1110", "1011", "0111", "1111"],
    3: ["0000", "0001", "0011", "1011", "0111", "1111"],
    2: ["0000", "0100", "0010", "0001", "1100", "0110", "0101", "0011", "1110", "1101",
        "0111", "1111"],
    1: [format(m, "04b")[::-1] for m in range(16)],
    0: ["0000", "0001", "1001", "0101", "0011", "1101", "1011", "0111", "1111"],
}


@st.composite
def random_posets(draw, max_n=6):
    n = draw(st.integers(0, max_n))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=len(pairs), unique=True)) if pairs else []
    perm = draw(st.permutations(range(n)))
    return Poset(n, [(perm[a], perm[b]) for a, b in chosen])


def test_isomorphism_class_counts():
    # OEIS A000112: 1, 1, 2, 5, 16, 63, 318
    assert [len(posets_up_to_isomorphism(n)) for n in range(7)] == [1, 1, 2, 5, 16, 63, 318]


def test_labelled_counts_by_orbit_stabiliser():
    # OEIS A001035: labelled posets 1, 1, 3, 19, 219, 4231, 130023 = sum n!/|Aut|
    got = [sum(math.factorial(n) // p.automorphism_count() for p in posets_up_to_isomorphism(n))
           for n in range(7)]
    assert got == [1, 1, 3, 19, 219, 4231, 130023]


def test_classes_are_pairwise_non_isomorphic_n4():
    classes = posets_up_to_isomorphism(4)
    for a in range(len(classes)):
        for b in range(a + 1, len(classes)):
            assert not isomorphic_brute(4, classes[a].relations, classes[b].relations)


def test_four_point_posets_match_reference_upsets_and_cover_all_classes():
    for idx in range(16):
        p = four_point_poset(idx)
        ups = {frozenset(i for i in range(4) if s[i] == "1") for s in REFERENCE_UPSETS[idx]}
        assert set(p.upsets()) == ups, idx
        assert p == Poset.from_upsets(4, [[int(c) for c in s] for s in REFERENCE_UPSETS[idx]])
    keys = {four_point_poset(i).canonical_key() for i in range(16)}
    assert keys == {p.canonical_key() for p in posets_up_to_isomorphism(4)}
    assert [four_point_poset(i).num_upsets() for i in range(16)] == [
        9, 16, 12, 6, 10, 10, 9, 6, 8, 9, 7, 7, 8, 5, 6, 7]
    assert FOUR_POINT_COVERS[12] == ((0, 1), (2, 1), (2, 3))


def test_only_n_is_not_series_parallel():
    assert [i for i in range(16) if not four_point_poset(i).is_series_parallel()] == [12]


@settings(max_examples=60)
@given(random_posets())
def test_closure_covers_upsets_match_brute_force(p):
    rel = closure_pairs(p.n, p.relations)
    assert set(p.relations) == rel
    # covers: a < b with no c in between
    covers = {(a, b) for a, b in rel if not any((a, c) in rel and (c, b) in rel for c in range(p.n))}
    assert set(p.covers) == covers
    assert Poset(p.n, p.covers) == p
    assert set(p.upsets()) == set(upsets_brute(p.n, rel))
    assert {frozenset(range(p.n)) - d for d in p.downsets()} == set(p.upsets())
    assert p.num_upsets() == len(upsets_brute(p.n, rel))
    assert p.dual().dual() == p
    assert all(p.is_upset(u) for u in p.upsets())


@settings(max_examples=60)
@given(random_posets(max_n=6), st.randoms(use_true_random=False))
def test_canonical_form_is_relabelling_invariant(p, rnd):
    perm = list(range(p.n))
    rnd.shuffle(perm)
    q = p.relabel(perm)
    assert q.canonical_key() == p.canonical_key()
    assert q.canonical_form() == p.canonical_form()
    assert p.canonical_form().is_isomorphic(p)
    # the canonical representative is naturally labelled (a < b only if label a < label b)
    assert all(a < b for a, b in p.canonical_form().relations)


@settings(max_examples=40)
@given(random_posets(max_n=5), random_posets(max_n=5))
def test_isomorphism_agrees_with_brute_force(p, q):
    if p.n == q.n:
        assert p.is_isomorphic(q) == isomorphic_brute(p.n, p.relations, q.relations)


@settings(max_examples=60)
@given(random_posets(max_n=6))
def test_from_upsets_round_trip(p):
    # O(P) determines P: vertices -> relations
    assert Poset.from_upsets(p.n, p.upset_matrix()) == p
    assert Poset.from_upsets(p.n, list(p.upsets())) == p


def test_dedekind_numbers_and_named_posets():
    assert [boolean_lattice(k).num_upsets() for k in range(6)] == [2, 3, 6, 20, 168, 7581]
    assert fence(5).covers == ((0, 1), (2, 1), (2, 3), (4, 3))
    assert crown(3).num_upsets() == len(upsets_brute(6, crown(3).relations))
    assert grid(2, 3).n == 6 and chain(4).num_upsets() == 5 and antichain(4).num_upsets() == 16


def test_degenerate_n0():
    p = Poset(0)
    assert p.num_upsets() == 1 and list(p.upsets()) == [frozenset()]
    assert p.canonical_key() == (0, b"")


def test_duplicate_pairs_are_deduplicated():
    assert Poset(3, [(0, 1), (0, 1), (1, 2)]) == chain(3)


def test_map_posets_with_executor():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as ex:
        got = map_posets(Poset.num_upsets, 3, executor=ex)
    assert got == map_posets(Poset.num_upsets, 3)


def test_ordinal_and_disjoint_sums():
    p = chain(2).ordinal_sum(antichain(2))
    assert p.covers == ((0, 1), (1, 2), (1, 3))
    assert p.is_isomorphic(four_point_poset(7))
    assert chain(2).disjoint_union(chain(2)).is_isomorphic(four_point_poset(6))
    assert four_point_poset(12).ordinal_components() == [[0, 1, 2, 3]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((3, [(0, 1), (1, 2), (2, 0)]), "relations: contain the cycle 0 < 1 < 2 < 0"),
        ((2, [(0, 1), (1, 0)]), "relations: contain the cycle 0 < 1 < 0"),
        ((2, [(1, 1)]), "relations: self-pair (1, 1) at entry 0; a strict order is irreflexive"),
        ((2, [(0, 2)]), "relations: labels must lie in [0, 1]; entry 0 has 2"),
        ((2, [(0, -1)]), "relations: labels must lie in [0, 1]; entry 0 has -1"),
        ((2, [(0, 1.5)]), "relations: labels must be integers in [0, 1]; entry 0 has 1.5"),
        ((2, [(0, True)]), "relations: labels must be integers"),
        ((2, [(0, 1, 2)]), "relations: each relation must be a pair (a, b)"),
        ((-1, []), "n: must be a non-negative integer; got -1"),
        ((2.0, []), "n: must be a non-negative integer; got 2.0"),
    ],
)
def test_bad_relations(args, message):
    with pytest.raises(InvalidInputError) as err:
        Poset(*args)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("family", "message"),
    [
        ([[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 1, 1]],
         "family: not closed under union: {0} ∪ {1} = {0, 1} is missing"),
        ([[0, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 1]],
         "family: not closed under intersection: {0, 1} ∩ {1, 2} = {1} is missing"),
        ([[0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]], "family: duplicate member [] at rows 0 and 2"),
        ([[0, 0, 0, 0], [0, 2, 0, 0], [1, 1, 1, 1]], "family: entries must be 0 or 1; entry (1, 1) is"),
        ([[0, 0, 0, 1], [1, 1, 1, 1]], "family: must contain the empty set"),
        ([[0, 0, 0, 0], [0, 0, 0, 1]], "family: must contain the full set {0, 1, 2, 3}"),
        ([[0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]], "family: points 0 and 1 always appear together"),
        ([[0, 0, 0], [1, 1, 1]], "family: 0/1 rows must have length n=4"),
        ([[0.5, 0, 0, 0]], "family: entries must be 0 or 1; entry (0, 0) is 0.5"),
    ],
)
def test_bad_families(family, message):
    with pytest.raises(InvalidInputError) as err:
        Poset.from_upsets(4, family)
    assert message in str(err.value)


def test_budgets_refuse_instead_of_hanging():
    with pytest.raises(InvalidInputError, match="more than max_count=100 down-sets"):
        antichain(10).upset_masks(max_count=100)
    with pytest.raises(InvalidInputError, match="at most 62 points"):
        antichain(63).num_upsets()
    with pytest.raises(InvalidInputError, match="canonical form would try"):
        antichain(12).canonical_key()
    with pytest.raises(InvalidInputError, match="n: must be an integer in"):
        posets_up_to_isomorphism(8)
    with pytest.raises(InvalidInputError, match=r"index: must be an integer in \[0, 15\]"):
        four_point_poset(16)


def test_less_matrix_and_queries():
    p = four_point_poset(12)
    m = p.less_matrix()
    assert m.dtype == np.bool_ and m.sum() == 3
    assert p.less(2, 1) and not p.less(1, 2)
    with pytest.raises(InvalidInputError, match="argument a"):
        p.less(9, 1)
