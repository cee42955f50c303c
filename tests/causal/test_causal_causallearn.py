"""Agreement with causal-learn (the ``causal`` extra) and the pooled-row baselines PC, FCI, GES, CD-NOD.

causal-learn is a test dependency (``mechkit[dev]`` includes ``causal``): nothing here is skipped.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from causallearn.utils.cit import CIT
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.causal import (
    ExchangeableData,
    all_dags,
    discover,
    fisher_z,
    g_test,
    make_tester,
    named_dag,
    normalised_shd,
    shd,
    simulate_binary_xor,
    simulate_gaussian,
)
from mechkit.causal.baselines import (
    BASELINES,
    BaselineResult,
    CausalLearnTester,
    pooled_rows,
    run_baseline,
)
from mechkit.errors import InvalidInputError

# ----------------------------------------------------------------------------- CI tests


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 4), st.integers(10, 400))
def test_fisher_z_p_values_match_causallearn(seed, k, n):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k))
    x = z @ rng.normal(size=k) + rng.normal(size=n)
    y = rng.uniform(-0.3, 0.3) * x + z @ rng.normal(size=k) + rng.normal(size=n)
    data = np.column_stack([x, y, z])
    cit = CIT(data, "fisherz")
    assert abs(fisher_z(x, y, z).p_value - cit(0, 1, list(range(2, 2 + k)))) < 1e-10


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 2), st.integers(2, 4), st.integers(30, 600))
def test_g_test_p_values_match_causallearn_gsq(seed, k, levels, n):
    # df="observed" is causal-learn's convention: sum over strata of (r_s - 1)(c_s - 1).
    rng = np.random.default_rng(seed)
    z = rng.integers(0, levels, size=(n, k))
    x = (rng.integers(0, levels, n) + (z.sum(1) if k else 0)) % levels
    y = np.where(rng.random(n) < 0.3, x, rng.integers(0, levels, n))
    if len(set(x.tolist())) < 2 or len(set(y.tolist())) < 2:
        return
    data = np.column_stack([x, y, z]).astype(float)
    ours = g_test(x, y, z if k else None, df="observed", min_expected=0.0)
    theirs = CIT(data, "gsq")(0, 1, list(range(2, 2 + k)))
    assert abs(ours.p_value - theirs) < 1e-10


def test_g_test_sparse_strata_match_causallearn():
    # Strata where some levels of x or y never occur: the "observed" df drops them, as causal-learn does.
    rng = np.random.default_rng(5)
    n = 400
    z = rng.integers(0, 3, size=(n, 2))
    x = np.where(z[:, 0] == 0, 0, rng.integers(0, 3, n))          # x constant in stratum z0 = 0
    y = np.where(z[:, 1] == 2, 1, rng.integers(0, 2, n))          # y constant in stratum z1 = 2
    ours = g_test(x, y, z, df="observed", min_expected=0.0)
    theirs = CIT(np.column_stack([x, y, z]).astype(float), "gsq")(0, 1, [2, 3])
    assert ours.df < 2 * 1 * 9  # strictly fewer than the "levels" df
    assert abs(ours.p_value - theirs) < 1e-10


@pytest.mark.parametrize(("k", "n"), [(0, 80), (0, 260), (1, 120), (2, 150)])
def test_kci_matches_causallearn_kci(k, n):
    rng = np.random.default_rng(100 + 7 * k + n)
    z = rng.normal(size=(n, k))
    x = np.sin(z.sum(1)) + 0.5 * rng.normal(size=n)
    y = np.cos(z.sum(1)) + 0.2 * x + 0.5 * rng.normal(size=n)
    data = np.column_stack([x, y, z])
    theirs = CIT(data, "kci")(0, 1, list(range(2, 2 + k)))
    from mechkit.causal import kci

    assert abs(kci(x, y, z if k else None).p_value - theirs) < 1e-8


def test_query_level_tester_matches_causallearn_on_the_pair_design():
    sim = simulate_gaussian(named_dag("diamond4"), 800, seed=3)
    ours = make_tester(sim.data, "fisher_z")
    theirs = CausalLearnTester(sim.data, "fisher_z")
    nodes = [(i, s) for s in range(2) for i in range(4)]
    for x, y in itertools.combinations(nodes, 2):
        rest = [v for v in nodes if v not in (x, y)]
        for z in ([], rest[:1], rest[:3]):
            assert abs(ours.test(x, y, z).p_value - theirs.test(x, y, z).p_value) < 1e-10


def test_query_level_g_test_matches_causallearn_gsq_on_binary_data():
    sim = simulate_binary_xor(named_dag("full3"), 1500, seed=2)
    ours = make_tester(sim.data, "g_test", df="observed", min_expected=0.0)
    theirs = CausalLearnTester(sim.data, "g_test")
    nodes = [(i, s) for s in range(2) for i in range(3)]
    for x, y in itertools.combinations(nodes, 2):
        rest = [v for v in nodes if v not in (x, y)]
        for z in ([], rest[:2]):
            assert abs(ours.test(x, y, z).p_value - theirs.test(x, y, z).p_value) < 1e-10


@pytest.mark.parametrize("name", ["chain3", "collider3", "diamond4", "y5"])
def test_discover_on_causallearn_tests_gives_the_same_graph(name):
    sim = simulate_gaussian(named_dag(name), 3000, seed=11)
    ours = discover(sim.data)
    theirs = discover(CausalLearnTester(sim.data))
    assert sorted(ours.graph.edges) == sorted(theirs.graph.edges)
    assert ours.layers == theirs.layers
    assert ours.p_values.keys() == theirs.p_values.keys()
    for phase, table in ours.p_values.items():
        assert table.keys() == theirs.p_values[phase].keys()
        for key, p in table.items():
            assert abs(p - theirs.p_values[phase][key]) < 1e-10, (phase, key)


# ----------------------------------------------------------------------------- baselines


def test_registry_lists_the_four_baselines():
    assert sorted(BASELINES.names()) == ["cdnod", "fci", "ges", "pc"]
    assert {n: BASELINES.metadata(n)["identifies"] for n in BASELINES.names()} == {
        "pc": "CPDAG", "fci": "PAG", "ges": "CPDAG", "cdnod": "CPDAG"}


def test_pooled_rows_are_environment_major():
    vals = np.random.default_rng(0).normal(size=(5, 3, 2))
    rows, env = pooled_rows(vals)
    assert np.array_equal(rows[3:6], vals[1])
    assert env.tolist() == [float(e) for e in range(5) for _ in range(3)]


def _cpdag_by_brute_force(dag):
    """Compelled edges = those with the same direction in every Markov-equivalent DAG.

    Markov equivalence = same skeleton and same v-structures (Verma-Pearl); every orientation
    of the skeleton is enumerated.
    """
    def vstructs(g):
        skel = {frozenset(e) for e in g.edges}
        return {(a, c, b) for b in g for a, c in itertools.combinations(sorted(g.predecessors(b)), 2)
                if frozenset((a, c)) not in skel}

    target = vstructs(dag)
    edges = sorted(dag.edges)
    eq = []
    for flips in itertools.product((False, True), repeat=len(edges)):
        g = nx.DiGraph()
        g.add_nodes_from(dag.nodes)
        g.add_edges_from((v, u) if f else (u, v) for (u, v), f in zip(edges, flips, strict=True))
        if nx.is_directed_acyclic_graph(g) and vstructs(g) == target:
            eq.append(g)
    return {e for e in dag.edges if all(g.has_edge(*e) for g in eq)}


@pytest.mark.parametrize("name", ["chain3", "collider3", "diamond4", "y5"])
@pytest.mark.parametrize("method", ["pc", "ges"])
def test_pc_and_ges_recover_the_cpdag_at_large_n(name, method):
    g = named_dag(name)
    sim = simulate_gaussian(g, 5000, seed=1)
    res = run_baseline(sim.data, method)
    assert res.n_rows == 10_000
    assert {frozenset(e[:2]) for e in res.edges} == {frozenset(e) for e in g.edges}  # skeleton
    compelled = _cpdag_by_brute_force(g)
    assert set(res.directed_edges) == compelled
    # SHD to the true DAG charges exactly the orientations the class cannot determine.
    assert shd(g, res) == g.number_of_edges() - len(compelled)


def test_fci_returns_a_pag_with_the_right_skeleton_and_collider():
    g = named_dag("collider3")
    res = run_baseline(simulate_gaussian(g, 5000, seed=2).data, "fci")
    assert res.identifies == "PAG"
    assert sorted((u, v, mu, mv) for u, v, mu, mv in res.edges) == [
        (0, 2, "circle", "arrow"), (1, 2, "circle", "arrow")]
    assert shd(g, res) == 2 and res.undirected_edges == ((0, 2), (1, 2))


def _trend_data(n_env, seed):
    """X's mechanism drifts linearly with the environment index; Y = X + noise (X -> Y)."""
    rng = np.random.default_rng(seed)
    theta = np.linspace(-2.0, 2.0, n_env)[:, None]
    x = theta + rng.normal(size=(n_env, 2))
    y = x + rng.normal(size=(n_env, 2))
    return ExchangeableData(np.stack([x, y], axis=2))


