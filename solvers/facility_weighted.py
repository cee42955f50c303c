"""Weighted facility mechanisms on batches (numba).

An agent of weight ``w`` counts as ``w`` agents at its report; zero-weight agents are
ignored.  ``X`` and ``W`` have shape ``(B, n)`` (reports in ``[0, 1]``, weights ``>= 0``
with a positive total per row; validated by the caller).

* ``weighted_uniform_phantom_batch(X, W)`` -- the weighted Uniform Phantom, the smallest
  ``y`` with ``F_w(y) >= 1 - y`` (``F_w`` the weighted empirical CDF), computed as
  ``min(1, min_s max(1 - C_s / W, x_(s)))`` with ``C_s`` the weight of the ``s`` smallest
  reports.  For integer weights this is the Uniform Phantom of the duplicated profile
  (its CDF-crossing form ``#{x <= y} + floor(N y) >= N`` needs no floor: the right side
  is an integer).
* ``weighted_median_batch(X, W, phantoms)`` -- the weighted left median of the reports
  and the ``phantoms`` (weight 1 each): the smallest point whose cumulative weight
  reaches half the total.

Both bucket the points on a ``1/n`` grid (counting sort) and sort only the one or two
buckets where the answer lies, so a profile costs expected O(n) on spread-out reports.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = ["bucket_fill", "sort_segment", "weighted_median_batch", "weighted_uniform_phantom_batch"]


#: Buckets whose crossing test misses by less than this are examined, not skipped (round-off).
SKIP_MARGIN = 1e-12
#: Buckets up to this size are sorted by insertion.
INSERTION_MAX = 32


def _sort_segment(vals: NDArray[np.float64], wts: NDArray[np.float64], s: int, e: int) -> None:
    """Sort ``vals[s:e]`` (carrying ``wts``) in place."""
    if e - s <= INSERTION_MAX:
        for j in range(s + 1, e):
            v = vals[j]
            w = wts[j]
            q = j - 1
            while q >= s and vals[q] > v:
                vals[q + 1] = vals[q]
                wts[q + 1] = wts[q]
                q -= 1
            vals[q + 1] = v
            wts[q + 1] = w
        return
    order = np.argsort(vals[s:e])
    v2 = vals[s:e][order]
    w2 = wts[s:e][order]
    vals[s:e] = v2
    wts[s:e] = w2


def _bucket_fill(x: NDArray[np.float64], w: NDArray[np.float64], K: int, start: NDArray[np.int64],
                 bw: NDArray[np.float64], vals: NDArray[np.float64], wts: NDArray[np.float64],
                 fill: NDArray[np.int64]) -> float:
    """Counting sort of the positive-weight reports into K buckets ``[k/K, (k+1)/K)``."""
    for k in range(K + 1):
        start[k] = 0
    for k in range(K):
        bw[k] = 0.0
    total = 0.0
    for i in range(x.shape[0]):
        if w[i] > 0.0:
            k = int(x[i] * K)
            if k >= K:
                k = K - 1
            start[k + 1] += 1
            bw[k] += w[i]
            total += w[i]
    for k in range(K):
        start[k + 1] += start[k]
        fill[k] = start[k]
    for i in range(x.shape[0]):
        if w[i] > 0.0:
            k = int(x[i] * K)
            if k >= K:
                k = K - 1
            vals[fill[k]] = x[i]
            wts[fill[k]] = w[i]
            fill[k] += 1
    return total


def _weighted_uniform_phantom_batch(X: NDArray[np.float64], W: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weighted Uniform Phantom in expected O(n) per profile.

    Bucket the reports on the grid 1/n, skip the buckets where ``F_w(y) + y - 1`` provably
    stays negative, and take the min-max terms of the rest until the running minimum lies
    below the next bucket (later terms are at least their report).
    """
    B, n = X.shape
    K = n
    out = np.empty(B)
    start = np.empty(K + 1, dtype=np.int64)
    fill = np.empty(K, dtype=np.int64)
    bw = np.empty(K)
    vals = np.empty(n)
    wts = np.empty(n)
    for b in range(B):
        total = bucket_fill(X[b], W[b], K, start, bw, vals, wts, fill)
        # skip bucket k only if G(y) = F_w(y) + y - 1 < 0 on all of it (then every earlier
        # min-max term is 1 - C_s/W >= 1 - C/W, and the last one is 1 - C/W)
        C = 0.0
        k = 0
        while k < K - 1 and (C + bw[k]) / total + (k + 1) / K - 1.0 < -SKIP_MARGIN:
            C += bw[k]
            k += 1
        best = 1.0 - C / total
        acc = C
        while True:
            s = start[k]
            e = start[k + 1]
            sort_segment(vals, wts, s, e)
            for j in range(s, e):
                acc += wts[j]
                t = 1.0 - acc / total
                if vals[j] > t:
                    t = vals[j]
                if t < best:
                    best = t
            k += 1
            if k >= K or best < k / K - SKIP_MARGIN:
                break
        out[b] = best
    return out


def _weighted_median_batch(
    X: NDArray[np.float64], W: NDArray[np.float64], phantoms: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Weighted left median of reports and unit-weight phantoms in expected O(n + P).

    Bucket the points on the grid 1/(n+P), find the bucket where the cumulative weight
    reaches half the total and sort only that bucket.
    """
    B, n = X.shape
    P = phantoms.shape[0]
    N = n + P
    K = N
    out = np.empty(B)
    start = np.empty(K + 1, dtype=np.int64)
    fill = np.empty(K, dtype=np.int64)
    bw = np.empty(K)
    vals = np.empty(N)
    wts = np.empty(N)
    xs = np.empty(N)
    ws = np.empty(N)
    for k in range(P):
        xs[n + k] = phantoms[k]
        ws[n + k] = 1.0
    for b in range(B):
        for i in range(n):
            xs[i] = X[b, i]
            ws[i] = W[b, i]
        total = bucket_fill(xs, ws, K, start, bw, vals, wts, fill)
        acc = 0.0
        k = 0
        while k < K - 1 and 2.0 * (acc + bw[k]) < total:
            acc += bw[k]
            k += 1
        res = np.nan
        while k < K:
            s = start[k]
            e = start[k + 1]
            sort_segment(vals, wts, s, e)
            for j in range(s, e):
                acc += wts[j]
                if 2.0 * acc >= total:
                    res = vals[j]
                    break
            if res == res:  # found (not nan)
                break
            k += 1
        if res != res:  # round-off left the crossing unmet: the largest positive-weight point
            for k2 in range(K - 1, -1, -1):
                if start[k2 + 1] > start[k2]:
                    res = vals[start[k2 + 1] - 1]
                    break
        out[b] = res
    return out


sort_segment = njit(_sort_segment)
bucket_fill = njit(_bucket_fill)
weighted_uniform_phantom_batch = njit(_weighted_uniform_phantom_batch)
weighted_median_batch = njit(_weighted_median_batch)
