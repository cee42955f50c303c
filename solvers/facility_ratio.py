"""Vertex enumeration for worst-case approximation ratios of facility mechanisms (numba).

* ``fill_profiles(idx, C, out, anonymous)`` writes the next ``len(out)`` profiles with
  coordinates in the sorted constant set ``C`` -- multisets (non-decreasing index
  vectors, lexicographic order) when ``anonymous``, all tuples otherwise -- advancing
  the index state ``idx`` in place; returns ``(rows written, finished)``.
* ``objective_terms(X, S, probs, objective)`` returns ``(num, den)`` of the ratio for each
  profile ``X[r]`` whose outcome is the lottery ``S[r, :]`` with probabilities ``probs``
  (one column with probability 1 for deterministic mechanisms).  ``objective``:
  0 welfare ``SW*/SW``, 1 total cost ``TC/TC*``, 2 maximum cost ``MC/MC*``, where
  ``SW = n - TC``, ``TC* = TC(left median)`` and ``MC* = (max - min)/2``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = ["fill_profiles", "objective_terms"]


def _fill_profiles(
    idx: NDArray[np.int64], C: NDArray[np.float64], out: NDArray[np.float64], anonymous: bool
) -> tuple[int, bool]:
    rows, n = out.shape
    m = C.shape[0]
    r = 0
    while r < rows:
        for i in range(n):
            out[r, i] = C[idx[i]]
        r += 1
        p = n - 1
        while p >= 0 and idx[p] == m - 1:
            p -= 1
        if p < 0:
            return r, True
        idx[p] += 1
        for q in range(p + 1, n):
            idx[q] = idx[p] if anonymous else 0
    return r, False


def _objective_terms(
    X: NDArray[np.float64], S: NDArray[np.float64], probs: NDArray[np.float64], objective: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    M, n = X.shape
    K = S.shape[1]
    num = np.empty(M)
    den = np.empty(M)
    for r in range(M):
        xs = np.sort(X[r])
        med = xs[(n - 1) // 2]
        lo = xs[0]
        hi = xs[n - 1]
        if objective == 2:
            val = 0.0
            for k in range(K):
                y = S[r, k]
                a = y - lo
                b = hi - y
                val += probs[k] * (a if a > b else b)
            num[r] = val
            den[r] = (hi - lo) / 2.0
            continue
        opt = 0.0
        for i in range(n):
            d = xs[i] - med
            opt += d if d >= 0.0 else -d
        tc = 0.0
        for k in range(K):
            y = S[r, k]
            t = 0.0
            for i in range(n):
                d = xs[i] - y
                t += d if d >= 0.0 else -d
            tc += probs[k] * t
        if objective == 0:
            num[r] = n - opt
            den[r] = n - tc
        else:
            num[r] = tc
            den[r] = opt
    return num, den


fill_profiles = njit(_fill_profiles)
objective_terms = njit(_objective_terms)