def test_cdnod_uses_the_environment_index_as_context():
    # C -> X - Y with C _||_ Y | X: the context edge orients X -> Y (Meek rule 1).
    res = run_baseline(_trend_data(2000, 0), "cdnod")
    assert res.changing == (0,)
    assert res.directed_edges == ((0, 1),)
    assert shd([(0, 1)], res) == 0
    # PC on the same pooled rows cannot orient the single edge.
    pc = run_baseline(_trend_data(2000, 0), "pc")
    assert pc.undirected_edges == ((0, 1),) and pc.changing == ()


def test_cdnod_and_discover_are_compared_by_the_same_metrics():
    g = named_dag("y5")
    sim = simulate_gaussian(g, 4000, seed=4)
    ours = discover(sim.data)
    base = run_baseline(sim.data, "cdnod")
    assert shd(g, ours) == shd(g, ours.graph)
    assert normalised_shd(g, ours) == normalised_shd(g, ours.graph)
    assert 0 <= shd(g, base) <= g.number_of_edges() + 10
    assert 0.0 <= normalised_shd(g, base) <= 1.0


def test_g_test_baseline_on_binary_data():
    g = named_dag("collider3")
    res = run_baseline(simulate_binary_xor(g, 3000, seed=0).data, "pc", test="g_test")
    assert res.metadata["causal_learn_test"] == "gsq"
    assert {frozenset(e[:2]) for e in res.edges} <= {frozenset(e) for e in itertools.combinations(range(3), 2)}


