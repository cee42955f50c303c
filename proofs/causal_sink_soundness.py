r"""Sink-test soundness and exact population recovery of the corrected multivariate algorithm.

Claim: for every labelled DAG G on d <= 4 nodes, every ancestral set R of G (what remains
after removing sink layers), and every j in R, with all mechanisms varying:
``X_{j;1} _||_ X_{k;2} | X_{R\\{j};1}`` holds for every k in R \\ {j} (on the plate graph
marginalised to R) **iff** j is a sink of G[R].  Consequently sink layering yields a valid
causal order, and with the Pred(k) edge test the algorithm recovers G exactly from the
d-separation oracle -- checked here by running ``mechkit.causal.discover`` on every DAG
(3 + 25 + 543 DAGs, no forced layer, no flag).

Marginalising to R is exact because removed nodes are descendants-only (R is ancestral):
the d-separation statements among R-nodes are the same in the full plate graph.  The
plate graph and the d-separation calls are built here with networkx only.
"""

from __future__ import annotations

import itertools

from proofs import Certificate

EXPECTED_SECONDS = 8.0


def _dags(d):
    import networkx as nx

    pairs = list(itertools.combinations(range(d), 2))
    for choice in itertools.product((0, 1, 2), repeat=len(pairs)):
        g = nx.DiGraph()
        g.add_nodes_from(range(d))
        for (u, v), c in zip(pairs, choice, strict=True):
            if c:
                g.add_edge(*((u, v) if c == 1 else (v, u)))
        if nx.is_directed_acyclic_graph(g):
            yield g


def _plate(g):
    import networkx as nx

    p = nx.DiGraph()
    for i in g.nodes:
        for s in (0, 1):
            p.add_edge(("theta", i), (i, s))
    for u, v in g.edges:
        for s in (0, 1):
            p.add_edge((u, s), (v, s))
    return p


def verify() -> Certificate:
    import networkx as nx

    from mechkit.causal import d_separation, discover

    n_dags = {2: 0, 3: 0, 4: 0}
    sink_checks = 0
    failures = []
    recovered = 0
    for d in (2, 3, 4):
        for g in _dags(d):
            n_dags[d] += 1
            plate = _plate(g)
            for size in range(2, d + 1):
                for r in itertools.combinations(range(d), size):
                    rs = set(r)
                    if any(not (nx.ancestors(g, v) <= rs) for v in rs):
                        continue  # not ancestral
                    sub = g.subgraph(rs)
                    for j in r:
                        cond = {(v, 0) for v in r if v != j}
                        passes = all(nx.is_d_separator(plate, {(j, 0)}, {(k, 1)}, cond)
                                     for k in r if k != j)
                        sink_checks += 1
                        if passes != (sub.out_degree(j) == 0):
                            failures.append(("sink", sorted(g.edges), r, j))
            res = discover(d_separation(g))
            ok = sorted(res.graph.edges) == sorted(g.edges) and res.trustworthy and not res.forced
            recovered += ok
            if not ok:
                failures.append(("recovery", sorted(g.edges), res.edges, res.flags))
    total = sum(n_dags.values())
    return Certificate(
        claim="the sink test is sound and complete on ancestral sets, and discover() recovers "
              "every DAG from the plate-graph d-separation oracle",
        method="exhaustive",
        scope="all labelled DAGs on 2, 3, 4 nodes, all ancestral sets",
        evidence={"dags": n_dags, "sink_checks": sink_checks, "recovered": f"{recovered}/{total}",
                  "failures": failures[:10]},
        passed=not failures and recovered == total == 571,
    )
