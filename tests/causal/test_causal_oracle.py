"""The d-separation plate oracle: the design note's truth table and exact population recovery."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.causal import (
    all_dags,
    bivariate_direction,
    d_separation,
    discover,
    named_dag,
    plate_graph,
)
from mechkit.errors import InvalidInputError
from tests.causal.oracles import moral_d_separated

X1, X2, Y1, Y2 = (0, 0), (0, 1), (1, 0), (1, 1)

# Design note a.2: statement -> (X->Y, Y->X, no edge, X->Y with no variation).
TRUTH_TABLE = {
    (X1, Y2, (X2,)): (True, False, True, True),
    (Y1, X2, (Y2,)): (False, True, True, True),
    (X1, Y1, ()): (False, False, True, False),
    (X1, X2, ()): (False, False, False, True),
}


@pytest.mark.parametrize("statement", list(TRUTH_TABLE))
def test_bivariate_truth_table(statement):
    x, y, z = statement
    oracles = [d_separation([(0, 1)], d=2), d_separation([(1, 0)], d=2),
               d_separation([], d=2), d_separation([(0, 1)], d=2, varying=())]
    got = tuple(o.test(x, y, z).p_value == 1.0 for o in oracles)
    assert got == TRUTH_TABLE[statement]


def test_conditioning_on_y1_opens_the_collider():
    # X1 _||_ Y2 | X2, Y1 fails under X -> Y: Y1 is a collider with theta_Y.
    assert d_separation([(0, 1)], d=2).test(X1, Y2, [X2, Y1]).p_value == 0.0


@pytest.mark.parametrize("varying", [(0,), (1,)])
def test_one_varying_mechanism_suffices(varying):
    oracle = d_separation([(0, 1)], d=2, varying=varying)
    assert bivariate_direction(oracle).direction == "X->Y"
    assert bivariate_direction(d_separation([(1, 0)], d=2, varying=varying)).direction == "Y->X"


@pytest.mark.parametrize(("edges", "expected"), [([(0, 1)], "X->Y"), ([(1, 0)], "Y->X"), ([], "none")])
def test_bivariate_with_oracle_is_exact(edges, expected):
    for strict in (False, True):
        res = bivariate_direction(d_separation(edges, d=2), strict=strict)
        assert res.direction == expected and res.trustworthy


def test_bivariate_oracle_iid_is_flagged():
    res = bivariate_direction(d_separation([(0, 1)], d=2, varying=()))
    assert res.rule == "argmax" and "no_between_env_variation" in res.flags
    strict = bivariate_direction(d_separation([(0, 1)], d=2, varying=()), strict=True)
    assert strict.direction == "undetermined"


@pytest.mark.parametrize("d", [2, 3, 4])
def test_discover_recovers_every_labelled_dag(d):
    count = 0
    for g in all_dags(d):
        res = discover(d_separation(g))
        assert sorted(res.graph.edges) == sorted(g.edges), sorted(g.edges)
        assert res.trustworthy and not res.forced
        # Layers are a valid sink decomposition: every edge points to an earlier layer.
        layer_of = {v: t for t, lay in enumerate(res.layers) for v in lay}
        assert all(layer_of[u] > layer_of[v] for u, v in g.edges)
        count += 1
    assert count == {2: 3, 3: 25, 4: 543}[d]


def test_discover_flags_iid_population():
    res = discover(d_separation(named_dag("chain3"), varying=()))
    assert not res.trustworthy
    assert {"no_between_env_variation", "same_layer_dependence"} <= set(res.flags)
    assert len(res.layers) == 1


def test_discover_flags_partial_variation():
    # Design note a.5.2: chain 0 -> 1 -> 2 with only theta_0 varying gives a wrong graph,
    # caught by the same-layer check.
    res = discover(d_separation(named_dag("chain3"), varying=(0,)))
    assert sorted(res.graph.edges) != [(0, 1), (1, 2)]
    assert "same_layer_dependence" in res.flags and not res.trustworthy


@st.composite
def dag_and_query(draw):
    d = draw(st.integers(2, 4))
    pairs = list(itertools.combinations(range(d), 2))
    edges = [(u, v) if draw(st.booleans()) else (v, u)
             for (u, v) in pairs if draw(st.booleans())]
    order = draw(st.permutations(range(d)))
    edges = [(u, v) if order.index(u) < order.index(v) else (v, u) for u, v in edges]
    m = draw(st.integers(2, 3))
    varying = draw(st.sets(st.integers(0, d - 1)))
    nodes = [(i, s) for i in range(d) for s in range(m)]
    x, y = draw(st.lists(st.sampled_from(nodes), min_size=2, max_size=2, unique=True))
    z = draw(st.sets(st.sampled_from([v for v in nodes if v not in (x, y)]), max_size=4))
    return edges, d, m, varying, x, y, z


@settings(max_examples=60)
@given(dag_and_query())
def test_plate_oracle_agrees_with_moral_graph_criterion(case):
    edges, d, m, varying, x, y, z = case
    oracle = d_separation(edges, n_samples=m, varying=varying, d=d)
    plate = plate_graph(edges, m, varying, d=d)
    expected = moral_d_separated(plate, x, y, z)
    assert (oracle.test(x, y, sorted(z)).p_value == 1.0) == expected


def test_plate_graph_structure():
    g = plate_graph(named_dag("fork3"), n_samples=3)
    assert g.number_of_nodes() == 3 * 3 + 3
    assert not any(a[1] != b[1] for a, b in g.edges if a[0] != "theta")  # no cross-sample edges
    assert nx.is_directed_acyclic_graph(g)


def test_oracle_bad_queries():
    o = d_separation([(0, 1)], d=2)
    with pytest.raises(InvalidInputError, match="x, y and z must be disjoint"):
        o.test(X1, X1)
    with pytest.raises(InvalidInputError, match="out of range for d=2, m=2"):
        o.test(X1, (2, 0))
    with pytest.raises(InvalidInputError, match="must be a \\(variable, sample\\) pair"):
        o.test(X1, "Y")
    with pytest.raises(InvalidInputError, match="dag: must be acyclic; found the cycle"):
        d_separation([(0, 1), (1, 2), (2, 0)])
    with pytest.raises(InvalidInputError, match="varying: unknown variables \\[5\\]"):
        d_separation([(0, 1)], varying=(5,))
    with pytest.raises(InvalidInputError, match="'d_separation' is an oracle"):
        discover(np.random.default_rng(0).normal(size=(10, 2, 2)), test="d_separation")


def test_partial_variation_never_trusted_when_wrong_d3():
    # Regression: chain 0 -> 2 -> 1 with only theta_1 varying gave 2 -> 0, 2 -> 1 marked
    # trustworthy (the same-layer check cannot see it).  Over every 3-node DAG and every
    # set of varying mechanisms, a wrong graph must be flagged.
    for g in all_dags(3):
        for r in range(4):
            for var in itertools.combinations(range(3), r):
                res = discover(d_separation(g, varying=var))
                if sorted(res.graph.edges) != sorted(g.edges):
                    assert not res.trustworthy, (sorted(g.edges), var)
    res = discover(d_separation([(0, 2), (2, 1)], d=3, varying=(1,)))
    assert "partial_variation" in res.flags and not res.trustworthy