@pytest.mark.parametrize("method", ["pc", "fci", "ges", "cdnod"])
def test_baselines_print_nothing(method, capfd):
    run_baseline(simulate_gaussian(named_dag("chain3"), 300, seed=0).data, method)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# ----------------------------------------------------------------------------- SHD on mixed graphs


def _as_result(edges, d, marks=("tail", "arrow")):
    return BaselineResult("pc", "CPDAG", tuple((min(u, v), max(u, v), *(marks if u < v else marks[::-1]))
                                               for u, v in edges), d, tuple(f"X{i}" for i in range(d)))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 24), st.integers(0, 24))
def test_shd_of_a_fully_directed_result_equals_the_dag_shd(i, j):
    dags = list(all_dags(3))
    true, est = dags[i], dags[j]
    res = _as_result(list(est.edges), 3)
    assert res.is_dag
    assert shd(true, res) == shd(true, est)
    assert normalised_shd(true, res) == normalised_shd(true, est)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 24), st.integers(0, 24))
def test_undirected_edges_are_charged_once_each(i, j):
    dags = list(all_dags(3))
    true, est = dags[i], dags[j]
    res = _as_result(list(est.edges), 3, marks=("tail", "tail"))
    skel_t = {frozenset(e) for e in true.edges}
    skel_e = {frozenset(e) for e in est.edges}
    assert shd(true, res) == len(skel_t ^ skel_e) + len(skel_t & skel_e)
    assert set(res.graph.edges) == {(u, v) for e in skel_e for u, v in itertools.permutations(e)}


def test_graph_encoding_of_marks():
    res = BaselineResult("fci", "PAG", ((0, 1, "circle", "arrow"), (1, 2, "arrow", "arrow")), 3,
                         ("a", "b", "c"))
    g = res.graph
    assert g[0][1]["marks"] == ("circle", "arrow") and g[1][0]["marks"] == ("arrow", "circle")
    assert g.has_edge(1, 2) and g.has_edge(2, 1)
    assert repr(res) == "BaselineResult(fci, PAG: a o-> b, b <-> c)"
    assert not res.is_dag and res.directed_edges == ()
    assert nx.number_of_nodes(g) == 3


# ----------------------------------------------------------------------------- bad input


def test_bad_inputs_are_refused():
    sim = simulate_gaussian(named_dag("chain3"), 200, seed=0)
    with pytest.raises(InvalidInputError, match="3-dimensional"):
        run_baseline(sim.data.values[:, 0, :], "pc")
    with pytest.raises(InvalidInputError, match="method"):
        run_baseline(sim.data, "notears")
    with pytest.raises(InvalidInputError, match="alpha"):
        run_baseline(sim.data, "pc", alpha=1.5)
    with pytest.raises(InvalidInputError, match="integer codes"):
        run_baseline(sim.data, "pc", test="g_test")
    with pytest.raises(InvalidInputError, match="integer codes"):
        run_baseline(sim.data, "ges", score="bdeu")
    with pytest.raises(InvalidInputError, match="test"):
        run_baseline(sim.data, "pc", test="rcot")
    vals = sim.data.values.copy()
    vals[:, 1, 2] = 2.0 * vals[:, 1, 0]
    vals[:, 0, 2] = 2.0 * vals[:, 0, 0]
    with pytest.raises(InvalidInputError, match="collinear"):
        run_baseline(vals, "pc")
    with pytest.raises(InvalidInputError, match="variables"):
        shd(named_dag("diamond4"), run_baseline(sim.data, "pc"))


# ----------------------------------------------------------------------------- experiment


def test_baseline_experiment_rows():
    from mechkit.causal.experiments import baseline_shd
    from mechkit.experiments import get_experiment

    assert get_experiment("causal.baseline_shd").name == "causal.baseline_shd"
    p = {"dag": "fig4", "dgp": "binary", "method": "pc", "test": "g_test", "n_env": 3000, "alpha": 0.05}
    a = baseline_shd(p, np.random.default_rng(3))
    assert a == baseline_shd(p, np.random.default_rng(3))
    assert 0.0 <= a["normalised_shd"] <= 1.0 and a["shd"] >= a["undirected"]
    y5 = baseline_shd({"dag": "y5", "dgp": "gaussian", "method": "ges", "test": "fisher_z", "n_env": 5000,
                       "alpha": 0.05}, np.random.default_rng(0))
    assert y5["skeleton"] == 1 and y5["exact"] == int(y5["shd"] == 0)
    with pytest.raises(InvalidInputError, match="method: must be one of"):
        baseline_shd({**p, "method": "notears"}, np.random.default_rng(0))
