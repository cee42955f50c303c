r"""Multivariate causal de Finetti discovery (sink layering + edge tests), corrected.

**Phase 1, sink layering.**  With ``R`` the remaining variables, ``j`` is a sink of
``G[R]`` iff ``X_{j;1} _||_ X_{k;2} | X_{R\{j};1}`` for every other ``k`` in ``R``.  Each
node's ``|R| - 1`` tests are Bonferroni-corrected (level ``alpha / (|R| - 1)``), otherwise a
true sink fails one of them with probability ``1 - (1 - alpha)^{|R|-1}``.  The passing
nodes form a layer (sinks first) and are removed.  When no node passes, the node with the
largest minimum p-value is taken and the result is flagged ``forced_layer``.

**Phase 2, edges.**  With ``Pred(k)`` the variables in layers upstream of ``k``'s layer,
``j -> k`` iff ``X_{j;1}`` and ``X_{k;1}`` are dependent given ``X_{Pred(k)\{j};1}`` (sample
1 only: one i.i.d. row per environment).  This replaces the authors' smaller
conditioning sets, whose implementation has a bug.

**Checks (never silent).**

* ``no_between_env_variation``: no variable shows ``X_{i;1}`` dependent on ``X_{i;2}``
  (Bonferroni over the variables) -- i.i.d. data, nothing is identifiable.
* ``same_layer_dependence``: two nodes of one layer are never adjacent, so
  ``X_j _||_ X_k | upstream`` must hold for each same-layer pair (Bonferroni over the pairs).
  It fails for i.i.d. data, for equal intra-class correlation and in some cases where only
  some mechanisms vary (e.g. chain ``0 -> 1 -> 2`` with only ``theta_0`` varying).
* ``partial_variation`` (``d >= 3``): some, but not all, variables show between-environment
  variation (Bonferroni over the variables).  A variable without any has a degenerate
  mechanism, which breaks identifiability: e.g. for the chain ``0 -> 2 -> 1`` with only
  ``theta_1`` varying the data are also an ICM process over ``2 -> 0, 2 -> 1``, which is
  what the layering returns, and the same-layer check cannot see it.  (With ``d = 2`` one
  varying mechanism suffices.)
* ``forced_layer``: a layer was forced.

Any flag makes ``trustworthy`` False: the graph is then reported, but must not be read as
an identified DAG.  A degenerate mechanism whose variable still varies through a
varying ancestor cannot be detected from CI statements at all (the identifiability theorem
assumes every mechanism varies); ``trustworthy`` is conditional on that assumption.

Examples
--------
>>> from mechkit.causal import d_separation, named_dag
>>> res = discover(d_separation(named_dag("diamond4")))
>>> sorted(res.graph.edges) == sorted(named_dag("diamond4").edges), res.trustworthy
(True, True)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import networkx as nx

from mechkit._validate import check_choice
from mechkit.causal.bivariate import check_alpha
from mechkit.causal.citests import DataTester, Node, Oracle, make_tester
from mechkit.random import SeedLike

__all__ = ["FLAGS", "CausalResult", "discover"]

#: Flags :func:`discover` can raise on its result.
FLAGS = ("no_between_env_variation", "partial_variation", "same_layer_dependence", "forced_layer")


@dataclass(frozen=True)
class CausalResult:
    """The output of :func:`discover`.

    Attributes
    ----------
    graph : networkx.DiGraph
        Estimated DAG on nodes ``0..d-1`` (node attribute ``"name"``).
    layers : tuple of tuple of int
        Sink layers, sinks first, roots last.
    names : tuple of str
        Variable names.
    p_values : mapping
        ``{"sink": ..., "edge": ..., "same_layer": ..., "variation": ...}``, each a mapping
        from a readable CI statement to its p-value.
    trustworthy : bool
        False when any flag is raised.
    flags : tuple of str
        Raised flags (see :data:`FLAGS`).
    forced : tuple of int
        Nodes placed by the forced-layer fallback.
    test : str
        The CI test used.
    alpha : float
        Level.
    correction : str
        Multiplicity correction of the sink tests.
    n_tests : int
        Distinct CI tests run.
    """

    graph: nx.DiGraph
    layers: tuple[tuple[int, ...], ...]
    names: tuple[str, ...]
    p_values: Mapping[str, Mapping[str, float]]
    trustworthy: bool
    flags: tuple[str, ...]
    forced: tuple[int, ...] = ()
    test: str = ""
    alpha: float = 0.05
    correction: str = "bonferroni"
    n_tests: int = 0
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def edges(self) -> list[tuple[str, str]]:
        """Edges by variable name."""
        return [(self.names[u], self.names[v]) for u, v in sorted(self.graph.edges)]

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {"edges": [list(e) for e in self.edges], "layers": [list(lay) for lay in self.layers],
                "names": list(self.names),
                "p_values": {k: dict(v) for k, v in self.p_values.items()},
                "trustworthy": self.trustworthy, "flags": list(self.flags),
                "forced": list(self.forced), "test": self.test, "alpha": self.alpha,
                "correction": self.correction, "n_tests": self.n_tests}

    def __repr__(self) -> str:
        edges = ", ".join(f"{u}->{v}" for u, v in self.edges) or "no edges"
        status = "trustworthy" if self.trustworthy else f"UNTRUSTWORTHY {list(self.flags)}"
        return f"CausalResult({edges}; {len(self.layers)} layers; {status})"


def _label(names: Sequence[str], x: Node, y: Node, z: Sequence[Node]) -> str:
    def lab(v: Node) -> str:
        return f"{names[v[0]]}[{v[1] + 1}]"

    cond = ", ".join(lab(v) for v in z)
    return f"{lab(x)} _||_ {lab(y)}" + (f" | {cond}" if cond else "")


def discover(data: Any, test: str | Oracle = "fisher_z", alpha: float = 0.05,
             correction: str = "bonferroni", *, names: Sequence[str] | None = None,
             pair: str = "first", seed: SeedLike = None, **test_options: Any) -> CausalResult:
    """Identify the causal DAG from exchangeable multi-environment data.

    Parameters
    ----------
    data : array_like ``(n_env, m >= 2, d)``, ExchangeableData or Oracle
        The data, or a d-separation oracle (population CI structure).
    test : str, default "fisher_z"
        A registered CI test (``fisher_z``, ``g_test``, ``kci``, ``rcot``, ``rcit``).
    alpha : float, default 0.05
        Level in (0, 1).
    correction : {"bonferroni", "none"}, default "bonferroni"
        Multiplicity correction of each node's sink tests (``"none"`` is the authors'
        plain-alpha version).
    names : sequence of str, optional
        Variable names (default: the data's).
    pair : {"first", "random", "all"}, default "first"
        Which two samples per environment are used; ``"all"`` (``fisher_z`` only) averages
        over every ordered pair of samples and calibrates with a jackknife over
        environments (more power when ``m > 2``; see
        :class:`~mechkit.causal.citests.AllPairsFisherZ`).
    seed : seed-like, optional
        For ``pair="random"`` and randomised tests.
    **test_options
        Passed to the CI test.

    Returns
    -------
    CausalResult

    Examples
    --------
    >>> from mechkit.causal import simulate_gaussian
    >>> sim = simulate_gaussian([(0, 1), (1, 2)], n_env=3000, seed=0)
    >>> res = discover(sim.data)
    >>> res.edges, res.trustworthy
    ([('X0', 'X1'), ('X1', 'X2')], True)
    >>> discover(simulate_gaussian([(0, 1), (1, 2)], n_env=3000, iid=True, seed=1).data).trustworthy
    False
    """
    a = check_alpha(alpha)
    check_choice(correction, "correction", ("bonferroni", "none"))
    tester: DataTester | Oracle = make_tester(data, test, pair=pair, seed=seed, **test_options)
    d = tester.d
    if names is not None:
        labels = tuple(str(n) for n in names)
        from mechkit.errors import InvalidInputError

        if len(labels) != d:
            raise InvalidInputError(f"names: must have {d} entries; got {len(labels)}")
        if len(set(labels)) != d:
            raise InvalidInputError(f"names: must be distinct; got {labels}")
    elif isinstance(tester, Oracle):
        labels = tester.names
    else:
        from mechkit.causal.data import as_exchangeable

        labels = as_exchangeable(data).names
    pv: dict[str, dict[str, float]] = {"variation": {}, "sink": {}, "edge": {}, "same_layer": {}}
    flags: list[str] = []

    # Between-environment variation: X_{i;1} vs X_{i;2}.
    var_p = []
    for i in range(d):
        r = tester.test((i, 0), (i, 1), [])
        var_p.append(r.p_value)
        pv["variation"][_label(labels, (i, 0), (i, 1), [])] = r.p_value
    shown = [p <= a / d for p in var_p]
    if not any(shown):
        flags.append("no_between_env_variation")
    elif d >= 3 and not all(shown):
        flags.append("partial_variation")

    # Phase 1: sink layering.
    remaining = list(range(d))
    layers: list[tuple[int, ...]] = []
    forced: list[int] = []
    while remaining:
        if len(remaining) == 1:
            layers.append((remaining[0],))
            break
        k_tests = len(remaining) - 1
        level = a / k_tests if correction == "bonferroni" else a
        min_p: dict[int, float] = {}
        for j in remaining:
            cond = [(v, 0) for v in remaining if v != j]
            ps = []
            for k in remaining:
                if k == j:
                    continue
                r = tester.test((j, 0), (k, 1), cond)
                ps.append(r.p_value)
                pv["sink"][_label(labels, (j, 0), (k, 1), cond)] = r.p_value
            min_p[j] = min(ps)
        layer = tuple(j for j in remaining if min_p[j] >= level)
        if not layer:
            best = max(remaining, key=lambda j: (min_p[j], -j))
            layer = (best,)
            forced.append(best)
        layers.append(layer)
        remaining = [v for v in remaining if v not in layer]
    if forced:
        flags.append("forced_layer")

    # Phase 2: edges into each node from its upstream layers.
    layer_of = {v: t for t, lay in enumerate(layers) for v in lay}
    graph = nx.DiGraph()
    for i in range(d):
        graph.add_node(i, name=labels[i])
    for k in range(d):
        pred = sorted(v for v in range(d) if layer_of[v] > layer_of[k])
        for j in pred:
            cond = [(v, 0) for v in pred if v != j]
            r = tester.test((j, 0), (k, 0), cond)
            pv["edge"][f"{labels[j]}->{labels[k]}: " + _label(labels, (j, 0), (k, 0), cond)] = r.p_value
            if r.p_value < a:
                graph.add_edge(j, k)

    # Consistency: same-layer pairs must be independent given everything upstream.
    pairs = [(j, k, t) for t, lay in enumerate(layers) for j, k in itertools.combinations(lay, 2)]
    if pairs:
        level = a / len(pairs)
        bad = False
        for j, k, t in pairs:
            cond = [(v, 0) for v in range(d) if layer_of[v] > t]
            r = tester.test((j, 0), (k, 0), cond)
            pv["same_layer"][_label(labels, (j, 0), (k, 0), cond)] = r.p_value
            bad |= r.p_value < level
        if bad:
            flags.append("same_layer_dependence")

    n_tests = tester.calls if isinstance(tester, Oracle) else len(tester.cache)
    return CausalResult(graph, tuple(layers), labels,
                        MappingProxyType({k: MappingProxyType(v) for k, v in pv.items()}),
                        not flags, tuple(flags), tuple(forced), tester.name, a, correction, n_tests)
