"""Euclidean projection onto the scaled probability simplex (sort-based, numba).

``project_rows(Y, radius)`` projects each row ``y`` of ``Y`` onto
``{x >= 0, sum(x) = radius}``: ``x = max(y - tau, 0)`` where ``tau`` is found by
sorting ``y`` in decreasing order (Held, Wolfe and Crowder 1974; Duchi et al. 2008).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = ["project_rows"]


def _project_rows(Y: NDArray[np.float64], radius: float) -> NDArray[np.float64]:
    B, n = Y.shape
    out = np.empty((B, n))
    for b in range(B):
        u = np.sort(Y[b])[::-1]
        cumulative = 0.0
        tau = 0.0
        for j in range(n):
            cumulative += u[j]
            t = (cumulative - radius) / (j + 1)
            if u[j] - t > 0.0:
                tau = t
        for j in range(n):
            v = Y[b, j] - tau
            out[b, j] = v if v > 0.0 else 0.0
    return out


project_rows = njit(_project_rows)
