"""Batched fairness-axiom slacks for facility location (numba).

``axiom_slacks_batch(X, y)`` returns a ``(B, 5)`` array of slacks (minimum margins;
negative means violated) of the outcome ``y[b]`` on profile ``X[b]`` for, in order,
IFS, UFS, proportionality, PF and unanimity.  Proportionality and unanimity are ``nan``
when not applicable (a report outside ``{0, 1}``; reports not all equal).  Co-location
for UFS is exact float equality.

Each row is bucket-sorted on the ``1/n`` grid (``int(x * n)`` is monotone in ``x``;
insertion sort inside small buckets, ``np.sort`` inside large ones: O(n) expected on
spread-out reports), then one pass computes UFS over runs of equal reports and PF by
the closed form (``x`` ascending, 0-based)::

    PF slack = min(1 - y + min_j (x_(j) - (j + 1)/n),  y + min_i (i/n - x_(i)))
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = ["axiom_slacks_batch", "axiom_slacks_sorted_row"]


def _axiom_slacks_sorted_row(
    x: NDArray[np.float64], yb: float, xs: NDArray[np.float64], bk: NDArray[np.int64],
    cnt: NDArray[np.int64], out: NDArray[np.float64],
) -> None:
    # bucket sort the row, then one pass writing all five slacks into out[0:5]
    n = x.shape[0]
    inv = 1.0 / n
    for k in range(n + 1):
        cnt[k] = 0
    for i in range(n):
        k = int(x[i] * n)
        if k >= n:
            k = n - 1
        bk[i] = k
        cnt[k + 1] += 1
    for k in range(n):
        cnt[k + 1] += cnt[k]
    for i in range(n):
        k = bk[i]
        xs[cnt[k]] = x[i]
        cnt[k] += 1
    lo = 0
    for k in range(n):
        hi = cnt[k]
        if hi - lo > 32:
            xs[lo:hi] = np.sort(xs[lo:hi])
        elif hi - lo > 1:
            for a in range(lo + 1, hi):
                v = xs[a]
                q = a - 1
                while q >= lo and xs[q] > v:
                    xs[q + 1] = xs[q]
                    q -= 1
                xs[q + 1] = v
        lo = hi
    far = yb - xs[0] if yb - xs[0] > xs[n - 1] - yb else xs[n - 1] - yb
    out[0] = 1.0 - inv - far
    ufs = np.inf
    m1 = np.inf
    m2 = np.inf
    start = 0
    ones = 0
    nonbinary = 0
    for j in range(n):
        v = xs[j]
        ones += v == 1.0
        nonbinary += (v != 0.0) & (v != 1.0)
        a = v - (j + 1) * inv
        if a < m1:
            m1 = a
        c = j * inv - v
        if c < m2:
            m2 = c
        if j == n - 1 or xs[j + 1] != v:
            d = yb - v if yb >= v else v - yb
            t = 1.0 - (j - start + 1) * inv - d
            if t < ufs:
                ufs = t
            start = j + 1
    out[1] = ufs
    p1 = 1.0 - yb + m1
    p2 = yb + m2
    out[3] = p1 if p1 < p2 else p2
    if nonbinary == 0:
        d = yb - ones * inv
        out[2] = -d if d >= 0.0 else d
    else:
        out[2] = np.nan
    if xs[0] == xs[n - 1]:
        d = yb - xs[0]
        out[4] = -d if d >= 0.0 else d
    else:
        out[4] = np.nan


axiom_slacks_sorted_row = njit(_axiom_slacks_sorted_row)


def _axiom_slacks_batch(X: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    B, n = X.shape
    out = np.empty((B, 5))
    cnt = np.empty(n + 1, dtype=np.int64)
    bk = np.empty(n, dtype=np.int64)
    xs = np.empty(n)
    for b in range(B):
        axiom_slacks_sorted_row(X[b], y[b], xs, bk, cnt, out[b])
    return out


axiom_slacks_batch = njit(_axiom_slacks_batch)
