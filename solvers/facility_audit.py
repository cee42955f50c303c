"""Candidate-set strategyproofness audit of anonymous phantom medians (numba).

For ``f(x) = med(x, p_1, ..., p_{n+1})`` and agent ``i``, let ``w`` be the sorted merge
of the reports and the phantoms (``2n + 1`` points, outcome ``w[n]``).  Removing ``x_i``
from ``w`` leaves ``z`` with ``2n`` points, and ``f(d, x_-i) = med(d, z[n-1], z[n])``
(the incremental median trick), so each deviation costs O(1).

``phantom_audit_batch(X, phantoms)`` evaluates, for every profile and agent, the
deviations ``d`` in the candidate set ``{0, 1} U w U {midpoints of consecutive points}``
and returns the largest gain ``|f(x) - x_i| - |f(d, x_-i) - x_i|`` per profile with its
agent and deviation, and the number of deviations evaluated.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = ["phantom_audit_batch"]


def _phantom_audit_batch(
    X: NDArray[np.float64], phantoms: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64], int]:
    B, n = X.shape
    P = n + 1
    gains = np.empty(B)
    agents = np.empty(B, dtype=np.int64)
    devs = np.empty(B)
    w = np.empty(2 * n + 1)
    pos = np.empty(n, dtype=np.int64)
    cand = np.empty(2 * (2 * n + 3))
    evaluated = 0
    for b in range(B):
        row = X[b]
        order = np.argsort(row)
        i = 0
        j = 0
        for k in range(2 * n + 1):
            if j >= P or (i < n and row[order[i]] <= phantoms[j]):
                w[k] = row[order[i]]
                pos[order[i]] = k
                i += 1
            else:
                w[k] = phantoms[j]
                j += 1
        y = w[n]
        # candidates: 0, the merged points, 1 and the midpoints between consecutive ones
        c = 0
        prev = 0.0
        cand[c] = 0.0
        c += 1
        for k in range(2 * n + 2):
            v = w[k] if k < 2 * n + 1 else 1.0
            cand[c] = (prev + v) / 2.0
            c += 1
            cand[c] = v
            c += 1
            prev = v
        best = -np.inf
        best_i = 0
        best_d = row[0]
        for a in range(n):
            p = pos[a]
            lo = w[n - 1] if n - 1 < p else w[n]
            hi = w[n] if n < p else w[n + 1]
            xa = row[a]
            base = y - xa if y >= xa else xa - y
            for q in range(c):
                d = cand[q]
                out = lo if d < lo else (hi if d > hi else d)
                dist = out - xa if out >= xa else xa - out
                g = base - dist
                if g > best:
                    best = g
                    best_i = a
                    best_d = d
            evaluated += c
        gains[b] = best
        agents[b] = best_i
        devs[b] = best_d
    return gains, agents, devs, evaluated


phantom_audit_batch = njit(_phantom_audit_batch)
