"""DAG helpers: validation, named test DAGs, enumeration, and the structural metrics.

Examples
--------
>>> g = named_dag("chain3")
>>> sorted(g.edges)
[(0, 1), (1, 2)]
>>> shd(g, [(0, 1), (2, 1)], d=3)
1
>>> normalised_shd(g, [(0, 1)], d=3)
0.3333333333333333
>>> sum(1 for _ in all_dags(3))
25
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import networkx as nx

from mechkit._validate import check_int
from mechkit.errors import InvalidInputError
from mechkit.random import SeedLike, as_generator

__all__ = ["NAMED_DAGS", "all_dags", "as_dag", "fig4_dag", "named_dag", "normalised_shd", "shd"]

#: Small DAGs used in the design note's calibration runs (nodes ``0..d-1``).
NAMED_DAGS: dict[str, tuple[int, tuple[tuple[int, int], ...]]] = {
    "xy": (2, ((0, 1),)),
    "chain3": (3, ((0, 1), (1, 2))),
    "fork3": (3, ((0, 1), (0, 2))),
    "collider3": (3, ((0, 2), (1, 2))),
    "full3": (3, ((0, 1), (0, 2), (1, 2))),
    "diamond4": (4, ((0, 1), (0, 2), (1, 3), (2, 3))),
    "y5": (5, ((0, 2), (1, 2), (2, 3), (3, 4))),
}


def as_dag(dag: Any, d: int | None = None) -> nx.DiGraph:
    """Validate a DAG given as a ``networkx.DiGraph`` or an edge list; nodes ``0..d-1``.

    Parameters
    ----------
    dag : networkx.DiGraph or sequence of (int, int)
        The graph.
    d : int, optional
        Number of nodes (default: from the graph, or ``1 + max node`` of the edge list).

    Returns
    -------
    networkx.DiGraph
        A new graph with nodes ``0..d-1``.

    Raises
    ------
    InvalidInputError
        For cycles, self-loops, non-integer or out-of-range nodes.

    Examples
    --------
    >>> as_dag([(0, 1), (1, 0)])
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: dag: must be acyclic; found the cycle 0 -> 1 -> 0
    """
    if isinstance(dag, nx.DiGraph):
        nodes = list(dag.nodes)
        edges = list(dag.edges)
    elif isinstance(dag, nx.Graph):
        raise InvalidInputError("dag: must be a directed graph (networkx.DiGraph); got an undirected Graph")
    else:
        try:
            edges = [(e[0], e[1]) for e in dag]
        except (TypeError, IndexError, KeyError):
            raise InvalidInputError(
                f"dag: must be a networkx.DiGraph or a list of (u, v) edges; got {dag!r}") from None
        nodes = [v for e in edges for v in e]
    for v in nodes:
        if isinstance(v, bool) or not isinstance(v, int):
            raise InvalidInputError(f"dag: nodes must be integers 0..d-1; got {v!r}")
    top = max(nodes, default=-1) + 1
    if d is None:
        size = len(set(nodes)) if isinstance(dag, nx.DiGraph) else top
        size = max(size, top)
    else:
        size = check_int(d, "d", minimum=1)
    if any(v < 0 or v >= size for v in nodes):
        raise InvalidInputError(f"dag: nodes must lie in 0..{size - 1}; got {sorted(set(nodes))}")
    if isinstance(dag, nx.DiGraph) and set(nodes) != set(range(size)) and d is None:
        raise InvalidInputError(f"dag: nodes must be exactly 0..{size - 1}; got {sorted(nodes)}")
    g = nx.DiGraph()
    g.add_nodes_from(range(size))
    for u, v in edges:
        if u == v:
            raise InvalidInputError(f"dag: self-loop at node {u} is not allowed")
        g.add_edge(u, v)
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return g
    path = " -> ".join(str(e[0]) for e in cycle) + f" -> {cycle[0][0]}"
    raise InvalidInputError(f"dag: must be acyclic; found the cycle {path}")


def named_dag(name: str) -> nx.DiGraph:
    """One of :data:`NAMED_DAGS`.

    Known: ``xy``, ``chain3``, ``fork3``, ``collider3``, ``full3``, ``diamond4``, ``y5``
    (``y5`` is 0 -> 2 <- 1, 2 -> 3 -> 4).

    Examples
    --------
    >>> named_dag("diamond4").number_of_edges()
    4
    """
    if name not in NAMED_DAGS:
        raise InvalidInputError(f"name: unknown DAG {name!r}; known: {', '.join(NAMED_DAGS)}")
    d, edges = NAMED_DAGS[name]
    return as_dag(list(edges), d)


def all_dags(d: int) -> Iterator[nx.DiGraph]:
    """Every labelled DAG on ``d`` nodes (1, 3, 25, 543, 29281 for d = 1..5).

    Examples
    --------
    >>> sum(1 for _ in all_dags(2))
    3
    """
    return _all_dags(check_int(d, "d", minimum=1, maximum=5))


def _all_dags(d: int) -> Iterator[nx.DiGraph]:
    pairs = list(itertools.combinations(range(d), 2))
    for choice in itertools.product((0, 1, 2), repeat=len(pairs)):
        g = nx.DiGraph()
        g.add_nodes_from(range(d))
        for (u, v), c in zip(pairs, choice, strict=True):
            if c == 1:
                g.add_edge(u, v)
            elif c == 2:
                g.add_edge(v, u)
        if nx.is_directed_acyclic_graph(g):
            yield g


def fig4_dag(seed: SeedLike = None) -> nx.DiGraph:
    """The paper's Fig. 4 DAG sampler.

    G(3, 0.5) on edges ``u < v``, resampled until every node has an edge (4 possible
    structures).

    Examples
    --------
    >>> sorted(fig4_dag(0).edges) in [[(0, 1), (0, 2)], [(0, 1), (1, 2)], [(0, 2), (1, 2)],
    ...                               [(0, 1), (0, 2), (1, 2)]]
    True
    """
    rng = as_generator(seed)
    pairs = [(0, 1), (0, 2), (1, 2)]
    while True:
        edges = [p for p in pairs if rng.random() < 0.5]
        if {v for e in edges for v in e} == {0, 1, 2}:
            return as_dag(edges, 3)


def _edge_sets(true: Any, est: Any, d: int | None) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    gt = as_dag(true, d)
    mixed = _mixed_graph(est, gt.number_of_nodes())
    if mixed is not None:
        return set(gt.edges), set(mixed.edges)
    if not isinstance(est, nx.Graph) and isinstance(getattr(est, "graph", None), nx.DiGraph):
        est = est.graph  # a CausalResult
    ge = as_dag(est, gt.number_of_nodes())
    return set(gt.edges), set(ge.edges)


def _mixed_graph(est: Any, d: int) -> nx.DiGraph | None:
    """The adjacency-matrix graph of a partially directed estimate (a baseline's result), else None."""
    from mechkit.causal.baselines import BaselineResult

    if not isinstance(est, BaselineResult):
        return None
    if est.d != d:
        raise InvalidInputError(f"est: has {est.d} variables but the true DAG has {d}")
    return est.graph


def shd(true: Any, est: Any, d: int | None = None) -> int:
    """Structural Hamming distance: missing + extra + reversed edges (a reversal counts once).

    ``est`` may be a DAG (``networkx.DiGraph`` or edge list), a result with a ``graph``
    (:class:`~mechkit.causal.CausalResult`), or a partially directed
    :class:`~mechkit.causal.baselines.BaselineResult` (CPDAG / PAG).  For the latter, an
    adjacency of the truth that the estimate has but does not orient exactly as
    ``u -> v`` (undirected, reversed, bidirected, or with a circle endpoint) counts
    once, like a reversal: the distance is to the true DAG, so an equivalence class is
    charged for the orientations it cannot determine.

    Examples
    --------
    >>> shd([(0, 1)], [(1, 0)], d=2), shd([(0, 1)], [], d=2), shd([], [(0, 1)], d=2)
    (1, 1, 1)
    """
    gt = as_dag(true, d)
    et = set(gt.edges)
    mixed = _mixed_graph(est, gt.number_of_nodes())
    if mixed is not None:
        skel_t = {frozenset(e) for e in et}
        skel_e = {frozenset(e) for e in mixed.edges}
        wrong = 0
        for u, v in et:
            if frozenset((u, v)) in skel_e and not (mixed.has_edge(u, v) and not mixed.has_edge(v, u)):
                wrong += 1
        return len(skel_t - skel_e) + len(skel_e - skel_t) + wrong
    _, ee = _edge_sets(gt, est, None)
    skel_t = {frozenset(e) for e in et}
    skel_e = {frozenset(e) for e in ee}
    missing = len(skel_t - skel_e)
    extra = len(skel_e - skel_t)
    reversed_ = sum(1 for e in ee if frozenset(e) in skel_t and e not in et)
    return missing + extra + reversed_


def normalised_shd(true: Any, est: Any, d: int | None = None) -> float:
    r"""The paper's normalised "SHD".

    ``|E_hat sym-diff E| / (|E| + |E_hat|)``, or ``|E \ E_hat| / |E|`` when ``E_hat`` is
    empty (0 when both are empty).  Edge sets are sets of ordered pairs; a partially
    directed :class:`~mechkit.causal.baselines.BaselineResult` enters through its
    adjacency-matrix graph (an undirected edge is both ``u -> v`` and ``v -> u``).

    Examples
    --------
    >>> normalised_shd([(0, 1), (1, 2)], [(0, 1), (2, 1)], d=3)
    0.5
    """
    et, ee = _edge_sets(true, est, d)
    if not ee:
        return 0.0 if not et else len(et - ee) / len(et)
    return len(et ^ ee) / (len(et) + len(ee))
