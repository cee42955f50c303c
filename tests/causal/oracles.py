"""Independent brute-force references for the causal domain's kernels and tests.

Each oracle is written differently from the code it checks: explicit loops, regression
residuals instead of inverse correlation matrices, the moral-graph criterion instead of
networkx's d-separation.  Agreement with causal-learn itself (the ``causal`` extra, part of
``dev``) is tested against the installed package, in test_causal_citests.py and
test_causal_causallearn.py.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import networkx as nx
import numpy as np
from scipy import stats


def rff_oracle(x, w, b):
    return np.sqrt(2.0) * np.cos(x @ w.T + b[None, :])


def product_covariance_oracle(rx, ry):
    n = rx.shape[0]
    d = list(itertools.product(range(rx.shape[1]), range(ry.shape[1])))
    res = np.array([rx[:, i] * ry[:, j] for i, j in d]).T
    return res.T @ res / n


def counts_oracle(cx, cy, cz, kx, ky, kz):
    out = np.zeros((kz, kx, ky), dtype=np.int64)
    for (s, a, b), c in Counter(zip(cz.tolist(), cx.tolist(), cy.tolist(), strict=True)).items():
        out[s, a, b] = c
    return out


def partial_corr_regression(x, y, z):
    """Partial correlation from least-squares residuals on [1, z]."""
    n = x.shape[0]
    design = np.column_stack([np.ones(n), z]) if z.size else np.ones((n, 1))
    rx = x - design @ np.linalg.lstsq(design, x, rcond=None)[0]
    ry = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return float(rx @ ry / math.sqrt((rx @ rx) * (ry @ ry)))


def fisher_z_oracle(x, y, z):
    r = partial_corr_regression(x, y, z)
    k = z.shape[1] if z.size else 0
    stat = math.sqrt(x.shape[0] - k - 3) * math.atanh(r)
    return stat, float(2 * stats.norm.sf(abs(stat)))


def g_test_oracle(x, y, z, df="levels"):
    """G statistic and df by explicit loops over strata (dicts, no vectorisation)."""
    n = len(x)
    zrows = [tuple(row) for row in (z.tolist() if z.size else [()] * n)]
    levels_x = sorted(set(x.tolist()))
    levels_y = sorted(set(y.tolist()))
    g = 0.0
    strata = sorted(set(zrows))
    df_obs = 0
    for s in strata:
        idx = [t for t in range(n) if zrows[t] == s]
        ns = len(idx)
        cnt = Counter((x[t], y[t]) for t in idx)
        nx_ = Counter(x[t] for t in idx)
        ny_ = Counter(y[t] for t in idx)
        for (a, b), o in cnt.items():
            g += 2 * o * math.log(o * ns / (nx_[a] * ny_[b]))
        df_obs += max(len(nx_) - 1, 0) * max(len(ny_) - 1, 0)
    if df == "levels":
        kz = 1
        for j in range(z.shape[1] if z.size else 0):
            kz *= len(set(z[:, j].tolist()))
        dof = (len(levels_x) - 1) * (len(levels_y) - 1) * kz
    else:
        dof = df_obs
    p = 1.0 if dof == 0 else float(stats.chi2.sf(g, dof))
    return g, dof, p


def moral_d_separated(dag: nx.DiGraph, x, y, z) -> bool:
    """d-separation by the ancestral moral graph criterion (Lauritzen)."""
    z = set(z)
    keep = {x, y} | z
    for v in list(keep):
        keep |= nx.ancestors(dag, v)
    sub = dag.subgraph(keep)
    moral = nx.Graph()
    moral.add_nodes_from(sub.nodes)
    moral.add_edges_from(sub.to_undirected().edges)
    for v in sub.nodes:
        parents = list(sub.predecessors(v))
        moral.add_edges_from(itertools.combinations(parents, 2))
    moral.remove_nodes_from(z)
    return not nx.has_path(moral, x, y)
