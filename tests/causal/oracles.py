"""Independent brute-force references for the causal domain's kernels and tests.

Each oracle is written differently from the code it checks: explicit loops, regression
residuals instead of inverse correlation matrices, the moral-graph criterion instead of
networkx's d-separation, and line-by-line transcriptions of causal-learn's algorithms
(causal-learn itself is not a dependency).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import networkx as nx
import numpy as np
from scipy import stats
from scipy.spatial.distance import pdist, squareform


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


def causallearn_fisherz(data, x, y, cond):
    """Transcription of causal-learn's ``FisherZ.__call__`` (one CIT object per dataset)."""
    corr = np.corrcoef(data.T)
    var = [x, y, *cond]
    sub = corr[np.ix_(var, var)]
    inv = np.linalg.inv(sub)
    r = -inv[0, 1] / math.sqrt(abs(inv[0, 0] * inv[1, 1]))
    if abs(r) >= 1:
        r = (1.0 - np.finfo(float).eps) * np.sign(r)
    zz = 0.5 * math.log((1 + r) / (1 - r))
    xx = math.sqrt(data.shape[0] - len(cond) - 3) * abs(zz)
    return 2 * (1 - stats.norm.cdf(abs(xx)))


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


def causallearn_kci(x, y, z):
    """Transcription of causal-learn's KCI_CInd / KCI_UInd with approx=True, empirical widths."""
    x = x.reshape(-1, 1)
    y = y.reshape(-1, 1)
    n = x.shape[0]

    def zs(a):
        out = stats.zscore(a, ddof=1, axis=0)
        out[np.isnan(out)] = 0.0
        return out

    def gauss(a, width):
        return np.exp(-0.5 * squareform(pdist(a, "sqeuclidean")) * width)

    def centre(k):
        h = np.eye(n) - 1.0 / n
        return h @ k @ h

    if z is None or z.size == 0:
        sig = 0.8 if n < 200 else (0.5 if n < 1200 else 0.3)
        xs, ys = zs(x), zs(y)
        kx = centre(gauss(xs, 1.0 / sig**2 * xs.shape[1]))
        ky = centre(gauss(ys, 1.0 / sig**2 * ys.shape[1]))
        stat = np.sum(kx * ky)
        mean = np.trace(kx) * np.trace(ky) / n
        var = 2 * np.sum(kx**2) * np.sum(ky**2) / n / n
    else:
        xs, ys, zz = zs(x), zs(y), zs(z)
        xs = np.concatenate((xs, 0.5 * zz), axis=1)
        sig = 1.2 if n < 200 else (0.7 if n < 1200 else 0.4)
        width = 1.0 / sig**2 / zz.shape[1]
        kx = centre(gauss(xs, width))
        ky = centre(gauss(ys, width))
        kz = centre(gauss(zz, width))
        rz = 1e-3 * np.linalg.pinv(kz + 1e-3 * np.eye(n))
        kxr = rz @ kx @ rz
        kyr = rz @ ky @ rz
        stat = np.sum(kxr * kyr)
        wx, vx = np.linalg.eigh(0.5 * (kxr + kxr.T))
        wy, vy = np.linalg.eigh(0.5 * (kyr + kyr.T))
        vx = vx[:, wx > wx.max() * 1e-5] * np.sqrt(wx[wx > wx.max() * 1e-5])
        vy = vy[:, wy > wy.max() * 1e-5] * np.sqrt(wy[wy > wy.max() * 1e-5])
        uu = np.zeros((n, vx.shape[1] * vy.shape[1]))
        for i in range(vx.shape[1]):
            for j in range(vy.shape[1]):
                uu[:, i * vy.shape[1] + j] = vx[:, i] * vy[:, j]
        prod = uu @ uu.T if uu.shape[1] > n else uu.T @ uu
        mean = np.trace(prod)
        var = 2 * np.trace(prod @ prod)
    k, theta = mean**2 / var, var / mean
    return float(stat), float(1 - stats.gamma.cdf(stat, k, 0, theta))


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
